package relay_test

import (
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/relay"
)

func listen(t *testing.T, n *node, network, addr string) *relay.Listener {
	var l *relay.Listener
	var err error
	n.in(func(tn *eval.Turn) { l, err = relay.Listen(tn, network, addr, n.ds, relay.ListenOptions{}) })
	require.NoError(t, err)
	t.Cleanup(func() { n.in(func(tn *eval.Turn) { tn.StopFacet(l.Facet()) }) })
	return l
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestThousandConnections: 1,000 connections, each asserting something,
// opened and dropped: every assertion goes, and goroutines and heap return
// to their baseline.
func TestThousandConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 1,000 connections; skipped with -short")
	}
	n := newNode(t)
	l := listen(t, n, "tcp", "127.0.0.1:0")
	baseG, baseH := runtime.NumGoroutine(), heap()
	pkt, err := lang.Encode(lang.Sequence{lang.Sequence{lang.Int(0), lang.NewRecord(lang.Symbol("A"),
		lang.NewRecord(lang.Symbol("here"), lang.String("x")), lang.Int(1))}})
	require.NoError(t, err)
	for round := 0; round < 10; round++ {
		var conns []net.Conn
		for range 100 {
			c, err := net.Dial("tcp", l.Addr().String())
			require.NoError(t, err)
			_, err = c.Write(pkt)
			require.NoError(t, err)
			conns = append(conns, c)
		}
		eventually(t, func() bool { return len(n.contents()) == 1 })
		for _, c := range conns {
			c.Close()
		}
	}
	eventually(t, func() bool { return len(n.contents()) == 0 })
	eventually(t, func() bool { return runtime.NumGoroutine() <= baseG+5 })
	require.Less(t, heap(), baseH+4<<20, "heap back near its baseline")
	require.Empty(t, n.errors())
}

// TestUnixSocketFile: mode 0600, a stale file replaced, one in use refused,
// removed when the listener stops.
func TestUnixSocketFile(t *testing.T) {
	n := newNode(t)
	path := filepath.Join(t.TempDir(), "s.sock")
	// A stale socket: bound and closed without unlinking.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	require.NoError(t, err)
	stale.SetUnlinkOnClose(false)
	stale.Close()
	_, err = os.Stat(path)
	require.NoError(t, err)

	var l *relay.Listener
	n.in(func(tn *eval.Turn) { l, err = relay.Listen(tn, "unix", path, n.ds, relay.ListenOptions{}) })
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	n.in(func(tn *eval.Turn) { _, err = relay.Listen(tn, "unix", path, n.ds, relay.ListenOptions{}) })
	require.ErrorContains(t, err, "in use")

	c, err := net.Dial("unix", path)
	require.NoError(t, err)
	_, err = c.Write([]byte("[[0 <A <via-unix> 1>]]\n"))
	require.NoError(t, err)
	eventually(t, func() bool { return len(n.contents()) == 1 })

	n.in(func(tn *eval.Turn) { tn.StopFacet(l.Facet()) })
	eventually(t, func() bool { return len(n.contents()) == 0 })
	_, err = os.Stat(path)
	require.True(t, os.IsNotExist(err), "socket file removed on stop")

	plain := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(plain, nil, 0o644))
	n.in(func(tn *eval.Turn) { _, err = relay.Listen(tn, "unix", plain, n.ds, relay.ListenOptions{}) })
	require.ErrorContains(t, err, "not a socket")
}
