package dataspace

import (
	"cmp"
	"slices"

	"github.com/synd-lang/synd/lang"
)

// The skeleton index. A pattern compiles to a list of tests on paths into a
// value (is a record with this label, is a sequence, equals this literal,
// has this key) and a list of capture paths. Patterns with the same tests,
// ignoring the tested values, share a signature; a signature's leaves are
// keyed by the tested values (labels and literals). Routing an assertion
// visits only the signatures filed under its root class (record label,
// sequence, dictionary or atom) plus those whose root is unconstrained, and
// in each signature computes one key and looks up one leaf: observers whose
// constants differ are never visited.

type testKind uint8

const (
	tRecord testKind = iota + 1 // a record; its label goes into the leaf key
	tSequence
	tDictionary
	tLiteral // equals a value, which goes into the leaf key
	tExists  // the path exists (a discard under a group)
)

type test struct {
	path []lang.Value
	kind testKind
	val  lang.Value // label or literal, for pattern-side keys
}

// shape is a compiled pattern, with the keys the index files it under.
type shape struct {
	tests    []test
	captures [][]lang.Value
	sigID    string // signatureID
	root     string // rootClass
	ck       string // constKey
	capsID   string // capturesID of captures
}

func compile(p Pattern) *shape {
	s := &shape{}
	s.add(p, nil)
	s.root = s.rootClass()
	s.sigID = s.signatureID()
	s.ck = s.constKey()
	s.capsID = capturesID(s.captures)
	return s
}

func (s *shape) add(p Pattern, path []lang.Value) {
	switch x := p.(type) {
	case Discard:
		if len(path) > 0 {
			s.tests = append(s.tests, test{path: path, kind: tExists})
		}
	case Bind:
		s.captures = append(s.captures, path)
		s.add(x.Pattern, path)
	case Lit:
		s.tests = append(s.tests, test{path: path, kind: tLiteral, val: x.Value_})
	case Group:
		switch x.Kind {
		case GroupRecord:
			s.tests = append(s.tests, test{path: path, kind: tRecord, val: x.Label})
		case GroupSequence:
			s.tests = append(s.tests, test{path: path, kind: tSequence})
		default:
			s.tests = append(s.tests, test{path: path, kind: tDictionary})
		}
		es := slices.Clone(x.Entries)
		slices.SortFunc(es, func(a, b GroupEntry) int { return lang.Compare(a.Key, b.Key) })
		for _, e := range es {
			s.add(e.Pattern, append(path[:len(path):len(path)], e.Key))
		}
	}
}

// signatureID describes the tests without their values, except for the root
// class: signatures are filed by it, so it is part of their identity.
func (s *shape) signatureID() string {
	b := []byte(s.root)
	for _, t := range s.tests {
		b = append(b, byte(t.kind), byte(len(t.path)))
		for _, k := range t.path {
			b = lang.AppendKey(b, k)
		}
	}
	return string(b)
}

// constKey is the leaf key from the pattern's side.
func (s *shape) constKey() string {
	var b []byte
	for _, t := range s.tests {
		if t.kind == tRecord || t.kind == tLiteral {
			b = lang.AppendKey(b, t.val)
		}
	}
	return string(b)
}

// rootClass files a signature by what it requires of the root.
func (s *shape) rootClass() string {
	if len(s.tests) == 0 || len(s.tests[0].path) != 0 {
		return "*"
	}
	t := s.tests[0]
	switch t.kind {
	case tRecord:
		return string(lang.AppendKey([]byte{'r'}, t.val))
	case tSequence:
		return "s"
	case tDictionary:
		return "d"
	}
	return string(lang.AppendKey([]byte{'l'}, t.val))
}

func capturesID(caps [][]lang.Value) string {
	var b []byte
	for _, p := range caps {
		b = append(b, byte(len(p)))
		for _, k := range p {
			b = lang.AppendKey(b, k)
		}
	}
	return string(b)
}

// appendRootClass writes the root class of a value, as rootClass does for
// patterns.
func appendRootClass(b []byte, v lang.Value) []byte {
	switch x := v.(type) {
	case *lang.Record:
		return lang.AppendKey(append(b, 'r'), x.Label)
	case lang.Sequence:
		return append(b, 's')
	case *lang.Dictionary:
		return append(b, 'd')
	}
	return lang.AppendKey(append(b, 'l'), v)
}

// walk follows a path from the root.
func walk(v lang.Value, path []lang.Value) (lang.Value, bool) {
	for _, k := range path {
		var ok bool
		if v, ok = step(v, k); !ok {
			return nil, false
		}
	}
	return v, true
}

// appendLeafKey computes the leaf key of v under a signature's tests,
// reporting false if v fails a structural test.
func appendLeafKey(b []byte, tests []test, v lang.Value) ([]byte, bool) {
	for i := range tests {
		t := &tests[i]
		n, ok := walk(v, t.path)
		if !ok {
			return b, false
		}
		switch t.kind {
		case tRecord:
			r, ok := n.(*lang.Record)
			if !ok {
				return b, false
			}
			b = lang.AppendKey(b, r.Label)
		case tSequence:
			if _, ok := n.(lang.Sequence); !ok {
				return b, false
			}
		case tDictionary:
			if _, ok := n.(*lang.Dictionary); !ok {
				return b, false
			}
		case tLiteral:
			b = lang.AppendKey(b, n)
		}
	}
	return b, true
}

