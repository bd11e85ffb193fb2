package stdlib_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/internal/syncbuf"
)

// TestDaemonProtocolRelay runs a real daemon speaking text/syndicate: its
// initial object is published as a service-object; the script asserts to it
// a record carrying $config; the child answers by asserting into that
// $config over the wire.
func TestDaemonProtocolRelay(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real process; skipped with -short")
	}
	// The child reads one packet, finds the oid of the reference it was given
	// and asserts <child-says "hello"> to it.
	child := `read line; oid=$(echo "$line" | sed -n 's/.*#:\[0 \([0-9]*\)\].*/\1/p'); ` +
		`echo "[[$oid <A <child-says \"hello\" $oid> 1>]]"; sleep 30`
	script := `
<require-service <daemon talker>>
<daemon talker {argv: ["sh" "-c" ` + quote(child) + `], protocol: text/syndicate}>
? <service-object <daemon talker> ?obj> $obj <greeting "hi" $config>
? <child-says ?what ?oid> [
  $log ! <log "-" {line: "child said", what: $what}>
]
`
	out := &syncbuf.Buffer{}
	h := host.New(host.Options{Out: out})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stopped := make(chan struct{})
	require.NoError(t, h.RunSource("relay.pr", []byte(script), h.Env()))
	go func() {
		deadline := time.Now().Add(8 * time.Second)
		for !strings.Contains(out.String(), "child said what=\"hello\"") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		h.Sys.Shutdown()
		close(stopped)
	}()
	require.NoError(t, h.Run(ctx))
	<-stopped
	require.Contains(t, out.String(), "child said what=\"hello\"", out.String())
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
