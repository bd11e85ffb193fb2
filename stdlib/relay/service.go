package relay

import (
	"fmt"
	"net"
	"strconv"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	protocols "github.com/synd-lang/synd/stdlib/schemas"
)

var capture = dataspace.Bind{Pattern: dataspace.Discard{}}

func recPattern(label string, fields ...dataspace.Pattern) dataspace.Pattern {
	g := dataspace.Group{Kind: dataspace.GroupRecord, Label: lang.Symbol(label)}
	for i, f := range fields {
		g.Entries = append(g.Entries, dataspace.GroupEntry{Key: lang.Int(i), Pattern: f})
	}
	return g
}

func rec(label string, fields ...lang.Value) *lang.Record {
	return lang.NewRecord(lang.Symbol(label), fields...)
}

// Address is a transport address of transportAddress.prs: <tcp HOST PORT>,
// <unix PATH> or <ws URL>.
type Address struct {
	Network string // tcp, unix or ws
	Address string // HOST:PORT, a path or a URL
}

// ParseAddress reads a transport address.
func ParseAddress(v lang.Value) (Address, error) {
	r, ok := lang.Unwrap(v).(*lang.Record)
	if ok {
		label, _ := lang.Unwrap(r.Label).(lang.Symbol)
		switch {
		case label == "tcp" && len(r.Fields) == 2:
			host, ok1 := lang.Unwrap(r.Fields[0]).(lang.String)
			port, ok2 := lang.Unwrap(r.Fields[1]).(lang.Int)
			if ok1 && ok2 && port >= 0 && port < 65536 {
				return Address{"tcp", net.JoinHostPort(string(host), strconv.Itoa(int(port)))}, nil
			}
		case label == "unix" && len(r.Fields) == 1:
			if path, ok := lang.Unwrap(r.Fields[0]).(lang.String); ok {
				return Address{"unix", string(path)}, nil
			}
		case label == "ws" && len(r.Fields) == 1:
			if url, ok := lang.Unwrap(r.Fields[0]).(lang.String); ok {
				return Address{"ws", string(url)}, nil
			}
		}
	}
	return Address{}, fmt.Errorf("a transport address is <tcp HOST PORT>, <unix PATH> or <ws URL>, not %s", lang.Format(v))
}

// Limits bound the sessions a node runs: the size of one inbound packet
// and the bytes queued for a peer (zero: DefaultMaxPacket and
// DefaultMaxOutbound).
type Limits struct {
	MaxPacket   int
	MaxOutbound int
}

// ListenerServiceOptions configure the relay-listener service class.
type ListenerServiceOptions struct {
	Limits
	// OnConnection, if set, is told of each connection a listener accepts:
	// the listener's address (as written in its relay-listener record), the
	// peer's, and a channel closed when the connection has ended. It is
	// called in the listener's turn and must not block.
	OnConnection func(listener, peer string, closed <-chan struct{})
}

func (l Limits) apply(o Options) Options {
	o.MaxPacket, o.MaxOutbound = l.MaxPacket, l.MaxOutbound
	return o
}

// StartListenerService runs the relay-listener service class on config (as
// syndicate-server's tcp_relay_listener.rs and unix_relay_listener.rs):
// while <run-service <relay-listener ADDR #:GATEKEEPER>> is asserted, ADDR
// (<tcp HOST PORT> or <unix PATH>) is listened on and each connection is
// offered GATEKEEPER as its oid 0. The service is started, then ready once
// listening; failed (with the error reported) if it cannot listen.
func StartListenerService(t *eval.Turn, config *eval.Ref, opts ListenerServiceOptions) {
	t.During(config, recPattern("run-service", recPattern("relay-listener", capture, capture)), func(t *eval.Turn, caps []lang.Value) {
		name := rec("relay-listener", caps[0], caps[1])
		t.Assert(config, rec("service-state", name, lang.Symbol("started")))
		fail := func(err error) {
			t.System().Report(t.Facet(), fmt.Errorf("%s: %w", lang.Format(name), err))
			t.Assert(config, rec("service-state", name, lang.Symbol("failed")))
		}
		addr, err := ParseAddress(caps[0])
		if err == nil && addr.Network == "ws" {
			err = fmt.Errorf("listen on <tcp HOST PORT>: it takes WebSocket upgrades too")
		} else if serr := protocols.ValidateRecord(name); err != nil && serr != nil {
			err = serr // internalServices.prs says what is wrong
		}
		if err != nil {
			fail(err)
			return
		}
		e, isEmb := lang.Unwrap(caps[1]).(lang.Embedded)
		gk, isRef := e.Ref.(*eval.Ref)
		if !isEmb || !isRef {
			fail(fmt.Errorf("the gatekeeper must be a reference, not %s", lang.Format(caps[1])))
			return
		}
		lo := ListenOptions{Session: opts.Limits.apply(Options{})}
		if opts.OnConnection != nil {
			where := lang.Format(caps[0])
			lo.OnSession = func(_ *eval.Turn, s *Session, peer string) { opts.OnConnection(where, peer, s.Done()) }
		}
		l, err := Listen(t, addr.Network, addr.Address, gk, lo)
		if err != nil {
			fail(err)
			return
		}
		t.OnStop(func(*eval.Turn) { l.Close() })
		t.Assert(config, rec("service-state", name, lang.Symbol("ready")))
	})
}