func projectCaptures(v lang.Value, paths [][]lang.Value) lang.Sequence {
	caps := make(lang.Sequence, len(paths))
	for i, p := range paths {
		c, _ := walk(v, p) // the leaf's tests guarantee every path exists
		caps[i] = c
	}
	return caps
}

type signature struct {
	tests  []test
	class  *class
	leaves map[string]*leaf
	nobs   int
}

type leaf struct {
	assertions map[string]lang.Value // distinct matching values, by key
	groups     []*captureGroup
}

// captureGroup holds the observers of one leaf that capture the same paths,
// and the distinct capture tuples present with how many values produce each.
type captureGroup struct {
	id        string
	paths     [][]lang.Value
	observers []*observer
	tuples    map[string]*tuple
}

type tuple struct {
	caps    lang.Sequence
	count   int
	handles []Handle // parallel to captureGroup.observers
}

// observer is one registered Observe assertion.
type observer struct {
	handle Handle // of the Observe assertion
	target any
	sig    *signature
	leafK  string
	group  *captureGroup
}

// index is the skeleton index of one dataspace.
type index struct {
	sigs         map[string]*signature
	classes      map[string]*class
	star         *class // signatures whose root is unconstrained
	scratch      []byte
	tupleScratch []byte
}

// class gathers, for one root class, the signatures filed under it and the
// distinct values of the bag that have it.
type class struct {
	name    string
	sigs    []*signature
	entries map[string]*entry
}

func newIndex() index {
	star := &class{name: "*", entries: map[string]*entry{}}
	return index{sigs: map[string]*signature{}, classes: map[string]*class{"*": star}, star: star}
}

// classOf finds the class of v, making it if create is set (else nil).
func (ix *index) classOf(v lang.Value, create bool) *class {
	ix.scratch = appendRootClass(ix.scratch[:0], v)
	return ix.className(string(ix.scratch), create)
}

func (ix *index) className(name string, create bool) *class {
	c := ix.classes[name]
	if c == nil && create {
		c = &class{name: name, entries: map[string]*entry{}}
		ix.classes[c.name] = c
	}
	return c
}

// dropClassIfEmpty forgets a class with no signatures and no values.
func (ix *index) dropClassIfEmpty(c *class) {
	if c != ix.star && len(c.sigs) == 0 && len(c.entries) == 0 {
		delete(ix.classes, c.name)
	}
}

// forEachLeaf calls f with every leaf that v (of class c, which may be nil)
// reaches, in a stable order; with create, it makes the leaves that do not
// exist yet.
func (ix *index) forEachLeaf(v lang.Value, c *class, create bool, f func(sig *signature, lf *leaf)) {
	var own []*signature
	if c != nil && c != ix.star {
		own = c.sigs
	}
	for _, bucket := range [2][]*signature{own, ix.star.sigs} {
		for _, sig := range bucket {
			var ok bool
			ix.scratch, ok = appendLeafKey(ix.scratch[:0], sig.tests, v)
			if !ok {
				continue
			}
			lf := sig.leaves[string(ix.scratch)]
			if lf == nil {
				if !create {
					continue
				}
				lf = &leaf{assertions: map[string]lang.Value{}}
				sig.leaves[string(ix.scratch)] = lf
			}
			f(sig, lf)
		}
	}
}

// addValue files a value (of class c) that has just appeared in the bag.
func (ix *index) addValue(fx Effects, v lang.Value, key string, c *class) {
	ix.forEachLeaf(v, c, true, func(sig *signature, lf *leaf) {
		lf.assertions[key] = v
		for _, g := range lf.groups {
			g.add(fx, v, &ix.tupleScratch)
		}
	})
}

// removeValue unfiles a value (of class c) that has just left the bag.
func (ix *index) removeValue(fx Effects, v lang.Value, key string, c *class) {
	ix.forEachLeaf(v, c, false, func(sig *signature, lf *leaf) {
		delete(lf.assertions, key)
		for _, g := range lf.groups {
			g.remove(fx, v, &ix.tupleScratch)
		}
		if len(lf.assertions) == 0 && len(lf.groups) == 0 {
			delete(sig.leaves, string(ix.scratch))
		}
	})
}

// message delivers a message to every observer it matches.
func (ix *index) message(fx Effects, v lang.Value) {
	ix.forEachLeaf(v, ix.classOf(v, false), false, func(sig *signature, lf *leaf) {
		for _, g := range lf.groups {
			if len(g.observers) == 0 {
				continue
			}
			caps := projectCaptures(v, g.paths)
			for _, o := range g.observers {
				fx.Message(o.target, caps)
			}
		}
	})
}

