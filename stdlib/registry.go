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
	defaults := newChooser(ds, "registry", true)
	sets := newChooser(ds, "registry", true)
	sets.fallback, defaults.override = defaults, sets
	defaults.watch(t, "registry-default")
	sets.watch(t, "registry-set")
	newChooser(ds, "selected", false).watch(t, "select")
}

// chooser keeps, per key, the values offered in the order they arrived, and
// asserts <LABEL KEY CHOSEN>: the newest (or oldest) value. A chooser with an
// override stays silent for keys the override has values for; one with a
// fallback lets the fallback speak for keys it has no values for.
type chooser struct {
	ds       *eval.Ref
	label    string
	newest   bool
	values   map[string][]lang.Value // by lang.Key(key), in arrival order
	keys     map[string]lang.Value   // the key itself
	shown    map[string]shownChoice  // what is asserted now, by key
	override *chooser                // wins over this one when it has values
	fallback *chooser                // speaks when this one has no values
	owner    *eval.Facet             // where the chosen assertions live
}

type shownChoice struct {
	value  lang.Value
	handle eval.Handle
}

func newChooser(ds *eval.Ref, label string, newest bool) *chooser {
	return &chooser{ds: ds, label: label, newest: newest, values: map[string][]lang.Value{}, keys: map[string]lang.Value{}, shown: map[string]shownChoice{}}
}

func (c *chooser) watch(t *eval.Turn, request string) {
	c.owner = t.Facet()
	t.During(c.ds, recPattern(request, capture, capture), func(t *eval.Turn, caps []lang.Value) {
		key, value := caps[0], caps[1]
		k := lang.Key(key)
		c.keys[k] = key
		c.values[k] = append(c.values[k], value)
		c.update(t, k)
		t.OnStop(func(t *eval.Turn) {
			vs := c.values[k]
			for i, v := range vs {
				if lang.Equal(v, value) {
					vs = append(vs[:i:i], vs[i+1:]...)
					break
				}
			}
			if len(vs) == 0 {
				delete(c.values, k)
			} else {
				c.values[k] = vs
			}
			c.update(t, k)
		})
	})
}

// choice is what c asserts for key k, if anything.
func (c *chooser) choice(k string) (lang.Value, bool) {
	if c.override != nil && len(c.override.values[k]) > 0 {
		return nil, false
	}
	vs := c.values[k]
	if len(vs) == 0 {
		return nil, false
	}
	if c.newest {
		return vs[len(vs)-1], true
	}
	return vs[0], true
}

// update brings what c (and its fallback) assert for k up to date.
func (c *chooser) update(t *eval.Turn, k string) {
	for _, x := range []*chooser{c, c.fallback, c.override} {
		if x == nil {
			continue
		}
		v, ok := x.choice(k)
		old, had := x.shown[k]
		if had && ok && lang.Equal(old.value, v) {
			continue
		}
		t.InFacet(x.owner, func() {
			if had {
				t.Retract(old.handle)
				delete(x.shown, k)
			}
			if ok {
				key := x.keys[k]
				x.shown[k] = shownChoice{v, t.Assert(x.ds, rec(x.label, key, v))}
			}
		})
	}
}
