package main

import (
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/relay"
)

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// listenFlags are serve's -p and -s, as syndicate-server's --port and
// --socket: each becomes <run-service <relay-listener ADDR $gatekeeper>>.
type listenFlags struct {
	ports    dirList
	sockets  dirList
	inferior bool
}

// tcpAddress reads -p's PORT (all interfaces, as syndicate-server) or
// HOST:PORT.
func tcpAddress(s string) (lang.Value, error) {
	host, port := "0.0.0.0", s
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return nil, fmt.Errorf("-p takes PORT or HOST:PORT, not %q", s)
	}
	return lang.NewRecord(lang.Symbol("tcp"), lang.String(host), lang.Int(n)), nil
}

// start asserts the relay-listener services of -p and -s and, with
// --inferior, relays $config to the parent over stdin and stdout (as
// syndicate-server's --inferior); the parent closing the stream stops the
// node.
func (lf *listenFlags) start(h *host.Host, env *cmdEnv, stop func()) error {
	if lf.inferior {
		w, ok := env.stdout.(io.WriteCloser)
		if !ok {
			w = nopCloser{env.stdout}
		}
		h.Sys.Post(h.Root, func(t *eval.Turn) {
			relay.Start(t, env.stdin, w, func() { _ = w.Close() }, relay.Options{
				Name: "parent", Initial: h.Config,
				OnEnd: func(*eval.Turn) { stop() },
			})
		})
	}
	var addrs []lang.Value
	for _, p := range lf.ports {
		a, err := tcpAddress(p)
		if err != nil {
			return err
		}
		addrs = append(addrs, a)
	}
	for _, s := range lf.sockets {
		addrs = append(addrs, lang.NewRecord(lang.Symbol("unix"), lang.String(s)))
	}
	if len(addrs) == 0 {
		return nil
	}
	h.Sys.Post(h.Root, func(t *eval.Turn) {
		for _, a := range addrs {
			t.Assert(h.Config, lang.NewRecord(lang.Symbol("run-service"),
				lang.NewRecord(lang.Symbol("relay-listener"), a, h.Gatekeeper.Value())))
		}
	})
	return nil
}
