package relay

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/synd-lang/synd/eval"
)

// ListenOptions configure a Listener.
type ListenOptions struct {
	// Session is the template of each connection's session options (its
	// Name is prefixed to the peer's address; Initial is the listener's).
	Session Options
	// Mode is a unix socket's file mode (default 0600).
	Mode os.FileMode
	// OnSession, if set, is told of each session started, in its turn.
	OnSession func(t *eval.Turn, s *Session, peer string)
}

// Listener accepts connections on a TCP port or a unix socket and runs a
// session per connection offering one object as the peer's oid 0, as
// syndicate-server's relay listeners offer the gatekeeper. A TCP listener
// also takes WebSocket upgrades on the same port (a connection opening with
// an HTTP request); each WebSocket message carries packets.
type Listener struct {
	ln      net.Listener
	facet   *eval.Facet
	sys     *eval.System
	initial *eval.Ref
	opts    ListenOptions
	network string
	http    *http.Server
	conns   chan net.Conn // sniffed HTTP connections for the WebSocket server

	done    chan struct{} // closed when the listener closes
	mu      sync.Mutex
	open    map[net.Conn]struct{}
	closed  bool
	release sync.Once
}

// Addr is the address listened on.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Facet is the facet the listener's sessions live in; stopping it closes
// the listener and every connection.
func (l *Listener) Facet() *eval.Facet { return l.facet }

// Listen starts listening, in a new child of the active facet, on network
// "tcp" (address HOST:PORT) or "unix" (address a path). A unix socket file
// left by a dead process is replaced; one in use is an error; the file is
// created with mode opts.Mode and removed when the listener stops.
func Listen(t *eval.Turn, network, address string, initial *eval.Ref, opts ListenOptions) (*Listener, error) {
	var ln net.Listener
	var err error
	switch network {
	case "tcp":
		ln, err = net.Listen("tcp", address)
	case "unix":
		ln, err = listenUnix(address, opts.Mode)
	default:
		return nil, fmt.Errorf("relay listeners listen on tcp or unix, not %s", network)
	}
	if err != nil {
		return nil, err
	}
	l := &Listener{ln: ln, sys: t.System(), initial: initial, opts: opts, network: network, open: map[net.Conn]struct{}{}, done: make(chan struct{})}
	t.NewFacet(func(t *eval.Turn) {
		l.facet = t.Facet()
		l.facet.Label = "relay-listener " + address
		l.facet.PreventInert()
		t.OnStop(func(*eval.Turn) { l.Close() })
	})
	l.sys.Hold() // connections may come while the listener is open
	if network == "tcp" {
		l.conns = make(chan net.Conn)
		l.http = &http.Server{Handler: http.HandlerFunc(l.serveWebSocket), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = l.http.Serve(chanListener{l}) }()
	}
	go l.accept()
	return l, nil
}

func listenUnix(path string, mode os.FileMode) (net.Listener, error) {
	if mode == 0 {
		mode = 0o600
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		c, err := net.DialTimeout("unix", path, time.Second)
		if err == nil {
			c.Close()
			return nil, fmt.Errorf("%s is in use by a running server", path)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, syscall.ENOENT) {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		_ = os.Remove(path) // stale: its server is gone
	}
	// The socket is created with no access for anyone but its owner, then
	// given its mode: there is no moment when others may connect.
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// Close stops listening and closes every connection.
func (l *Listener) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	close(l.done)
	conns := l.open
	l.open = nil
	l.mu.Unlock()
	_ = l.ln.Close()
	if l.http != nil {
		_ = l.http.Close()
	}
	for c := range conns {
		_ = c.Close()
	}
	l.release.Do(l.sys.Release)
}

func (l *Listener) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.open[c] = struct{}{}
	return true
}

func (l *Listener) untrack(c net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.open, c)
}

func (l *Listener) accept() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			l.mu.Lock()
			closed := l.closed
			l.mu.Unlock()
			if !closed {
				l.sys.Post(l.facet, func(t *eval.Turn) { t.Fail(fmt.Errorf("relay listener: %w", err)) })
			}
			return
		}
		if !l.track(c) {
			c.Close()
			return
		}
		go l.handshake(c)
	}
}

// handshake looks at the first byte: an HTTP request (a WebSocket upgrade)
// goes to the HTTP server, anything else is a Syndicate peer.
func (l *Listener) handshake(c net.Conn) {
	br := bufio.NewReaderSize(c, 4096)
	if l.http != nil {
		first, err := br.Peek(1)
		if err != nil {
			l.untrack(c)
			c.Close()
			return
		}
		if first[0] == 'G' {
			l.untrack(c) // the HTTP server owns it now
			select {
			case l.conns <- &peekedConn{Conn: c, r: br}:
			case <-l.done:
				c.Close()
			}
			return
		}
	}
	l.start(c, br, c, c.RemoteAddr().String(), false)
}

func (l *Listener) start(c net.Conn, r io.Reader, w io.Writer, peer string, messages bool) {
	opts := l.opts.Session
	opts.Initial = l.initial
	opts.Messages = messages
	opts.Name = fmt.Sprintf("%s%s %s", opts.Name, l.network, peer)
	closer := func() {
		l.untrack(c)
		_ = c.Close()
	}
	started := make(chan bool, 1)
	l.sys.Post(l.facet, func(t *eval.Turn) {
		s := Start(t, r, w, closer, opts)
		if l.opts.OnSession != nil {
			l.opts.OnSession(t, s, peer)
		}
		started <- true
	})
	go func() {
		// A post to a listener that has stopped is dropped: the connection
		// must not be left open.
		select {
		case <-started:
		case <-l.done:
			closer()
		}
	}()
}

func (l *Listener) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return // Accept has answered the request
	}
	max := l.opts.Session.MaxPacket
	if max <= 0 {
		max = DefaultMaxPacket
	}
	c.SetReadLimit(int64(max))
	nc := websocket.NetConn(context.Background(), c, websocket.MessageBinary)
	if !l.track(nc) {
		nc.Close()
		return
	}
	l.start(nc, nc, nc, "ws "+r.RemoteAddr, true)
}

// peekedConn is a connection whose first bytes were read into r.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (p *peekedConn) Read(b []byte) (int, error) { return p.r.Read(b) }

// chanListener hands sniffed HTTP connections to the HTTP server.
type chanListener struct{ l *Listener }

func (c chanListener) Accept() (net.Conn, error) {
	select {
	case conn := <-c.l.conns:
		return conn, nil
	case <-c.l.done:
		return nil, net.ErrClosed
	}
}

func (c chanListener) Close() error   { return nil }
func (c chanListener) Addr() net.Addr { return c.l.ln.Addr() }
