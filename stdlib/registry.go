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
	owner  *eval.Facet               // where the chosen assertions live
	values map[string][][]lang.Value // by lang.Key(key), then rank, in arrival order
	keys   map[string]lang.Value     // the key itself
	shown  map[string]shownChoice    // what is asserted now, by key
}

type shownChoice struct {
	value  lang.Value
	handle eval.Handle
}

func newChooser(t *eval.Turn, ds *eval.Ref, label string, newest bool) *chooser {
	return &chooser{ds: ds, label: label, newest: newest, owner: t.Facet(),
		values: map[string][][]lang.Value{}, keys: map[string]lang.Value{}, shown: map[string]shownChoice{}}
}

// watch takes the values of <REQUEST KEY VALUE> assertions at rank.
func (c *chooser) watch(t *eval.Turn, request string, rank int) {
	t.During(c.ds, recPattern(request, capture, capture), func(t *eval.Turn, caps []lang.Value) {
		key, value := caps[0], caps[1]
		k := lang.Key(key)
		c.keys[k] = key
		ranks := c.values[k]
		for len(ranks) <= rank {
			ranks = append(ranks, nil)
		}
		ranks[rank] = append(ranks[rank], value)
		c.values[k] = ranks
		c.update(t, k)
		t.OnStop(func(t *eval.Turn) {
			vs := c.values[k][rank]
			for i, v := range vs {
				if lang.Equal(v, value) {
					c.values[k][rank] = append(vs[:i:i], vs[i+1:]...)
					break
				}
			}
			c.update(t, k)
		})
	})
}

// choice is what c asserts for key k, if anything.
func (c *chooser) choice(k string) (lang.Value, bool) {
	ranks := c.values[k]
	for r := len(ranks) - 1; r >= 0; r-- {
		if vs := ranks[r]; len(vs) > 0 {
			if c.newest {
				return vs[len(vs)-1], true
			}
			return vs[0], true
		}
	}
	return nil, false
}

// update brings what c asserts for k up to date: the old choice is
// retracted before the new one is asserted (in the same turn), so what
// reacts to a selection never sees two at once.
func (c *chooser) update(t *eval.Turn, k string) {
	v, ok := c.choice(k)
	old, had := c.shown[k]
	if had && ok && lang.Equal(old.value, v) {
		return
	}
	t.InFacet(c.owner, func() {
		if had {
			t.Retract(old.handle)
			delete(c.shown, k)
		}
		if ok {
			c.shown[k] = shownChoice{v, t.Assert(c.ds, rec(c.label, c.keys[k], v))}
		} else {
			delete(c.values, k)
			delete(c.keys, k)
		}
	})
}
