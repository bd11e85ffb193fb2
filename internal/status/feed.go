package status

import (
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
