package stdlib

import (
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// StartRegistry runs two "one value per key" primitives on ds, from the
// active facet. Neither knows what its keys mean; the service classes give
// them meaning.
//
//	<registry-default KEY VALUE>  the value of KEY when nothing sets it
//	<registry-set KEY VALUE>      sets KEY
//	<registry KEY VALUE>          asserted by the registry: the most recently
//	                              asserted <registry-set KEY _> still present,
//	                              or else the newest default
//
//	<select KEY VALUE>            a candidate for KEY
//	<selected KEY VALUE>          asserted for each KEY with candidates: the
//	                              oldest candidate still present, so a new
//	                              candidate never displaces the chosen one
//
// When the chosen value changes, the old assertion is retracted and the new
// one asserted in the same turn.
func StartRegistry(t *eval.Turn, ds *eval.Ref) {
	registry := newChooser(t, ds, "registry", true)
	registry.watch(t, "registry-default", 0)
	registry.watch(t, "registry-set", 1)
	newChooser(t, ds, "selected", false).watch(t, "select", 0)
}

// chooser keeps, per key, the values offered by its sources, each source
// with a rank and its values in the order they arrived, and asserts
// <LABEL KEY CHOSEN>: the newest (or oldest) value of the highest rank that
// has any.
type chooser struct {
	ds     *eval.Ref
	label  string
	newest bool
	owner  *eval.Facet           // where the chosen assertions live
	keys   map[string]*choiceKey // by lang.Key(key), while it has values
}

// choiceKey is one key of a chooser: its values and what is asserted.
type choiceKey struct {
	key    lang.Value
	ranks  [][]lang.Value // by rank, in arrival order
	shown  lang.Value     // the chosen value asserted, if showing
	handle eval.Handle
	// showing: shown is asserted under handle.
	showing bool
	// Room for the usual key, one rank with one value (a select).
	rank0 [1][]lang.Value
	val0  [1]lang.Value
}

func newChooser(t *eval.Turn, ds *eval.Ref, label string, newest bool) *chooser {
	return &chooser{ds: ds, label: label, newest: newest, owner: t.Facet(), keys: map[string]*choiceKey{}}
}

// watch takes the values of <REQUEST KEY VALUE> assertions at rank.
func (c *chooser) watch(t *eval.Turn, request string, rank int) {
	t.During(c.ds, recPattern(request, capture, capture), func(t *eval.Turn, caps []lang.Value) {
		key, value := caps[0], caps[1]
		k := lang.Key(key)
		ck := c.keys[k]
		if ck == nil {
			ck = &choiceKey{key: key}
			ck.ranks = ck.rank0[:0]
			c.keys[k] = ck
		}
		for len(ck.ranks) <= rank {
			ck.ranks = append(ck.ranks, nil)
		}
		if vs := ck.ranks[rank]; vs == nil && len(ck.ranks) == 1 {
			ck.ranks[rank] = append(ck.val0[:0], value)
		} else {
			ck.ranks[rank] = append(vs, value)
		}
		c.update(t, k, ck)
		t.OnStop(func(t *eval.Turn) {
			vs := ck.ranks[rank]
			for i, v := range vs {
				if lang.Equal(v, value) {
					ck.ranks[rank] = append(vs[:i:i], vs[i+1:]...)
					break
				}
			}
			c.update(t, k, ck)
		})
	})
}

// choice is what c asserts for ck, if anything.
func (c *chooser) choice(ck *choiceKey) (lang.Value, bool) {
	for r := len(ck.ranks) - 1; r >= 0; r-- {
		if vs := ck.ranks[r]; len(vs) > 0 {
			if c.newest {
				return vs[len(vs)-1], true
			}
			return vs[0], true
		}
	}
	return nil, false
}

// update brings what c asserts for key k up to date: the old choice is
// retracted before the new one is asserted (in the same turn), so what
// reacts to a selection never sees two at once. A key left with no values
// is forgotten.
func (c *chooser) update(t *eval.Turn, k string, ck *choiceKey) {
	v, ok := c.choice(ck)
	if ck.showing && ok && lang.Equal(ck.shown, v) {
		return
	}
	t.InFacet(c.owner, func() {
		if ck.showing {
			t.Retract(ck.handle)
			ck.shown, ck.showing = nil, false
		}
		if ok {
			ck.shown, ck.handle, ck.showing = v, t.Assert(c.ds, rec(c.label, ck.key, v)), true
		} else if c.keys[k] == ck {
			delete(c.keys, k)
		}
	})
}
