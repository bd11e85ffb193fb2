package dataspace

import (
	"encoding/binary"
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
			b = appendKey(b, k)
		}
	}
	return string(b)
}

// constKey is the leaf key from the pattern's side.
func (s *shape) constKey() string {
	var b []byte
	for _, t := range s.tests {
		if t.kind == tRecord || t.kind == tLiteral {
			b = appendKey(b, t.val)
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
		return string(appendKey([]byte{'r'}, t.val))
	case tSequence:
		return "s"
	case tDictionary:
		return "d"
	}
	return string(appendKey([]byte{'l'}, t.val))
}

func capturesID(caps [][]lang.Value) string {
	var b []byte
	for _, p := range caps {
		b = append(b, byte(len(p)))
		for _, k := range p {
			b = appendKey(b, k)
		}
	}
	return string(b)
}

// appendRootClass writes the root class of a value, as rootClass does for
// patterns.
func appendRootClass(b []byte, v lang.Value) []byte {
	switch x := v.(type) {
	case *lang.Record:
		return appendKey(append(b, 'r'), x.Label)
	case lang.Sequence:
		return append(b, 's')
	case *lang.Dictionary:
		return append(b, 'd')
	}
	return appendKey(append(b, 'l'), v)
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
			b = appendKey(b, r.Label)
		case tSequence:
			if _, ok := n.(lang.Sequence); !ok {
				return b, false
			}
		case tDictionary:
			if _, ok := n.(*lang.Dictionary); !ok {
				return b, false
			}
		case tLiteral:
			b = appendKey(b, n)
		}
	}
	return b, true
}

func projectCaptures(v lang.Value, paths [][]lang.Value) lang.Sequence {
	return projectInto(make(lang.Sequence, len(paths)), v, paths)
}

// projectInto fills caps (as long as paths) with the captures of v.
func projectInto(caps lang.Sequence, v lang.Value, paths [][]lang.Value) lang.Sequence {
	for i, p := range paths {
		c, _ := walk(v, p) // the leaf's tests guarantee every path exists
		caps[i] = c
	}
	return caps
}

type signature struct {
	id     string
	tests  []test
	class  *class
	leaves map[string]*leaf
	nobs   int
}

type leaf struct {
	assertions map[*entry]struct{} // distinct matching values
	groups     []*captureGroup
}

// captureGroup holds the observers of one leaf that capture the same paths,
// and the distinct capture tuples present with how many values produce each.
type captureGroup struct {
	id    string
	paths [][]lang.Value
	// observers in registration order; a removed one leaves a nil slot
	// (so removal is O(1) plus what it was told) until the dead outnumber
	// the live and the slots are compacted.
	observers []*observer
	live      int
	tuples    map[string]*tuple
}

type tuple struct {
	caps    lang.Value // a lang.Sequence, boxed once for every observer
	count   int
	handles []Handle      // parallel to captureGroup.observers (nil while none)
	one     [1]Handle     // handles' storage while the group has one observer
	cap1    [1]lang.Value // caps' storage when there is one capture
}

// observer is one registered Observe assertion.
type observer struct {
	handle Handle // of the Observe assertion
	target any
	sig    *signature
	leafK  string
	group  *captureGroup
	slot   int // index in group.observers
}

// index is the skeleton index of one dataspace.
type index struct {
	sigs         map[string]*signature
	classes      map[string]*class
	byLabel      map[lang.Symbol]*class // record classes by their symbol label
	star         *class                 // signatures whose root is unconstrained
	first, last  *entry                 // every value, in the order they appeared
	scratch      []byte
	tupleScratch []byte
}

// class gathers, for one root class, the signatures filed under it and the
// distinct values of the bag that have it.
type class struct {
	name        string
	label       lang.Symbol // for a record class found by its label
	byLabel     bool        // filed in index.byLabel under label
	sigs        []*signature
	first, last *entry // its values, in the order they appeared
	nentries    int
}

func newIndex() index {
	star := &class{name: "*"}
	return index{sigs: map[string]*signature{}, classes: map[string]*class{"*": star}, byLabel: map[lang.Symbol]*class{}, star: star}
}

