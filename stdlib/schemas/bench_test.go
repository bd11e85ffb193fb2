package schemas_test

import (
	"testing"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib"
	"github.com/synd-lang/synd/stdlib/schemas"
)

var benchSpec = func() lang.Value {
	v, err := parser.Parse("b", []byte(`{argv: ["/usr/bin/server" "--port" "8001" "-v"], env: {HOME: "/root", TMP: #f}, dir: "/srv", clearEnv: #f, readyOnStart: #t, restart: on-error, protocol: none}`), parser.Options{})
	if err != nil {
		panic(err)
	}
	return v
}()

// BenchmarkValidateDaemonSpec validates a full daemon spec against
// externalServices.prs, as the daemon supervisor does for every spec.
func BenchmarkValidateDaemonSpec(b *testing.B) {
	for b.Loop() {
		if err := schemas.Validate("externalServices.DaemonProcessSpec", benchSpec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandParseSpec is the bare-Go baseline: the hand-written reader of
// the same spec (stdlib.ParseProcessSpec, which checks fewer fields).
func BenchmarkHandParseSpec(b *testing.B) {
	for b.Loop() {
		if _, err := stdlib.ParseProcessSpec(benchSpec); err != nil {
			b.Fatal(err)
		}
	}
}
