package stdlib

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// Relay speaks the Syndicate network protocol (protocol.prs) with a peer over
// a byte stream, as syndicate-server does with a daemon whose protocol is
// application/syndicate (binary) or text/syndicate (text, one packet per
// line). A packet is a turn, [[OID EVENT] ...], with EVENT one of
// <A assertion handle>, <R handle>, <M body> or <S #:peer>. References in
// values travel as #:[0 OID] (an object of the sender) or #:[1 OID] (an
// object of the receiver).
//
// The peer's object 0 is its initial object; Initial returns a ref to it.
type Relay struct {
	sys   *eval.System
	facet *eval.Facet
	text  bool
	out   chan []byte

	exports   map[uint64]*eval.Ref // our objects the peer may address
	exportOf  map[*eval.Ref]uint64
	nextOid   uint64
	imports   map[uint64]*eval.Ref // proxies for the peer's objects
	peerOf    map[*eval.Ref]uint64
	inbound   map[int64]eval.Handle // the peer's assertion handles → ours
	outbound  map[eval.Handle]int64 // our assertions forwarded → wire handles
	nextWireH int64
}

// NewRelay starts a relay in the active facet over r (from the peer) and w
// (to the peer). It stops reading when r ends; the facet's stop closes the
// writing side.
func NewRelay(t *eval.Turn, r io.Reader, w io.WriteCloser, text bool) *Relay {
	rl := &Relay{
		sys: t.System(), facet: t.Facet(), text: text, out: make(chan []byte, 256),
		exports: map[uint64]*eval.Ref{}, exportOf: map[*eval.Ref]uint64{},
		imports: map[uint64]*eval.Ref{}, peerOf: map[*eval.Ref]uint64{},
		inbound: map[int64]eval.Handle{}, outbound: map[eval.Handle]int64{},
	}
	go func() { // a slow peer must not block the scheduler
		for b := range rl.out {
			if _, err := w.Write(b); err != nil {
				break
			}
		}
		w.Close()
	}()
	t.OnStop(func(*eval.Turn) { close(rl.out) })
	go rl.read(r)
	return rl
}

// Initial returns a ref to the peer's initial object (oid 0).
func (rl *Relay) Initial(t *eval.Turn) *eval.Ref { return rl.imported(t, 0) }

func (rl *Relay) imported(t *eval.Turn, oid uint64) *eval.Ref {
	if r, ok := rl.imports[oid]; ok {
		return r
	}
	var r *eval.Ref
	t.InFacet(rl.facet, func() { r = t.NewRef(fmt.Sprintf("relayed-%d", oid), &relayProxy{rl: rl, oid: oid}) })
	rl.imports[oid] = r
	rl.peerOf[r] = oid
	return r
}

// encode turns refs in v into wire refs, exporting our objects as needed.
func (rl *Relay) encode(v lang.Value) lang.Value {
	return mapEmbedded(v, func(ref any) lang.Value {
		r, ok := ref.(*eval.Ref)
		if !ok {
			return lang.Embedded{Ref: ref}
		}
		if oid, ok := rl.peerOf[r]; ok {
			return lang.Embedded{Ref: lang.Sequence{lang.Int(1), lang.Int(int64(oid))}}
		}
		oid, ok := rl.exportOf[r]
		if !ok {
			rl.nextOid++
			oid = rl.nextOid
			rl.exportOf[r], rl.exports[oid] = oid, r
		}
		return lang.Embedded{Ref: lang.Sequence{lang.Int(0), lang.Int(int64(oid))}}
	})
}

// decode turns wire refs in v into refs: the peer's objects become proxies.
func (rl *Relay) decode(t *eval.Turn, v lang.Value) (lang.Value, error) {
	var bad error
	out := mapEmbedded(v, func(ref any) lang.Value {
		seq, ok := ref.(lang.Sequence)
		if ok && len(seq) >= 2 {
			kind, k := seq[0].(lang.Int)
			oid, o := seq[1].(lang.Int)
			if k && o && oid >= 0 {
				switch kind {
				case 0:
					return lang.Embedded{Ref: rl.imported(t, uint64(oid))}
				case 1:
					if r, ok := rl.exports[uint64(oid)]; ok {
						return lang.Embedded{Ref: r}
					}
				}
			}
		}
		bad = fmt.Errorf("relay: bad reference %s", lang.Format(lang.Embedded{Ref: ref}))
		return lang.Bool(false)
	})
	return out, bad
}