// link appends a new distinct value to its class's list and to the list of
// all values.
func (ix *index) link(e *entry) {
	c := e.class
	e.cprev = c.last
	if c.last != nil {
		c.last.cnext = e
	} else {
		c.first = e
	}
	c.last = e
	c.nentries++
	e.aprev = ix.last
	if ix.last != nil {
		ix.last.anext = e
	} else {
		ix.first = e
	}
	ix.last = e
}

// unlink removes a value that has left the bag from both lists.
func (ix *index) unlink(e *entry) {
	c := e.class
	if e.cprev != nil {
		e.cprev.cnext = e.cnext
	} else {
		c.first = e.cnext
	}
	if e.cnext != nil {
		e.cnext.cprev = e.cprev
	} else {
		c.last = e.cprev
	}
	c.nentries--
	if e.aprev != nil {
		e.aprev.anext = e.anext
	} else {
		ix.first = e.anext
	}
	if e.anext != nil {
		e.anext.aprev = e.aprev
	} else {
		ix.last = e.aprev
	}
	e.cprev, e.cnext, e.aprev, e.anext = nil, nil, nil, nil
}

// classOf finds the class of v, making it if create is set (else nil).
func (ix *index) classOf(v lang.Value, create bool) *class {
	var label lang.Symbol
	r, isRec := v.(*lang.Record)
	if isRec {
		label, isRec = r.Label.(lang.Symbol)
	}
	if isRec { // the commonest class: by the label itself, without encoding it
		if c := ix.byLabel[label]; c != nil {
			return c
		}
	}
	ix.scratch = appendRootClass(ix.scratch[:0], v)
	c := ix.classes[string(ix.scratch)] // converts the key without allocating
	if c == nil && create {
		c = ix.className(string(ix.scratch), true)
	}
	if c != nil && isRec {
		c.label, c.byLabel = label, true
		ix.byLabel[label] = c
	}
	return c
}

func (ix *index) className(name string, create bool) *class {
	c := ix.classes[name]
	if c == nil && create {
		c = &class{name: name}
		ix.classes[c.name] = c
	}
	return c
}

// dropClassIfEmpty forgets a class with no signatures and no values.
func (ix *index) dropClassIfEmpty(c *class) {
	if c != ix.star && len(c.sigs) == 0 && c.nentries == 0 {
		delete(ix.classes, c.name)
		if c.byLabel {
			delete(ix.byLabel, c.label)
		}
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
				lf = &leaf{assertions: map[*entry]struct{}{}}
				sig.leaves[string(ix.scratch)] = lf
			}
			f(sig, lf)
		}
	}
}

// addValue files a value (of class c) that has just appeared in the bag.
func (ix *index) addValue(fx Effects, e *entry) {
	ix.forEachLeaf(e.value, e.class, true, func(sig *signature, lf *leaf) {
		lf.assertions[e] = struct{}{}
		for _, g := range lf.groups {
			g.add(fx, e.value, &ix.tupleScratch)
		}
	})
}

