package stdlib_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/internal/syncbuf"
)

// TestRelayListenerService: <require-service <relay-listener ADDR
// $gatekeeper>> listens and is ready; an address it cannot use makes it
// failed, with the reason reported (tcp_relay_listener.rs,
// unix_relay_listener.rs).
func TestRelayListenerService(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "l.sock")
	script := `
<require-service <relay-listener <tcp "127.0.0.1" 0> $gatekeeper>>
<require-service <relay-listener <unix "` + sock + `"> $gatekeeper>>
<require-service <relay-listener <unix "/nonexistent-dir/x.sock"> $gatekeeper>>
<require-service <relay-listener <udp "127.0.0.1" 0> $gatekeeper>>
? <service-state <relay-listener ?addr _> ?state> [
  $log ! <log "-" {line: "listener", addr: $addr, state: $state}>
]
`
	out := &syncbuf.Buffer{}
	h := host.New(host.Options{Out: out})
	require.NoError(t, h.RunSource("listen.pr", []byte(script), h.Env()))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() {
		for !strings.Contains(out.String(), `addr=<udp`) || !strings.Contains(out.String(), `nonexistent-dir/x.sock"> state=failed`) {
			time.Sleep(10 * time.Millisecond)
		}
		h.Sys.Shutdown()
	}()
	_ = h.Run(ctx)
	o := out.String()
	require.Contains(t, o, `addr=<tcp "127.0.0.1" 0> state=ready`, o)
	require.Contains(t, o, `addr=<unix "`+sock+`"> state=ready`, o)
	require.Contains(t, o, `addr=<unix "/nonexistent-dir/x.sock"> state=failed`, o)
	require.Contains(t, o, `addr=<udp "127.0.0.1" 0> state=failed`, o)
	require.Contains(t, o, "expects <tcp @host string @port int>", o)
}
