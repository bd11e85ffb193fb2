package relay

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/sturdy"
)

// Options configure a Session.
type Options struct {
	// Name names the session in errors and refs.
	Name string
	// Initial, if set, is offered to the peer as its oid 0.
	Initial *eval.Ref
	// ImportInitial makes the peer's oid 0 available as Peer().
	ImportInitial bool
	// Text makes the session write text until the peer's first byte says
	// which syntax it speaks (it then answers in kind).
	Text bool
	// MaxPacket bounds an inbound packet (DefaultMaxPacket if 0).
	MaxPacket int
	// MaxOutbound bounds the bytes queued for the peer (DefaultMaxOutbound
	// if 0); past it the session is dropped.
	MaxOutbound int
	// MaxAssertions bounds the assertions a peer may hold at once
	// (DefaultMaxAssertions if 0); past it the session ends with an error.
	MaxAssertions int
	// KeepOnEOF keeps the session when the peer's stream ends: its owner
	// ends it with Close (a daemon's session ends when its exit is noticed,
	// in that same turn).
	KeepOnEOF bool
	// Messages makes each packet a Write of its own, for transports whose
	// writes are messages (WebSocket), as peers there read one packet per
	// message.
	Messages bool
	// OnEnd, if set, runs in the turn in which the session ends.
	OnEnd func(t *eval.Turn)
	// Grace is how long a closing session may spend writing what is queued
	// (default 5 s) before the stream is closed anyway.
	Grace time.Duration
}

// DefaultMaxAssertions bounds how many assertions one peer may hold at
// once, so that a peer cannot make the node's memory grow without bound.
const DefaultMaxAssertions = 1 << 20

// maxInflight bounds the batches of packets read but not yet handled: the
// reader waits (and so the peer's writes block) beyond it.
const maxInflight = 16

// symbol is one entry of a membrane: a ref known to the peer by an oid.
type symbol struct {
	oid      int64
	ref      *eval.Ref
	count    int
	imported bool
	variants map[string]*eval.Ref // attenuations the peer made of an export
}

type inboundAssertion struct {
	handle eval.Handle
	pins   []*symbol
}

type outboundAssertion struct {
	wire int64
	pins []*symbol
}

// Session is one connection's relay: it lives in a facet of its own, and
// everything the peer asserted is retracted when that facet stops.
type Session struct {
	sys   *eval.System
	facet *eval.Facet
	opts  Options
	text  bool

	exports  map[int64]*symbol
	exportOf map[*eval.Ref]*symbol
	nextOid  int64
	imports  map[int64]*symbol
	importOf map[*eval.Ref]*symbol
	inbound  map[int64]inboundAssertion
	outbound map[eval.Handle]outboundAssertion
	nextWire int64
	peer     *eval.Ref
	encoder  lang.Encoder
	enc      []byte // reused for encoding outbound packets

	out        *outq
	closed     bool
	closeOnce  sync.Once
	closer     func()
	inflight   chan struct{}
	holding    atomic.Int32 // the session's Hold lasts until it has ended and its output is written
	done       chan struct{}
	readerDone chan struct{}
	release    func()
}