// removeValue unfiles a value (of class c) that has just left the bag.
func (ix *index) removeValue(fx Effects, e *entry) {
	ix.forEachLeaf(e.value, e.class, false, func(sig *signature, lf *leaf) {
		delete(lf.assertions, e)
		for _, g := range lf.groups {
			g.remove(fx, e.value, &ix.tupleScratch)
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
			if g.live == 0 {
				continue
			}
			var caps lang.Value = projectCaptures(v, g.paths) // boxed once for all
			for _, o := range g.observers {
				if o != nil {
					fx.Message(o.target, caps)
				}
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
	t := &tuple{count: 1}
	if len(g.paths) == 1 { // the commonest case: the capture lives in the tuple
		t.caps = projectInto(t.cap1[:], v, g.paths)
	} else {
		t.caps = projectCaptures(v, g.paths)
	}
	g.tuples[string(*scratch)] = t
	if g.live == 0 {
		return
	}
	if len(g.observers) == 1 {
		t.handles = t.one[:]
	} else {
		t.handles = make([]Handle, len(g.observers))
	}
	for i, o := range g.observers {
		if o != nil {
			t.handles[i] = fx.Assert(o.target, t.caps)
		}
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
	for i, h := range t.handles {
		if g.observers[i] != nil {
			fx.Retract(h)
		}
	}
}

// appendTupleKey writes the key of the capture tuple of v, without building
// the tuple.
func appendTupleKey(b []byte, v lang.Value, paths [][]lang.Value) []byte {
	for _, p := range paths {
		c, _ := walk(v, p)
		b = appendKey(b, c)
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
		sig = &signature{id: id, tests: sh.tests, class: c, leaves: map[string]*leaf{}}
		ix.sigs[id] = sig
		c.sigs = append(c.sigs, sig)
		// A new signature starts with every present value it can file.
		ix.eachValue(c, func(e *entry) {
			var ok bool
			ix.scratch, ok = appendLeafKey(ix.scratch[:0], sig.tests, e.value)
			if !ok {
				return
			}
			lf := sig.leaves[string(ix.scratch)]
			if lf == nil {
				lf = &leaf{assertions: map[*entry]struct{}{}}
				sig.leaves[string(ix.scratch)] = lf
			}
			lf.assertions[e] = struct{}{}
		})
	}
	sig.nobs++
	ck := sh.ck
	lf := sig.leaves[ck]
	if lf == nil {
		lf = &leaf{assertions: map[*entry]struct{}{}}
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
		for e := range lf.assertions {
			g.add(fx, e.value, &ix.tupleScratch) // no observers yet: counts only, in any order
		}
	}
	o.sig, o.leafK, o.group, o.slot = sig, ck, g, len(g.observers)
	g.observers = append(g.observers, o)
	g.live++
	for _, k := range sortedKeys(g.tuples) {
		t := g.tuples[k]
		if len(t.handles) < o.slot {
			t.handles = append(t.handles, make([]Handle, o.slot-len(t.handles))...)
		}
		t.handles = append(t.handles, fx.Assert(o.target, t.caps))
	}
}

// removeObserver unregisters an observer, retracting what it was told.
func (ix *index) removeObserver(fx Effects, o *observer) {
	g := o.group
	i := o.slot
	if i >= len(g.observers) || g.observers[i] != o {
		return
	}
	g.observers[i] = nil
	g.live--
	for _, k := range sortedKeys(g.tuples) {
		t := g.tuples[k]
		fx.Retract(t.handles[i])
		t.handles[i] = 0
	}
	if g.live > 0 && len(g.observers) > 32 && g.live < len(g.observers)/2 {
		g.compact()
	}
	lf := o.sig.leaves[o.leafK]
	if g.live == 0 {
		lf.groups = slices.DeleteFunc(lf.groups, func(x *captureGroup) bool { return x == g })
	}
	if len(lf.groups) == 0 && len(lf.assertions) == 0 {
		delete(o.sig.leaves, o.leafK)
	}
	if o.sig.nobs--; o.sig.nobs == 0 {
		delete(ix.sigs, o.sig.id)
		c := o.sig.class
		c.sigs = slices.DeleteFunc(c.sigs, func(s *signature) bool { return s == o.sig })
		ix.dropClassIfEmpty(c)
	}
}

// compact drops the empty slots of removed observers, keeping the order of
// the live ones (and so the order in which they are told of matches).
func (g *captureGroup) compact() {
	j := 0
	for i, o := range g.observers {
		if o == nil {
			continue
		}
		for _, t := range g.tuples {
			t.handles[j] = t.handles[i]
		}
		o.slot = j
		g.observers[j] = o
		j++
	}
	clear(g.observers[j:])
	g.observers = g.observers[:j]
	for _, t := range g.tuples {
		t.handles = t.handles[:j]
	}
}

// eachValue calls f for every distinct value of class c (all values, for the
// star class), in the order they appeared.
func (ix *index) eachValue(c *class, f func(e *entry)) {
	if c == ix.star {
		for e := ix.first; e != nil; e = e.anext {
			f(e)
		}
		return
	}
	for e := c.first; e != nil; e = e.cnext {
		f(e)
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

// appendKey appends the canonical key of v, as lang.AppendKey does, without
// going through an encoder for the symbols and strings that labels and most
// literals are.
func appendKey(b []byte, v lang.Value) []byte {
	switch x := v.(type) {
	case lang.Symbol:
		return appendAtomKey(b, lang.TagSymbol, string(x))
	case lang.String:
		return appendAtomKey(b, lang.TagString, string(x))
	}
	return lang.AppendKey(b, v)
}

func appendAtomKey(b []byte, tag byte, s string) []byte {
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
