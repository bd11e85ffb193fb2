package host_test

import (
	"context"
	"io"
	"testing"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/internal/sample"
)

// BenchmarkLoadAndRun compiles a generated 10,000-line script, starts it and
// runs it to quiescence on a virtual clock.
func BenchmarkLoadAndRun(b *testing.B) {
	src := sample.Script(10000)
	for b.Loop() {
		h := host.New(host.Options{Clock: eval.NewVirtualClock(host.GoldenEpoch()), Out: io.Discard})
		if err := h.RunSource("big.pr", src, h.Env()); err != nil {
			b.Fatal(err)
		}
		if err := h.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		if h.Errors() != 0 {
			b.Fatalf("%d errors", h.Errors())
		}
	}
}