// Start runs a session in a new child of the active facet, reading packets
// from r and writing them to w; closer closes the stream (called once, when
// the session ends).
func Start(t *eval.Turn, r io.Reader, w io.Writer, closer func(), opts Options) *Session {
	s := &Session{
		sys: t.System(), opts: opts, text: opts.Text,
		exports: map[int64]*symbol{}, exportOf: map[*eval.Ref]*symbol{},
		imports: map[int64]*symbol{}, importOf: map[*eval.Ref]*symbol{},
		inbound: map[int64]inboundAssertion{}, outbound: map[eval.Handle]outboundAssertion{},
		nextOid: 1, out: newOutq(opts.MaxOutbound, opts.Messages),
		inflight: make(chan struct{}, maxInflight), done: make(chan struct{}), readerDone: make(chan struct{}),
	}
	s.closer = func() { s.closeOnce.Do(closer) }
	s.sys.Hold() // the peer may speak while the session lasts
	s.holding.Store(2)
	t.NewFacet(func(t *eval.Turn) {
		s.facet = t.Facet()
		s.facet.Label = "relay " + opts.Name
		s.release = s.facet.PreventInert()
		if opts.Initial != nil {
			sym := &symbol{oid: 0, ref: opts.Initial, count: 1}
			s.exports[0], s.exportOf[opts.Initial] = sym, sym
		}
		if opts.ImportInitial {
			sym := s.imported(t, 0)
			sym.count++ // held for the life of the session
			s.peer = sym.ref
		}
		t.OnStop(func(t *eval.Turn) {
			s.shutdown()
			if opts.OnEnd != nil {
				opts.OnEnd(t)
			}
		})
	})
	go func() {
		// The writer ends when the session has ended and what was queued is
		// written, or when the peer is gone; either way the stream closes
		// (and a reader blocked on it returns).
		_ = s.out.run(w)
		s.closer()
		s.unhold()
	}()
	go s.read(r)
	return s
}

// Peer is the peer's initial object (oid 0), with Options.ImportInitial.
func (s *Session) Peer() *eval.Ref { return s.peer }

// Facet is the session's facet.
func (s *Session) Facet() *eval.Facet { return s.facet }

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// ReaderDone is closed when the session has stopped reading its stream.
func (s *Session) ReaderDone() <-chan struct{} { return s.readerDone }

// Close ends the session in this turn: everything the peer asserted is
// retracted. With an error, the error is reported and sent to the peer as
// <error MESSAGE DETAIL> (if it still reads) before the stream is closed.
func (s *Session) Close(t *eval.Turn, err error) {
	if s.closed || s.facet == nil {
		return
	}
	if err != nil {
		s.sys.Report(s.facet, fmt.Errorf("relay %s: %w", s.opts.Name, err))
		var pe *PeerError
		if !errors.As(err, &pe) {
			s.sendPacket(errorPacket(err))
		}
	}
	t.StopFacet(s.facet)
}

// shutdown runs when the facet stops, however that happens.
func (s *Session) shutdown() {
	if s.closed {
		return
	}
	s.closed = true
	s.release()
	s.unhold()
	close(s.done)
	s.out.close()
	grace := s.opts.Grace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	time.AfterFunc(grace, s.closer) // a peer that stopped reading holds nothing
}

// unhold releases the system once both the session has ended and what it
// queued is written (or the peer is gone), so that a system stopping — a
// synd connect whose REPL reached the end of its input — does not return
// from Run with its last packets (the retractions of a shutdown among them)
// still unwritten.
func (s *Session) unhold() {
	if s.holding.Add(-1) == 0 {
		s.sys.Release()
	}
}

// ProtocolError is a violation of the protocol by the peer.
type ProtocolError struct {
	Msg    string
	Detail lang.Value
}

func (e *ProtocolError) Error() string {
	if e.Detail == nil {
		return e.Msg
	}
	return e.Msg + ": " + lang.Format(e.Detail)
}

// PeerError is an <error MESSAGE DETAIL> packet the peer sent.
type PeerError struct {
	Msg    string
	Detail lang.Value
}

func (e *PeerError) Error() string {
	return "the peer reports an error: " + e.Msg + " " + lang.Format(e.Detail)
}

func errorPacket(err error) lang.Value {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		d := pe.Detail
		if d == nil {
			d = lang.Bool(false)
		}
		return lang.NewRecord(lang.Symbol("error"), lang.String(pe.Msg), d)
	}
	return lang.NewRecord(lang.Symbol("error"), lang.String(err.Error()), lang.Bool(false))
}

// read parses packets from the peer and hands them, in batches, to turns.
func (s *Session) read(r io.Reader) {
	defer close(s.readerDone)
	fr := Framer{Max: s.opts.MaxPacket}
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			pkts, ferr := fr.Feed(buf[:n])
			if len(pkts) > 0 && !s.deliver(pkts, fr.Text()) {
				return
			}
			if ferr != nil {
				s.sys.Post(s.facet, func(t *eval.Turn) {
					s.Close(t, &ProtocolError{Msg: "malformed packet: " + ferr.Error()})
				})
				return
			}
		}
		if err != nil {
			if !s.opts.KeepOnEOF {
				s.sys.Post(s.facet, func(t *eval.Turn) { s.Close(t, nil) })
			}
			return
		}
	}
}

