package status

import (
	"fmt"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// Follow keeps m up to date with a running system, from the active facet and
// for as long as it lives: it observes the assertions of Patterns at config
// and the <log TIMESTAMP DETAILS> messages at log (nil: none). After each
// change it calls changed (if not nil) in the same turn.
//
// config and log may be refs to dataspaces of this process or, through a
// relay session, of another one: Follow only asserts Observe records.
func Follow(t *eval.Turn, config, log *eval.Ref, m *Model, changed func(t *eval.Turn)) {
	notify := func(t *eval.Turn) {
		if changed != nil {
			changed(t)
		}
	}
	for _, p := range Patterns {
		label := lang.Symbol(p.Label)
		g := dataspace.Group{Kind: dataspace.GroupRecord, Label: label}
		for i := 0; i < p.Arity; i++ {
			g.Entries = append(g.Entries, dataspace.GroupEntry{Key: lang.Int(int64(i)), Pattern: dataspace.Bind{Pattern: dataspace.Discard{}}})
		}
		held := map[eval.Handle]lang.Value{}
		t.Assert(config, dataspace.Observe(g, t.NewRef("status-"+p.Label, &eval.Handler{
			OnAssert: func(t *eval.Turn, v lang.Value, h eval.Handle) error {
				caps, ok := v.(lang.Sequence)
				if !ok || len(caps) != p.Arity {
					return nil
				}
				r := lang.NewRecord(label, caps...)
				held[h] = r
				m.Assert(r)
				notify(t)
				return nil
			},
			OnRetract: func(t *eval.Turn, h eval.Handle) error {
				if r, ok := held[h]; ok {
					delete(held, h)
					m.Retract(r)
					notify(t)
				}
				return nil
			},
		})))
	}
	if log == nil {
		return
	}
	g := dataspace.Group{Kind: dataspace.GroupRecord, Label: lang.Symbol("log"), Entries: []dataspace.GroupEntry{
		{Key: lang.Int(0), Pattern: dataspace.Bind{Pattern: dataspace.Discard{}}},
		{Key: lang.Int(1), Pattern: dataspace.Bind{Pattern: dataspace.Discard{}}},
	}}
	t.Assert(log, dataspace.Observe(g, t.NewRef("status-log", &eval.Handler{
		OnMessage: func(t *eval.Turn, v lang.Value) error {
			if caps, ok := v.(lang.Sequence); ok && len(caps) == 2 {
				m.Log(lang.NewRecord(lang.Symbol("log"), caps...))
				notify(t)
			}
			return nil
		},
	})))
}

// Request is the label of the assertion a client makes at $config to ask
// for the server's status: <synd-status #:REPLY>. While it lasts, the
// server asserts <synd-status-reply #:LOG SNAPSHOT> at REPLY: its $log and a
// Model Snapshot. (Assertions, not messages: over the Syndicate protocol, a
// message may not carry a reference that nothing else keeps alive.)
const Request = "synd-status"

// Reply is the label of the answer to a Request.
const Reply = "synd-status-reply"

// Answer makes the active facet answer the status requests asserted at
// config with the snapshot snapshot() gives and the ref of log.
func Answer(t *eval.Turn, config, log *eval.Ref, snapshot func() lang.Value) {
	p := dataspace.Group{Kind: dataspace.GroupRecord, Label: lang.Symbol(Request), Entries: []dataspace.GroupEntry{
		{Key: lang.Int(0), Pattern: dataspace.Bind{Pattern: dataspace.Discard{}}},
	}}
	t.During(config, p, func(t *eval.Turn, caps []lang.Value) {
		e, ok := lang.Unwrap(caps[0]).(lang.Embedded)
		if reply, isRef := e.Ref.(*eval.Ref); ok && isRef {
			t.Assert(reply, lang.NewRecord(lang.Symbol(Reply), log.Value(), snapshot()))
		}
	})
}

// Ask asserts a status request at config from the active facet; answer runs
// with the server's $log and snapshot when the reply comes (or with an error
// if the reply is not a status). The request lasts as long as the facet.
func Ask(t *eval.Turn, config *eval.Ref, answer func(t *eval.Turn, log *eval.Ref, snapshot lang.Value, err error)) {
	answered := false
	reply := t.NewRef("status-reply", &eval.Handler{OnAssert: func(t *eval.Turn, v lang.Value, _ eval.Handle) error {
		if answered {
			return nil
		}
		answered = true
		r, ok := lang.Unwrap(v).(*lang.Record)
		if ok && lang.Text(r.Label) == Reply && len(r.Fields) == 2 {
			if e, ok := lang.Unwrap(r.Fields[0]).(lang.Embedded); ok {
				if log, ok := e.Ref.(*eval.Ref); ok {
					answer(t, log, r.Fields[1], nil)
					return nil
				}
			}
		}
		answer(t, nil, nil, fmt.Errorf("the server answered %.80s, not a status", lang.Format(v)))
		return nil
	}})
	t.Assert(config, lang.NewRecord(lang.Symbol(Request), reply.Value()))
}