func (g *captureGroup) add(fx Effects, v lang.Value, scratch *[]byte) {
	*scratch = appendTupleKey((*scratch)[:0], v, g.paths)
	if t := g.tuples[string(*scratch)]; t != nil {
		t.count++
		return
	}
	caps := projectCaptures(v, g.paths)
	t := &tuple{caps: caps, count: 1, handles: make([]Handle, len(g.observers))}
	g.tuples[string(*scratch)] = t
	for i, o := range g.observers {
		t.handles[i] = fx.Assert(o.target, caps)
	}
}

func (g *captureGroup) remove(fx Effects, v lang.Value, scratch *[]byte) {
	*scratch = appendTupleKey((*scratch)[:0], v, g.paths)
	t := g.tuples[string(*scratch)]
	if t == nil {
		return
	}
	if t.count--; t.count > 0 {
		return
	}
	delete(g.tuples, string(*scratch))
	for _, h := range t.handles {
		fx.Retract(h)
	}
}

// appendTupleKey writes the key of the capture tuple of v, without building
// the tuple.
func appendTupleKey(b []byte, v lang.Value, paths [][]lang.Value) []byte {
	for _, p := range paths {
		c, _ := walk(v, p)
		b = lang.AppendKey(b, c)
	}
	return b
}

// addObserver registers an observer, filing its pattern, and tells it of
// every matching assertion already present (bag supplies them in the order
// they were first asserted).
func (ix *index) addObserver(fx Effects, o *observer, sh *shape) {
	id := sh.sigID
	sig := ix.sigs[id]
	if sig == nil {
		c := ix.className(sh.root, true)
		sig = &signature{tests: sh.tests, class: c, leaves: map[string]*leaf{}}
		ix.sigs[id] = sig
		c.sigs = append(c.sigs, sig)
		// A new signature starts with every present value it can file.
		ix.eachValue(c, func(key string, v lang.Value) {
			var ok bool
			ix.scratch, ok = appendLeafKey(ix.scratch[:0], sig.tests, v)
			if !ok {
				return
			}
			lf := sig.leaves[string(ix.scratch)]
			if lf == nil {
				lf = &leaf{assertions: map[string]lang.Value{}}
				sig.leaves[string(ix.scratch)] = lf
			}
			lf.assertions[key] = v
		})
	}
	sig.nobs++
	ck := sh.ck
	lf := sig.leaves[ck]
	if lf == nil {
		lf = &leaf{assertions: map[string]lang.Value{}}
		sig.leaves[ck] = lf
	}
	cid := sh.capsID
	var g *captureGroup
	for _, x := range lf.groups {
		if x.id == cid {
			g = x
			break
		}
	}
	if g == nil {
		g = &captureGroup{id: cid, paths: sh.captures, tuples: map[string]*tuple{}}
		lf.groups = append(lf.groups, g)
		for _, k := range sortedKeys(lf.assertions) {
			g.add(fx, lf.assertions[k], &ix.tupleScratch) // no observers yet: counts only
		}
	}
	o.sig, o.leafK, o.group = sig, ck, g
	g.observers = append(g.observers, o)
	for _, k := range sortedKeys(g.tuples) {
		t := g.tuples[k]
		t.handles = append(t.handles, fx.Assert(o.target, t.caps))
	}
}

// removeObserver unregisters an observer, retracting what it was told.
func (ix *index) removeObserver(fx Effects, o *observer) {
	g := o.group
	i := slices.Index(g.observers, o)
	if i < 0 {
		return
	}
	g.observers = slices.Delete(g.observers, i, i+1)
	for _, k := range sortedKeys(g.tuples) {
		t := g.tuples[k]
		fx.Retract(t.handles[i])
		t.handles = slices.Delete(t.handles, i, i+1)
	}
	lf := o.sig.leaves[o.leafK]
	if len(g.observers) == 0 {
		lf.groups = slices.DeleteFunc(lf.groups, func(x *captureGroup) bool { return x == g })
	}
	if len(lf.groups) == 0 && len(lf.assertions) == 0 {
		delete(o.sig.leaves, o.leafK)
	}
	if o.sig.nobs--; o.sig.nobs == 0 {
		for id, s := range ix.sigs {
			if s == o.sig {
				delete(ix.sigs, id)
				break
			}
		}
		c := o.sig.class
		c.sigs = slices.DeleteFunc(c.sigs, func(s *signature) bool { return s == o.sig })
		ix.dropClassIfEmpty(c)
	}
}

// eachValue calls f for every distinct value of class c (all values, for the
// star class), in the order they appeared.
func (ix *index) eachValue(c *class, f func(key string, v lang.Value)) {
	var es []*entry
	if c == ix.star {
		for _, x := range ix.classes {
			for _, e := range x.entries {
				es = append(es, e)
			}
		}
	} else {
		es = make([]*entry, 0, len(c.entries))
		for _, e := range c.entries {
			es = append(es, e)
		}
	}
	slices.SortFunc(es, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	for _, e := range es {
		f(e.key, e.value)
	}
}

// sortedKeys lists a map's keys in order, for a stable order of events.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