func (s *Session) deliver(pkts []lang.Value, text bool) bool {
	select {
	case s.inflight <- struct{}{}:
	case <-s.done:
		return false
	}
	s.sys.Post(s.facet, func(t *eval.Turn) {
		<-s.inflight
		s.text = text
		for _, p := range pkts {
			if s.closed {
				return
			}
			if err := s.handle(t, p); err != nil {
				s.Close(t, err)
				return
			}
		}
	})
	return true
}

var (
	symA     = lang.Symbol("A")
	symR     = lang.Symbol("R")
	symM     = lang.Symbol("M")
	symS     = lang.Symbol("S")
	symError = lang.Symbol("error")
)

// handle carries out one packet (protocol.prs Packet).
func (s *Session) handle(t *eval.Turn, p lang.Value) error {
	switch x := lang.Unwrap(p).(type) {
	case lang.Sequence:
		for _, te := range x {
			if err := s.handleEvent(t, te); err != nil {
				return err
			}
		}
		return nil
	case *lang.Record:
		if lang.Equal(x.Label, symError) && len(x.Fields) == 2 {
			if msg, ok := lang.Unwrap(x.Fields[0]).(lang.String); ok {
				return &PeerError{Msg: string(msg), Detail: lang.Unwrap(x.Fields[1])}
			}
		}
		return nil // an Extension: ignored, as syndicate-rs ignores them
	case lang.Bool:
		if !x {
			return nil // Nop
		}
	}
	return &ProtocolError{Msg: "malformed packet", Detail: lang.Unwrap(p)}
}

func (s *Session) handleEvent(t *eval.Turn, te lang.Value) error {
	pair, ok := lang.Unwrap(te).(lang.Sequence)
	if !ok || len(pair) != 2 {
		return &ProtocolError{Msg: "malformed turn event", Detail: lang.Unwrap(te)}
	}
	oid, ok1 := lang.Unwrap(pair[0]).(lang.Int)
	ev, ok2 := lang.Unwrap(pair[1]).(*lang.Record)
	var label lang.Symbol
	ok3 := false
	if ok2 {
		label, ok3 = lang.Unwrap(ev.Label).(lang.Symbol)
	}
	if !ok1 || !ok2 || !ok3 {
		return &ProtocolError{Msg: "malformed turn event", Detail: lang.Unwrap(te)}
	}
	var target *eval.Ref
	if sym := s.exports[int64(oid)]; sym != nil {
		target = sym.ref
	}
	switch {
	case label == symA && len(ev.Fields) == 2:
		h, ok := lang.Unwrap(ev.Fields[1]).(lang.Int)
		if !ok {
			return &ProtocolError{Msg: "malformed assertion handle", Detail: lang.Unwrap(ev.Fields[1])}
		}
		v, pins, err := s.decode(t, ev.Fields[0])
		if err != nil {
			return err
		}
		if target == nil {
			s.releaseAll(pins) // an object we never exported, or no longer do
			return nil
		}
		if _, dup := s.inbound[int64(h)]; dup {
			s.releaseAll(pins)
			return &ProtocolError{Msg: "Assertion with duplicate handle", Detail: lang.Bool(false)}
		}
		max := s.opts.MaxAssertions
		if max <= 0 {
			max = DefaultMaxAssertions
		}
		if len(s.inbound) >= max {
			s.releaseAll(pins)
			return &ProtocolError{Msg: fmt.Sprintf("more than %d assertions held by one peer", len(s.inbound)), Detail: lang.Bool(false)}
		}
		// Kept for as long as the peer likes: detached from the packet's
		// memory, so that a tiny assertion does not keep a large packet
		// alive (lang.Detach).
		s.inbound[int64(h)] = inboundAssertion{handle: t.Assert(target, lang.Detach(v)), pins: pins}
	case label == symR && len(ev.Fields) == 1:
		h, ok := lang.Unwrap(ev.Fields[0]).(lang.Int)
		if !ok {
			return &ProtocolError{Msg: "malformed assertion handle", Detail: lang.Unwrap(ev.Fields[0])}
		}
		if a, ok := s.inbound[int64(h)]; ok {
			delete(s.inbound, int64(h))
			t.Retract(a.handle)
			s.releaseAll(a.pins)
		}
	case label == symM && len(ev.Fields) == 1:
		v, pins, err := s.decode(t, ev.Fields[0])
		if err != nil {
			return err
		}
		defer s.releaseAll(pins)
		for _, p := range pins {
			if p.count == 1 {
				return &ProtocolError{Msg: "Cannot receive transient reference", Detail: lang.Bool(false)}
			}
		}
		if target != nil {
			t.Message(target, v)
		}
	case label == symS && len(ev.Fields) == 1:
		v, pins, err := s.decode(t, ev.Fields[0])
		if err != nil {
			return err
		}
		e, ok := v.(lang.Embedded)
		peer, isRef := e.Ref.(*eval.Ref)
		if !ok || !isRef {
			s.releaseAll(pins)
			return &ProtocolError{Msg: "malformed sync", Detail: lang.Unwrap(ev.Fields[0])}
		}
		if target == nil {
			s.releaseAll(pins)
			return nil
		}
		k := t.NewRef("sync-reply", &eval.Handler{OnMessage: func(t *eval.Turn, _ lang.Value) error {
			t.Message(peer, lang.Bool(true))
			s.releaseAll(pins)
			return nil
		}})
		t.Sync(target, k)
	default:
		return &ProtocolError{Msg: "malformed event", Detail: ev}
	}
	return nil
}

