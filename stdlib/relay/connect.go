package relay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// Dial connects to a transport address. It reports whether the connection
// carries messages (WebSocket) rather than a byte stream.
func Dial(ctx context.Context, addr Address) (net.Conn, bool, error) {
	switch addr.Network {
	case "tcp", "unix":
		var d net.Dialer
		c, err := d.DialContext(ctx, addr.Network, addr.Address)
		return c, false, err
	case "ws":
		c, _, err := websocket.Dial(ctx, addr.Address, nil)
		if err != nil {
			return nil, false, err
		}
		c.SetReadLimit(DefaultMaxPacket)
		return websocket.NetConn(context.Background(), c, websocket.MessageBinary), true, nil
	}
	return nil, false, fmt.Errorf("cannot dial %s", addr.Network)
}

// errorKind names a connection failure as syndicate-rs does (the io
// ErrorKind it answers with).
func errorKind(err error) lang.Symbol {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "ConnectionRefused"
	case errors.Is(err, syscall.ENOENT), errors.Is(err, os.ErrNotExist):
		return "NotFound"
	case errors.Is(err, syscall.EACCES), errors.Is(err, os.ErrPermission):
		return "PermissionDenied"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "TimedOut"
	}
	return "Other"
}

// Reconnection delays: the first retry comes soon, later ones back off.
const (
	firstRetry = 250 * time.Millisecond
	maxRetry   = 4 * time.Second
)

// StartConnector answers <q <connect-transport ADDR>> on config (as
// syndicate-server's resolution/transports.rs): it connects to ADDR and
// asserts <a <connect-transport ADDR> <ok <connected-transport ADDR
// #:CONTROL #:SESSION>>>, SESSION being the peer's oid 0 and CONTROL taking
// <force-disconnect>; or <a ... <error KIND>> when it cannot connect. It
// keeps trying while the question stands, and when a link drops its answer
// is retracted and a new link made.
func StartConnector(t *eval.Turn, config *eval.Ref) {
	t.During(config, recPattern("q", recPattern("connect-transport", capture)), func(t *eval.Turn, caps []lang.Value) {
		addrV := lang.Unwrap(caps[0])
		addr, err := ParseAddress(addrV)
		if err != nil {
			return // not a transport we know: someone else may answer
		}
		c := &connector{sys: t.System(), facet: t.Facet(), config: config, addrV: addrV, addr: addr, delay: firstRetry}
		t.OnStop(func(*eval.Turn) { c.stop() })
		c.attempt(t)
	})
}

type connector struct {
	sys    *eval.System
	facet  *eval.Facet
	config *eval.Ref
	addrV  lang.Value
	addr   Address
	delay  time.Duration

	mu      sync.Mutex
	stopped bool
	pending net.Conn
	last    *eval.Facet // the facet holding the latest answer
}

func (c *connector) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.pending != nil {
		c.pending.Close()
		c.pending = nil
	}
}

func (c *connector) question() lang.Value { return rec("connect-transport", c.addrV) }

// attempt dials in the background; the outcome comes back in a turn.
func (c *connector) attempt(t *eval.Turn) {
	c.sys.Hold()
	go func() {
		defer c.sys.Release()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, messages, err := Dial(ctx, c.addr)
		cancel()
		c.mu.Lock()
		if c.stopped {
			c.mu.Unlock()
			if conn != nil {
				conn.Close()
			}
			return
		}
		c.pending = conn
		c.mu.Unlock()
		c.sys.Post(c.facet, func(t *eval.Turn) { c.outcome(t, messages, err) })
	}()
}

func (c *connector) outcome(t *eval.Turn, messages bool, err error) {
	c.mu.Lock()
	conn := c.pending
	c.pending = nil
	c.mu.Unlock()
	if c.last != nil {
		t.StopFacet(c.last)
	}
	if err != nil {
		c.last = t.NewFacetHeld(func(t *eval.Turn) {
			t.Assert(c.config, rec("a", c.question(), rec("error", errorKind(err))))
		})
		c.retry(t)
		return
	}
	c.delay = firstRetry
	c.last = t.NewFacetHeld(func(t *eval.Turn) {
		link := t.Facet()
		sess := Start(t, conn, conn, func() { _ = conn.Close() }, Options{
			Name: fmt.Sprintf("%s %s", c.addr.Network, c.addr.Address), ImportInitial: true, Messages: messages,
			OnEnd: func(t *eval.Turn) {
				t.StopFacet(link)
				c.retry(t)
			},
		})
		control := t.NewRef("transport-control", &eval.Handler{OnMessage: func(t *eval.Turn, v lang.Value) error {
			if r, ok := lang.Unwrap(v).(*lang.Record); ok && lang.Equal(r.Label, lang.Symbol("force-disconnect")) {
				sess.Close(t, nil)
			}
			return nil
		}})
		t.Assert(c.config, rec("a", c.question(), rec("ok",
			rec("connected-transport", c.addrV, control.Value(), sess.Peer().Value()))))
	})
}

// retry tries again after the current delay, backing off.
func (c *connector) retry(t *eval.Turn) {
	if !c.facet.Alive() {
		return
	}
	d := c.delay
	c.delay = min(2*c.delay, maxRetry)
	t.InFacet(c.facet, func() {
		t.After(d, func(t *eval.Turn) { c.attempt(t) })
	})
}