// mapEmbedded rebuilds v with every embedded payload replaced by f's result.
func mapEmbedded(v lang.Value, f func(ref any) lang.Value) lang.Value {
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

func (rl *Relay) send(oid uint64, event lang.Value) {
	packet := lang.Sequence{lang.Sequence{lang.Int(int64(oid)), event}}
	var b []byte
	if rl.text {
		b = append((&lang.TextWriter{}).Append(nil, packet), '\n')
	} else {
		var err error
		if b, err = lang.Encode(packet); err != nil {
			return
		}
	}
	defer func() { _ = recover() }() // the writer may have stopped
	rl.out <- b
}

// read parses packets from the peer and handles each in a turn.
func (rl *Relay) read(r io.Reader) {
	br := bufio.NewReader(r)
	var buf []byte
	for {
		chunk := make([]byte, 4096)
		n, err := br.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for {
			v, used, perr := rl.parse(buf)
			if perr != nil || v == nil {
				if perr != nil {
					rl.sys.Post(rl.facet, func(t *eval.Turn) { t.Fail(perr) })
					return
				}
				break
			}
			buf = buf[used:]
			rl.sys.Post(rl.facet, func(t *eval.Turn) {
				if err := rl.handle(t, v); err != nil {
					t.Fail(err)
				}
			})
		}
		if err != nil {
			return
		}
	}
}

// parse takes one packet from the front of buf: (nil, 0, nil) if it holds no
// whole packet yet.
func (rl *Relay) parse(buf []byte) (lang.Value, int, error) {
	if rl.text {
		i := bytes.IndexByte(buf, '\n')
		for i >= 0 {
			v, err := parser.Parse("relay", buf[:i+1], parser.Options{})
			if err == nil {
				return v, i + 1, nil
			}
			if lang.KindOf(err) == lang.NoInput {
				return nil, 0, nil
			}
			if lang.KindOf(err) != lang.InputEndedEarly {
				return nil, 0, err
			}
			j := bytes.IndexByte(buf[i+1:], '\n')
			if j < 0 {
				break
			}
			i += j + 1
		}
		return nil, 0, nil
	}
	d := lang.NewDecoder(buf)
	v, err := d.Next()
	switch {
	case err == io.EOF || lang.KindOf(err) == lang.InputEndedEarly:
		return nil, 0, nil
	case err != nil:
		return nil, 0, err
	}
	return v, d.Offset(), nil
}

// handle carries out one packet from the peer.
func (rl *Relay) handle(t *eval.Turn, packet lang.Value) error {
	turn, ok := lang.Unwrap(packet).(lang.Sequence)
	if !ok {
		if r, ok := lang.Unwrap(packet).(*lang.Record); ok && lang.Equal(r.Label, lang.Symbol("error")) {
			return fmt.Errorf("relay: the peer reports %s", lang.Format(packet))
		}
		return nil // Nop and extensions are ignored
	}
	for _, te := range turn {
		pair, ok := lang.Unwrap(te).(lang.Sequence)
		if !ok || len(pair) != 2 {
			return fmt.Errorf("relay: bad turn event %s", lang.Format(te))
		}
		oid, ok := lang.Unwrap(pair[0]).(lang.Int)
		target := rl.exports[uint64(oid)]
		if !ok || target == nil {
			continue // an object we never exported (or have forgotten)
		}
		ev, ok := lang.Unwrap(pair[1]).(*lang.Record)
		if !ok || len(ev.Fields) == 0 {
			return fmt.Errorf("relay: bad event %s", lang.Format(pair[1]))
		}
		label, _ := lang.Unwrap(ev.Label).(lang.Symbol)
		switch {
		case label == "A" && len(ev.Fields) == 2:
			v, err := rl.decode(t, ev.Fields[0])
			if err != nil {
				return err
			}
			h, _ := lang.Unwrap(ev.Fields[1]).(lang.Int)
			t.InFacet(rl.facet, func() { rl.inbound[int64(h)] = t.Assert(target, v) })
		case label == "R" && len(ev.Fields) == 1:
			h, _ := lang.Unwrap(ev.Fields[0]).(lang.Int)
			if ours, ok := rl.inbound[int64(h)]; ok {
				delete(rl.inbound, int64(h))
				t.InFacet(rl.facet, func() { t.Retract(ours) })
			}
		case label == "M" && len(ev.Fields) == 1:
			v, err := rl.decode(t, ev.Fields[0])
			if err != nil {
				return err
			}
			t.Message(target, v)
		case label == "S" && len(ev.Fields) == 1:
			peer, err := rl.decode(t, ev.Fields[0])
			if err != nil {
				return err
			}
			if e, ok := peer.(lang.Embedded); ok {
				if pr, ok := e.Ref.(*eval.Ref); ok {
					t.Sync(target, pr)
				}
			}
		default:
			return fmt.Errorf("relay: unknown event %s", lang.Format(ev))
		}
	}
	return nil
}

// relayProxy stands for one of the peer's objects: what is sent to it goes
// over the wire.
type relayProxy struct {
	rl  *Relay
	oid uint64
}

func (p *relayProxy) Assert(t *eval.Turn, v lang.Value, h eval.Handle) error {
	p.rl.nextWireH++
	wh := p.rl.nextWireH
	p.rl.outbound[h] = wh
	p.rl.send(p.oid, lang.NewRecord(lang.Symbol("A"), p.rl.encode(v), lang.Int(wh)))
	return nil
}

func (p *relayProxy) Retract(t *eval.Turn, h eval.Handle) error {
	if wh, ok := p.rl.outbound[h]; ok {
		delete(p.rl.outbound, h)
		p.rl.send(p.oid, lang.NewRecord(lang.Symbol("R"), lang.Int(wh)))
	}
	return nil
}

func (p *relayProxy) Message(t *eval.Turn, v lang.Value) error {
	p.rl.send(p.oid, lang.NewRecord(lang.Symbol("M"), p.rl.encode(v)))
	return nil
}