// imported returns the proxy for the peer's object oid.
func (s *Session) imported(t *eval.Turn, oid int64) *symbol {
	if sym := s.imports[oid]; sym != nil {
		return sym
	}
	var r *eval.Ref
	t.InFacet(s.facet, func() {
		r = t.NewRef(fmt.Sprintf("%s#%d", s.opts.Name, oid), &proxy{s: s, oid: oid})
	})
	sym := &symbol{oid: oid, ref: r, imported: true}
	s.imports[oid], s.importOf[r] = sym, sym
	return sym
}

// inert stands for an object the peer names that we never exported.
type inert struct{}

func (inert) Assert(*eval.Turn, lang.Value, eval.Handle) error { return nil }
func (inert) Retract(*eval.Turn, eval.Handle) error            { return nil }
func (inert) Message(*eval.Turn, lang.Value) error             { return nil }

// decode turns the wire refs in v into refs, pinning each symbol.
func (s *Session) decode(t *eval.Turn, v lang.Value) (lang.Value, []*symbol, error) {
	var pins []*symbol
	var bad error
	out := mapEmbedded(v, func(payload any) lang.Value {
		if bad != nil {
			return lang.Bool(false)
		}
		seq, ok := payload.(lang.Sequence)
		var kind, oid lang.Int
		if ok && len(seq) >= 2 {
			kind, ok = lang.Unwrap(seq[0]).(lang.Int)
			var ok2 bool
			oid, ok2 = lang.Unwrap(seq[1]).(lang.Int)
			ok = ok && ok2 && oid >= 0
		}
		switch {
		case ok && kind == 0 && len(seq) == 2:
			sym := s.imported(t, int64(oid))
			sym.count++
			pins = append(pins, sym)
			return sym.ref.Value()
		case ok && kind == 1:
			sym := s.exports[int64(oid)]
			if sym == nil {
				var r *eval.Ref
				t.InFacet(s.facet, func() { r = t.NewRef("inert", inert{}) })
				return r.Value()
			}
			ref := sym.ref
			if caveats := seq[2:]; len(caveats) > 0 {
				key := lang.Key(lang.Sequence(caveats))
				if r, ok := sym.variants[key]; ok {
					ref = r
				} else {
					att, err := sturdy.Attenuate(s.sys, sym.ref, caveats)
					if err != nil {
						bad = &ProtocolError{Msg: "Invalid capability attenuation: " + err.Error(), Detail: lang.Bool(false)}
						return lang.Bool(false)
					}
					if sym.variants == nil {
						sym.variants = map[string]*eval.Ref{}
					}
					sym.variants[key], s.exportOf[att] = att, sym
					ref = att
				}
			}
			sym.count++
			pins = append(pins, sym)
			return ref.Value()
		}
		bad = &ProtocolError{Msg: "malformed reference", Detail: lang.Embedded{Ref: payload}}
		return lang.Bool(false)
	})
	if bad != nil {
		s.releaseAll(pins)
		return nil, nil, bad
	}
	return out, pins, nil
}

// encode turns the refs in v into wire refs, exporting ours as needed.
func (s *Session) encode(v lang.Value) (lang.Value, []*symbol) {
	var pins []*symbol
	out := mapEmbedded(v, func(payload any) lang.Value {
		r, ok := payload.(*eval.Ref)
		if !ok {
			return lang.Bool(false) // not a capability: it cannot cross
		}
		if sym := s.exportOf[r]; sym != nil {
			sym.count++
			pins = append(pins, sym)
			return lang.Embedded{Ref: lang.Sequence{lang.Int(0), lang.Int(sym.oid)}}
		}
		if sym := s.importOf[r]; sym != nil {
			sym.count++
			pins = append(pins, sym)
			return lang.Embedded{Ref: lang.Sequence{lang.Int(1), lang.Int(sym.oid)}}
		}
		sym := &symbol{oid: s.nextOid, ref: r, count: 1}
		s.nextOid++
		s.exports[sym.oid], s.exportOf[r] = sym, sym
		pins = append(pins, sym)
		return lang.Embedded{Ref: lang.Sequence{lang.Int(0), lang.Int(sym.oid)}}
	})
	return out, pins
}

// releaseAll drops one hold on each symbol; one no longer held is forgotten
// (an export the peer can no longer name, an import it no longer offers).
func (s *Session) releaseAll(pins []*symbol) {
	for _, sym := range pins {
		if sym.count--; sym.count > 0 {
			continue
		}
		if sym.imported {
			delete(s.imports, sym.oid)
			delete(s.importOf, sym.ref)
			continue
		}
		delete(s.exports, sym.oid)
		delete(s.exportOf, sym.ref)
		for _, r := range sym.variants {
			delete(s.exportOf, r)
		}
	}
}

// Exports is the number of our objects the peer can currently name.
func (s *Session) Exports() int { return len(s.exports) }

// Imports is the number of the peer's objects currently held.
func (s *Session) Imports() int { return len(s.imports) }

// sendPacket queues a packet; a peer that lets the queue pass its bound is
// dropped.
func (s *Session) sendPacket(p lang.Value) bool {
	var b []byte
	if s.text {
		b = append((&lang.TextWriter{}).Append(nil, p), '\n')
	} else {
		var err error
		if b, err = lang.Encode(p); err != nil {
			return true
		}
	}
	return s.out.push(b)
}

func (s *Session) send(t *eval.Turn, oid int64, event lang.Value) {
	if s.closed {
		return
	}
	var ok bool
	if s.text {
		ok = s.sendPacket(lang.Sequence{lang.Sequence{lang.Int(oid), event}})
	} else {
		// [[OID EVENT]] written straight into a reused buffer.
		b := append(s.enc[:0], lang.TagSequence, lang.TagSequence)
		b, _ = s.encoder.Append(b, lang.Int(oid))
		b, err := s.encoder.Append(b, event)
		if err != nil {
			return
		}
		b = append(b, lang.TagEnd, lang.TagEnd)
		ok = s.out.push(b)
		if cap(b) <= 64<<10 {
			s.enc = b
		}
	}
	if !ok {
		s.closer() // the peer does not read: nothing more can reach it
		s.Close(t, fmt.Errorf("the peer is not reading: more than %d bytes queued for it; session dropped", s.out.max))
	}
}

// proxy stands for one of the peer's objects: what is sent to it goes over
// the wire.
type proxy struct {
	s   *Session
	oid int64
}

func (p *proxy) Assert(t *eval.Turn, v lang.Value, h eval.Handle) error {
	s := p.s
	if s.closed {
		return nil
	}
	wv, pins := s.encode(v)
	s.nextWire++
	s.outbound[h] = outboundAssertion{wire: s.nextWire, pins: pins}
	s.send(t, p.oid, lang.NewRecord(symA, wv, lang.Int(s.nextWire)))
	return nil
}

func (p *proxy) Retract(t *eval.Turn, h eval.Handle) error {
	s := p.s
	a, ok := s.outbound[h]
	if !ok || s.closed {
		return nil
	}
	delete(s.outbound, h)
	s.send(t, p.oid, lang.NewRecord(symR, lang.Int(a.wire)))
	s.releaseAll(a.pins)
	return nil
}

func (p *proxy) Message(t *eval.Turn, v lang.Value) error {
	s := p.s
	if s.closed {
		return nil
	}
	wv, pins := s.encode(v)
	s.send(t, p.oid, lang.NewRecord(symM, wv))
	s.releaseAll(pins)
	return nil
}

// Sync implements eval.Syncer: the sync crosses the wire, and the peer's
// answer comes back to a local entity that passes it on.
func (p *proxy) Sync(t *eval.Turn, peer *eval.Ref) error {
	s := p.s
	if s.closed {
		return nil
	}
	var pins []*symbol
	k := t.NewRef("sync", &eval.Handler{OnMessage: func(t *eval.Turn, _ lang.Value) error {
		t.Message(peer, lang.Bool(true))
		s.releaseAll(pins)
		return nil
	}})
	var wk lang.Value
	wk, pins = s.encode(k.Value())
	s.send(t, p.oid, lang.NewRecord(symS, wk))
	return nil
}

// mapEmbedded rebuilds v with every embedded payload replaced by f's result.
func mapEmbedded(v lang.Value, f func(payload any) lang.Value) lang.Value {
	if !hasEmbedded(v) {
		return lang.Unwrap(v)
	}
	switch x := lang.Unwrap(v).(type) {
	case lang.Embedded:
		return f(x.Ref)
	case *lang.Record:
		fs := make([]lang.Value, len(x.Fields))
		for i, fv := range x.Fields {
			fs[i] = mapEmbedded(fv, f)
		}
		return &lang.Record{Label: mapEmbedded(x.Label, f), Fields: fs}
	case lang.Sequence:
		out := make(lang.Sequence, len(x))
		for i, e := range x {
			out[i] = mapEmbedded(e, f)
		}
		return out
	case *lang.Set:
		es := make([]lang.Value, 0, x.Len())
		for _, e := range x.Elements() {
			es = append(es, mapEmbedded(e, f))
		}
		return lang.SetOf(es...)
	case *lang.Dictionary:
		kvs := make([]lang.Value, 0, 2*x.Len())
		for _, e := range x.Entries() {
			kvs = append(kvs, mapEmbedded(e.Key, f), mapEmbedded(e.Value, f))
		}
		return lang.DictionaryOf(kvs...)
	}
	return lang.Unwrap(v)
}

// hasEmbedded reports whether v holds an embedded value anywhere.
func hasEmbedded(v lang.Value) bool {
	switch x := lang.Unwrap(v).(type) {
	case lang.Embedded:
		return true
	case *lang.Record:
		if hasEmbedded(x.Label) {
			return true
		}
		for _, f := range x.Fields {
			if hasEmbedded(f) {
				return true
			}
		}
	case lang.Sequence:
		for _, e := range x {
			if hasEmbedded(e) {
				return true
			}
		}
	case *lang.Set:
		for _, e := range x.Elements() {
			if hasEmbedded(e) {
				return true
			}
		}
	case *lang.Dictionary:
		for _, e := range x.Entries() {
			if hasEmbedded(e.Key) || hasEmbedded(e.Value) {
				return true
			}
		}
	}
	return false
}
