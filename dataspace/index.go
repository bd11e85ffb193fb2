package dataspace

import (
	"bytes"
	"encoding/binary"
	"math"
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
// in each signature hashes the tested values and looks up one leaf:
// observers whose constants differ are never visited. Classes, leaves and
// capture tuples are found by a structural hash of their values, confirmed
// with lang.Equal; nothing is encoded on the way.

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
	*skeleton              // shared by patterns that differ only in their constants (Shapes)
	consts    []lang.Value // the tested labels and literals, in test order
	leafHash  uint64       // hashConsts(consts)
	inline    [3]lang.Value
}

func compile(p Pattern) *shape {
	s := &shape{skeleton: &skeleton{}}
	s.add(p, nil)
	s.finish()
	return s
}

// finish computes the keys of a shape whose tests and captures are in.
func (s *shape) finish() {
	s.root = s.rootClass()
	s.sigID = s.signatureID()
	n := 0
	for _, t := range s.tests {
		if t.kind == tRecord || t.kind == tLiteral {
			n++
		}
	}
	if n > 0 {
		s.consts = make([]lang.Value, 0, n)
	}
	for _, t := range s.tests {
		if t.kind == tRecord || t.kind == tLiteral {
			s.consts = append(s.consts, t.val)
		}
	}
	s.leafHash = hashConsts(s.consts)
	s.capsID = capturesID(s.captures)
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
		es := x.Entries // as ParsePattern reads them from a dictionary: in key order
		byKey := func(a, b GroupEntry) int { return lang.Compare(a.Key, b.Key) }
		if !slices.IsSortedFunc(es, byKey) {
			es = slices.Clone(es)
			slices.SortFunc(es, byKey)
		}
		for _, e := range es {
			s.add(e.Pattern, append(path[:len(path):len(path)], e.Key))
		}
	}
}

// signatureID describes the tests without their values, except for the root
// class: signatures are filed by it, so it is part of their identity.
func (s *shape) signatureID() string {
	var buf [128]byte
	b := append(buf[:0], byte(s.root.kind))
	if s.root.val != nil {
		b = appendKey(b, s.root.val)
	}
	for _, t := range s.tests {
		b = append(b, byte(t.kind), byte(len(t.path)))
		for _, k := range t.path {
			b = appendKey(b, k)
		}
	}
	return string(b)
}

// rootClass files a signature by what it requires of the root.
func (s *shape) rootClass() classKey {
	if len(s.tests) == 0 || len(s.tests[0].path) != 0 {
		return classKey{kind: cStar}
	}
	t := s.tests[0]
	switch t.kind {
	case tRecord:
		return recordClass(t.val, hashValue(t.val))
	case tSequence:
		return classKey{kind: cSequence, hash: hashSequenceClass}
	case tDictionary:
		return classKey{kind: cDictionary, hash: hashDictionaryClass}
	}
	return literalClass(t.val, hashValue(t.val))
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

// classKind tells the root classes apart.
type classKind uint8

const (
	cStar       classKind = iota // no constraint on the root
	cRecord                      // records of one label
	cSequence                    // sequences
	cDictionary                  // dictionaries
	cLiteral                     // one atom (or set, or embedded value)
)

// classKey names a class: its kind, and the label or literal (nil for the
// others), with the class's hash.
type classKey struct {
	kind      classKind
	val       lang.Value
	hash      uint64
	labelHash uint64 // of a record class's label
}

const (
	hashSequenceClass   = 0x5345515545
	hashDictionaryClass = 0x44494354
)

func recordClass(label lang.Value, labelHash uint64) classKey {
	return classKey{kind: cRecord, val: label, hash: mix(labelHash, uint64(cRecord)), labelHash: labelHash}
}

func literalClass(v lang.Value, h uint64) classKey {
	return classKey{kind: cLiteral, val: v, hash: mix(h, uint64(cLiteral))}
}

// keysOf computes what the bag and the index need to know of a value about
// to be filed: its hash, and its class, made if need be (a record's class
// key holds its label's hash).
func (ix *index) keysOf(v lang.Value) (uint64, *class) {
	if x, ok := v.(*lang.Record); ok {
		c := ix.labelClass(x.Label, true)
		return hashRecord(0, c.key.labelHash, x.Fields), c
	}
	h, ck, _ := valueKeys(v)
	return h, ix.class(ck, true)
}

// labelClass returns the class of records labelled label, making it if
// create is set (else nil if there is none). The class last found is
// remembered, so that a run of records of one label hashes it once.
func (ix *index) labelClass(label lang.Value, create bool) *class {
	if c := ix.lastClass; c != nil && sameLabel(c.key.val, label) {
		return c
	}
	c := ix.class(recordClass(label, hashValue(label)), create)
	if c != nil {
		ix.lastClass = c
	}
	return c
}

// sameLabel is fastEqual, with a symbol compared to a symbol inline.
func sameLabel(a, b lang.Value) bool {
	if x, ok := a.(lang.Symbol); ok {
		y, ok := b.(lang.Symbol)
		return ok && x == y
	}
	return fastEqual(a, b)
}

// classOf finds the class of v (nil if there is none yet): for a value
// present in the bag, the class it is filed in.
func (ix *index) classOf(v lang.Value) *class {
	switch x := v.(type) {
	case *lang.Record:
		return ix.labelClass(x.Label, false)
	case lang.Sequence:
		return ix.class(classKey{kind: cSequence, hash: hashSequenceClass}, false)
	case *lang.Dictionary:
		return ix.class(classKey{kind: cDictionary, hash: hashDictionaryClass}, false)
	}
	_, ck, _ := valueKeys(v)
	return ix.class(ck, false)
}

// valueKeys computes what the bag and the index need to know of a value: its
// hash, and its class's key; for a record, also its label's hash.
func valueKeys(v lang.Value) (h uint64, ck classKey, labelHash uint64) {
	switch x := v.(type) {
	case *lang.Record:
		labelHash = hashValue(x.Label)
		return hashRecord(0, labelHash, x.Fields), recordClass(x.Label, labelHash), labelHash
	case lang.Sequence:
		return hashValue(v), classKey{kind: cSequence, hash: hashSequenceClass}, 0
	case *lang.Dictionary:
		return hashValue(v), classKey{kind: cDictionary, hash: hashDictionaryClass}, 0
	}
	h = hashValue(v)
	return h, literalClass(v, h), 0
}

// hashConsts is the hash of a leaf's key: the tested labels and literals.
func hashConsts(vs []lang.Value) uint64 {
	var h uint64
	for _, v := range vs {
		h = mix(h, hashValue(v))
	}
	return h
}

func equalAll(a, b []lang.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !fastEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}

// fastEqual is lang.Equal, with the commonest cases (labels, literals and
// the records made of them) compared directly.
func fastEqual(a, b lang.Value) bool {
	switch x := a.(type) {
	case lang.Symbol:
		if y, ok := b.(lang.Symbol); ok {
			return x == y
		}
	case lang.String:
		if y, ok := b.(lang.String); ok {
			return x == y
		}
	case lang.Int:
		if y, ok := b.(lang.Int); ok {
			return x == y
		}
	case *lang.Record:
		if y, ok := b.(*lang.Record); ok {
			return x == y || len(x.Fields) == len(y.Fields) && fastEqual(x.Label, y.Label) && equalAll(x.Fields, y.Fields)
		}
	}
	return lang.Equal(a, b)
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

// leafKey collects, into consts, the values v has where sig's tests look
// (labels and literals); it reports false if v fails a structural test.
func leafKey(consts []lang.Value, sig *signature, v lang.Value) ([]lang.Value, bool) {
	tests := sig.tests
	var root *lang.Record // once the root's record test has passed
	for i := range tests {
		t := &tests[i]
		var n lang.Value
		if i < maxFieldTests && sig.fields[i] != 0 && root != nil {
			k := int(sig.fields[i]) - 1
			if k >= len(root.Fields) {
				return consts, false
			}
			n = lang.Unwrap(root.Fields[k])
		} else {
			var ok bool
			if n, ok = walk(v, t.path); !ok {
				return consts, false
			}
		}
		switch t.kind {
		case tRecord:
			r, ok := n.(*lang.Record)
			if !ok {
				return consts, false
			}
			if i == 0 && len(t.path) == 0 {
				root = r
			}
			consts = append(consts, r.Label)
		case tSequence:
			if _, ok := n.(lang.Sequence); !ok {
				return consts, false
			}
		case tDictionary:
			if _, ok := n.(*lang.Dictionary); !ok {
				return consts, false
			}
		case tLiteral:
			consts = append(consts, n)
		}
	}
	return consts, true
}

// maxFieldTests is how many of a signature's tests signature.fields covers.
const maxFieldTests = 8

// flatTests reports whether tests look only at a record at the root and
// at its fields (literals and existence), all within what fields covers:
// a value of the class then reaches a leaf of the signature by a look at
// each field, without a key (see signature.flatMatch).
func flatTests(tests []test, fields [maxFieldTests]uint8) bool {
	if len(tests) == 0 || len(tests) > maxFieldTests || tests[0].kind != tRecord || len(tests[0].path) != 0 {
		return false
	}
	for i := 1; i < len(tests); i++ {
		if fields[i] == 0 || (tests[i].kind != tLiteral && tests[i].kind != tExists) {
			return false
		}
	}
	return true
}

type flatResult uint8

const (
	flatOther flatResult = iota // the value's literals are another leaf's
	flatYes                     // the value reaches lf
	flatNo                      // the value passes no leaf's tests: a field is missing
)

// flatMatch tells, for a flat signature (flatTests) and r, a record of its
// class, whether r reaches lf, a leaf of sig: what leafKey and a lookup
// would find, since lf's first constant is the class's label and its others
// are the literals in test order.
func (sig *signature) flatMatch(r *lang.Record, lf *leaf) flatResult {
	j := 1 // lf.consts[0] is the label
	other := false
	for i := 1; i < len(sig.tests); i++ {
		k := int(sig.fields[i]) - 1
		if k >= len(r.Fields) {
			return flatNo
		}
		if sig.tests[i].kind == tLiteral {
			if !other && !fastEqual(lang.Unwrap(r.Fields[k]), lf.consts[j]) {
				other = true // go on: a missing field later still means no leaf
			}
			j++
		}
	}
	if other {
		return flatOther
	}
	return flatYes
}

// rootFields computes signature.fields for tests.
func rootFields(tests []test) (fields [maxFieldTests]uint8) {
	if len(tests) == 0 || tests[0].kind != tRecord || len(tests[0].path) != 0 {
		return
	}
	for i := 1; i < min(len(tests), maxFieldTests); i++ {
		if p := tests[i].path; len(p) == 1 {
			if k, ok := p[0].(lang.Int); ok && k >= 0 && k < math.MaxUint8 {
				fields[i] = uint8(k) + 1
			}
		}
	}
	return
}

// leafHash is hashConsts(consts) for a leaf of sig, given the hash of the
// root's label if known (else 0) when sig tests it first.
func (sig *signature) leafHash(consts []lang.Value, rootLabelHash uint64) uint64 {
	var h uint64
	for i, c := range consts {
		if i == 0 && sig.rootRecord && rootLabelHash != 0 {
			h = mix(h, rootLabelHash)
		} else {
			h = mix(h, hashValue(c))
		}
	}
	return h
}

type signature struct {
	id    string
	tests []test
	// fields[i] is k+1 if tests[i] looks at field k of the root, a record
	// by the first test (a step that needs no walk), else 0; for the
	// first tests and fields only, so that it needs no allocation.
	fields [maxFieldTests]uint8
	class  *class
	leaves map[uint64]*leaf // by the hash of their constants; equal hashes chained
	nobs   int
	// single: every constant tested is fixed by the class (none, or the
	// root's label or literal), so the signature has at most one leaf,
	// only, whose values are those of the class that pass its tests: it
	// does not list them.
	single bool
	only   *leaf
	// last is the leaf found last: a run of values (messages on one topic)
	// reaching one leaf finds it without hashing.
	last *leaf
	// rootRecord: the first test is the record test at the root, so the
	// first constant is the label of the class.
	rootRecord bool
	// flat: the signature is of a record class and flatTests holds.
	flat bool
}

type leaf struct {
	consts []lang.Value
	hash   uint64
	next   *leaf // the next leaf of the same hash
	n      int   // how many distinct values match
	// Which values (none listed for a single signature's leaf): the first
	// in e0, while it lasts, the others in assertions (nil while none), so
	// that the commonest leaf, of one value, needs no map.
	e0         *entry
	assertions map[*entry]struct{}
	groups     []*captureGroup
}

// findLeaf returns the leaf of sig for these constants, making it if create
// is set.
func (sig *signature) findLeaf(consts []lang.Value, h uint64, create bool) *leaf {
	for lf := sig.leaves[h]; lf != nil; lf = lf.next {
		if equalAll(lf.consts, consts) {
			return lf
		}
	}
	if !create {
		return nil
	}
	lf := &leaf{consts: slices.Clone(consts), hash: h, next: sig.leaves[h]}
	sig.leaves[h] = lf
	if sig.single {
		sig.only = lf
	}
	return lf
}

// sameConsts reports whether lf is the leaf of consts, the constants of a
// value of sig's class: the first, when sig tests the root's label, is the
// class's, the same for every leaf of sig.
func (sig *signature) sameConsts(lf *leaf, consts []lang.Value) bool {
	if sig.rootRecord && len(consts) > 0 && len(lf.consts) == len(consts) {
		return equalAll(lf.consts[1:], consts[1:])
	}
	return equalAll(lf.consts, consts)
}

// dropLeafIfEmpty forgets a leaf with no values and no observers.
func (sig *signature) dropLeafIfEmpty(lf *leaf) {
	if lf.n != 0 || len(lf.groups) != 0 {
		return
	}
	if sig.only == lf {
		sig.only = nil
	}
	if sig.last == lf {
		sig.last = nil
	}
	if p := sig.leaves[lf.hash]; p == lf {
		if lf.next == nil {
			delete(sig.leaves, lf.hash)
		} else {
			sig.leaves[lf.hash] = lf.next
		}
		return
	} else {
		for ; p != nil; p = p.next {
			if p.next == lf {
				p.next = lf.next
				return
			}
		}
	}
}

func (sig *signature) addEntry(lf *leaf, e *entry) {
	lf.n++
	if sig.single {
		return
	}
	if lf.e0 == nil {
		lf.e0 = e
		return
	}
	if lf.assertions == nil {
		lf.assertions = map[*entry]struct{}{}
	}
	lf.assertions[e] = struct{}{}
}

func (sig *signature) removeEntry(lf *leaf, e *entry) {
	lf.n--
	if lf.e0 == e {
		lf.e0 = nil
	} else if lf.assertions != nil {
		delete(lf.assertions, e)
	}
	if lf.n == 0 {
		lf.assertions = nil
	}
}

// eachEntry calls f with every value of lf, a leaf of sig, in no particular
// order.
func (ix *index) eachEntry(sig *signature, lf *leaf, f func(e *entry)) {
	if !sig.single {
		if lf.e0 != nil {
			f(lf.e0)
		}
		for e := range lf.assertions {
			f(e)
		}
		return
	}
	if lf.n == 0 {
		return
	}
	ix.eachValue(sig.class, func(e *entry) {
		if ix.leafOf(sig, e.value, 0, false) == lf {
			f(e)
		}
	})
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
	tuples    htab[tuple, *tuple]
	// more holds, for a group of several observers, the handles of what
	// the observers after the first were told of each tuple, by slot - 1
	// (nil while the group has had one observer).
	more map[*tuple][]Handle
}

type tuple struct {
	seq   *lang.Sequence // the captures, boxed in place for every observer: see value
	hash  uint32         // the low half of the captured values' hash: see tupleHash
	count int32
	// The handle of what the group's first observer was told of it; the
	// others' are in the group's more.
	h1 Handle
}

// handle is what the observer in slot i was told of t (0 if nothing).
func (g *captureGroup) handle(t *tuple, i int) Handle {
	if i == 0 {
		return t.h1
	}
	more := g.more[t]
	if i > len(more) {
		return 0
	}
	return more[i-1]
}

func (g *captureGroup) setHandle(t *tuple, i int, h Handle) {
	if i == 0 {
		t.h1 = h
		return
	}
	if h == 0 && g.handle(t, i) == 0 {
		return
	}
	if g.more == nil {
		g.more = map[*tuple][]Handle{}
	}
	more := g.more[t]
	if n := i - len(more); n > 0 {
		more = append(more, make([]Handle, n)...)
	}
	more[i-1] = h
	g.more[t] = more
}

// truncate forgets the handles of t for slots n and over.
func (g *captureGroup) truncate(t *tuple, n int) {
	if n == 0 {
		t.h1 = 0
	}
	if more, ok := g.more[t]; ok {
		if n <= 1 {
			delete(g.more, t)
		} else if len(more) > n-1 {
			g.more[t] = more[:n-1]
		}
	}
}

// forget drops what the group keeps of t beside it, which is leaving.
func (g *captureGroup) forget(t *tuple) {
	if g.more != nil {
		delete(g.more, t)
	}
}

// value is the tuple as the observers are told of it: its header boxed in
// place, so every observer gets the same Value and none costs an allocation.
func (t *tuple) value() lang.Value { return lang.SequenceAt(t.seq) }

func (t *tuple) hashKey() uint64 { return uint64(t.hash) }

// tupleHash is the part of a capture tuple's hash that its tuple keeps and
// its group's table is keyed by.
func tupleHash(h uint64) uint64 { return uint64(uint32(h)) }

// observer is one registered Observe assertion.
type observer struct {
	target any
	sig    *signature
	leaf   *leaf
	group  *captureGroup
	slot   int // index in group.observers
}

// index is the skeleton index of one dataspace.
type index struct {
	sigs      map[string]*signature
	classes   map[uint64]*class   // by classKey.hash; equal hashes chained
	star      *class              // signatures whose root is unconstrained
	lastClass *class              // the record class found last
	entries   htab[entry, *entry] // one entry per distinct value
	entryPool pool[entry]
	seq       uint64 // of the last entry to appear
	tuplePool pool[tuple]
	capSlab   []lang.Value // capture tuples are carved from it, never reused
	boxes     seqBoxes
}

// seqBoxes boxes messages' capture tuples into chunks of headers, as
// lang.SequenceBoxes does, moving on by an index: boxing writes no pointer
// but the header's own (one write barrier instead of two while the
// collector marks). A box kept long keeps its chunk. Chunks grow from 4
// headers to 16 to seqBoxChunk, so that the many small dataspaces that see
// a message or two (a connection's) do not each take a kilobyte: 4 and 16
// of 24 bytes fill the allocator's 96- and 384-byte classes, and 42 with
// its 8-byte header 1,024 bytes (32 took 896).
type seqBoxes struct {
	chunk []lang.Sequence
	next  int
}

const seqBoxChunk = 42

func (b *seqBoxes) box(s lang.Sequence) lang.Value {
	if b.next == len(b.chunk) {
		n := seqBoxChunk
		switch len(b.chunk) {
		case 0:
			n = 4
		case 4:
			n = 16
		}
		b.chunk, b.next = make([]lang.Sequence, n), 0
	}
	p := &b.chunk[b.next]
	b.next++
	*p = s
	return lang.SequenceAt(p)
}

// class gathers, for one root class, the signatures filed under it and the
// distinct values of the bag that have it.
type class struct {
	key  classKey
	next *class // the next class of the same hash
	sigs []*signature
	// Its values, in the order they appeared, and those that have left
	// since the list was last swept (dead).
	first, last *entry
	nentries    int // live
	ndead       int
}

func newIndex() index {
	return index{sigs: map[string]*signature{}, classes: map[uint64]*class{}, star: &class{}}
}

// link files a new distinct value: in the table of all values (in hole, as
// findOrHole found it), and at the end of its class's list.
func (ix *index) link(e *entry, c *class, hole int) {
	ix.seq++
	e.seqFlags = ix.seq<<entryFlags | e.seqFlags&(1<<entryFlags-1)
	ix.entries.insertAt(hole, e)
	if c.last != nil {
		c.last.cnext = e
	} else {
		c.first = e
	}
	c.last = e
	c.nentries++
}

// unlink unfiles a value of class c that has left the bag. It stays in its
// class's list, marked dead, until sweepIfDue takes it out and gives it back
// to the pool: a singly linked list costs a pointer a value less than a
// doubly linked one, and sweeping when the dead outnumber the living costs
// O(1) a value.
func (ix *index) unlink(e *entry, c *class) {
	ix.entries.remove(e)
	e.setFlag(entryDead, true)
	c.nentries--
	c.ndead++
}

// minSweep is how many dead values a class's list keeps at least before it
// is swept.
const minSweep = 8

// sweepIfDue sweeps c's list if its dead values outnumber its living ones
// (or it has no living ones left).
func (ix *index) sweepIfDue(c *class) {
	if c.ndead > max(minSweep, c.nentries) || c.ndead > 0 && c.nentries == 0 {
		ix.sweep(c)
	}
}

// sweep takes the dead values out of c's list and gives them back to the
// pool.
func (ix *index) sweep(c *class) {
	var prev *entry
	for e := c.first; e != nil; {
		next := e.cnext
		if e.dead() {
			if prev == nil {
				c.first = next
			} else {
				prev.cnext = next
			}
			ix.entryPool.put(e)
		} else {
			prev = e
		}
		e = next
	}
	c.last = prev
	c.ndead = 0
}

// class finds the class of key k (the star class for cStar), making it if
// create is set (else nil).
func (ix *index) class(k classKey, create bool) *class {
	if k.kind == cStar {
		return ix.star
	}
	for c := ix.classes[k.hash]; c != nil; c = c.next {
		if c.key.kind == k.kind && (k.val == nil || fastEqual(c.key.val, k.val)) {
			return c
		}
	}
	if !create {
		return nil
	}
	c := &class{key: k, next: ix.classes[k.hash]}
	ix.classes[k.hash] = c
	return c
}

// dropClassIfEmpty forgets a class with no signatures and no values.
func (ix *index) dropClassIfEmpty(c *class) {
	if c == ix.star || len(c.sigs) != 0 || c.nentries != 0 {
		return
	}
	if ix.lastClass == c {
		ix.lastClass = nil
	}
	h := c.key.hash
	if p := ix.classes[h]; p == c {
		if c.next == nil {
			delete(ix.classes, h)
		} else {
			ix.classes[h] = c.next
		}
		return
	} else {
		for ; p != nil; p = p.next {
			if p.next == c {
				p.next = c.next
				return
			}
		}
	}
}

// leafOf finds the leaf of sig that v reaches, making it if create is set;
// nil if v fails the signature's structural tests (or, without create, no
// observer or value shares its constants).
func (ix *index) leafOf(sig *signature, v lang.Value, rootLabelHash uint64, create bool) *leaf {
	if sig.flat {
		lf := sig.only
		if lf == nil {
			lf = sig.last
		}
		if r, ok := v.(*lang.Record); ok && lf != nil {
			switch sig.flatMatch(r, lf) {
			case flatYes:
				return lf
			case flatNo:
				return nil
			}
		}
	}
	var buf [8]lang.Value // on the stack: no write barriers
	consts, ok := leafKey(buf[:0], sig, v)
	if !ok {
		return nil
	}
	if sig.only != nil {
		return sig.only
	}
	if lf := sig.last; lf != nil && sig.sameConsts(lf, consts) {
		return lf
	}
	lf := sig.findLeaf(consts, sig.leafHash(consts, rootLabelHash), create)
	if lf != nil {
		sig.last = lf
	}
	return lf
}

// addValue files a value that has just appeared in the bag.
func (ix *index) addValue(fx Effects, e *entry, c *class) {
	rootLabelHash := c.key.labelHash
	for _, sig := range c.sigs {
		if lf := ix.leafOf(sig, e.value, rootLabelHash, true); lf != nil {
			ix.leafAdd(fx, sig, lf, e)
		}
	}
	if c != ix.star {
		for _, sig := range ix.star.sigs {
			if lf := ix.leafOf(sig, e.value, 0, true); lf != nil {
				ix.leafAdd(fx, sig, lf, e)
			}
		}
	}
}

func (ix *index) leafAdd(fx Effects, sig *signature, lf *leaf, e *entry) {
	sig.addEntry(lf, e)
	for _, g := range lf.groups {
		ix.groupAdd(fx, g, e.value)
	}
}

// removeValue unfiles a value that has just left the bag.
func (ix *index) removeValue(fx Effects, e *entry, c *class) {
	rootLabelHash := c.key.labelHash
	for _, sig := range c.sigs {
		if lf := ix.leafOf(sig, e.value, rootLabelHash, false); lf != nil {
			ix.leafRemove(fx, sig, lf, e)
		}
	}
	if c != ix.star {
		for _, sig := range ix.star.sigs {
			if lf := ix.leafOf(sig, e.value, 0, false); lf != nil {
				ix.leafRemove(fx, sig, lf, e)
			}
		}
	}
}

func (ix *index) leafRemove(fx Effects, sig *signature, lf *leaf, e *entry) {
	sig.removeEntry(lf, e)
	for _, g := range lf.groups {
		ix.groupRemove(fx, g, e.value)
	}
	sig.dropLeafIfEmpty(lf)
}

// message delivers a message to every observer it matches.
func (ix *index) message(fx Effects, v lang.Value) {
	if c := ix.classOf(v); c != nil {
		ix.messageSigs(fx, c.sigs, v, c.key.labelHash)
	}
	ix.messageSigs(fx, ix.star.sigs, v, 0)
}

func (ix *index) messageSigs(fx Effects, sigs []*signature, v lang.Value, rootLabelHash uint64) {
	for _, sig := range sigs {
		lf := ix.leafOf(sig, v, rootLabelHash, false)
		if lf == nil {
			continue
		}
		for _, g := range lf.groups {
			if g.live == 0 {
				continue
			}
			// Boxed once for all the group's observers.
			var box lang.Value
			if w, ok := fieldWindow(v, g.paths); ok {
				box = ix.boxes.box(w)
			} else {
				var buf [4]lang.Value // on the stack: slabbed copies it
				box = ix.boxes.box(ix.slabbed(project(buf[:0], v, g.paths)))
			}
			for _, o := range g.observers {
				if o != nil {
					fx.Message(o.target, box)
				}
			}
		}
	}
}

// project appends the captures of v (which the leaf's tests guarantee
// exist) to caps, a buffer on the caller's stack.
func project(caps []lang.Value, v lang.Value, paths [][]lang.Value) []lang.Value {
	for _, p := range paths {
		c, _ := walk(v, p)
		caps = append(caps, c)
	}
	return caps
}

// slabbed copies a message's projected captures into the slab that
// messages' capture tuples are carved from.
func (ix *index) slabbed(caps []lang.Value) lang.Sequence {
	n := len(caps)
	if n == 0 {
		return lang.Sequence{}
	}
	if cap(ix.capSlab)-len(ix.capSlab) < n {
		ix.capSlab = make([]lang.Value, 0, max(16, n))
	}
	l := len(ix.capSlab)
	ix.capSlab = append(ix.capSlab, caps...)
	return lang.Sequence(ix.capSlab[l : l+n : l+n])
}

// keptTuple makes the capture tuple of an assertion, which the observer
// holds for as long as the assertion lasts: a single field's window of the
// value, as a message's is, or a sequence of its own. Not carved from the
// slab or boxed into the chunks that messages' tuples share: a long-lived
// tuple there would keep its neighbours — the captures of values long
// retracted — alive with it.
//
// A tuple of all of a record's fields, in order (<Present ?x> of
// <Present 1>), is the record's own Fields, boxed where they lie: no
// allocation at all.
//
// w is the window of fieldWindow(v, paths), if any (else nil); caps, the
// projection, is copied, never kept.
//
// It returns the tuple's header, which no one writes again: the tuple keeps
// a pointer to it and boxes it in place (lang.SequenceAt) each time.
func keptTuple(v lang.Value, paths [][]lang.Value, caps, w []lang.Value) *lang.Sequence {
	if r, ok := v.(*lang.Record); ok && allFields(r, paths) {
		return (*lang.Sequence)(&r.Fields)
	}
	p := new(lang.Sequence)
	if w != nil {
		*p = w
	} else {
		*p = slices.Clone(caps)
	}
	return p
}

// allFields reports whether paths capture every field of r, in order, and
// nothing else; and r's fields leave no room to append into.
func allFields(r *lang.Record, paths [][]lang.Value) bool {
	if len(paths) != len(r.Fields) || len(r.Fields) != cap(r.Fields) || len(paths) == 0 {
		return false
	}
	for i, p := range paths {
		if len(p) != 1 {
			return false
		}
		if k, ok := p[0].(lang.Int); !ok || int(k) != i {
			return false
		}
	}
	return true
}

// fieldWindow is the capture tuple of a single capture of a record's or a
// sequence's field: that field's own one-element window of the (immutable)
// value, its capacity limited so that nothing can append into v.
func fieldWindow(v lang.Value, paths [][]lang.Value) (lang.Sequence, bool) {
	if len(paths) != 1 || len(paths[0]) == 0 {
		return nil, false
	}
	p := paths[0]
	parent, _ := walk(v, p[:len(p)-1])
	if i, ok := p[len(p)-1].(lang.Int); ok {
		switch x := parent.(type) {
		case *lang.Record:
			return x.Fields[i : i+1 : i+1], true
		case lang.Sequence:
			return x[i : i+1 : i+1], true
		}
	}
	return nil, false
}

// findTuple returns g's tuple of the captures caps, of hash h.
func (g *captureGroup) findTuple(caps []lang.Value, h uint64) *tuple {
	t, _ := g.findTupleAt(caps, h)
	return t
}

// findTupleAt is findTuple, with the tuple's slot in g.tuples, or, if
// there is none, the hole where it would go (see htab.findOrHole).
func (g *captureGroup) findTupleAt(caps []lang.Value, h uint64) (*tuple, int) {
	return g.tuples.findOrHole(tupleHash(h), func(t *tuple) bool { return equalAll(*t.seq, caps) })
}

func (ix *index) groupAdd(fx Effects, g *captureGroup, v lang.Value) {
	var buf [4]lang.Value // on the stack: keptTuple copies it
	w, _ := fieldWindow(v, g.paths)
	caps := w
	if w == nil {
		caps = project(buf[:0], v, g.paths)
	}
	h := hashValues(0, caps)
	t, hole := g.findTupleAt(caps, h)
	if t != nil {
		t.count++
		return
	}
	t = ix.tuplePool.get()
	t.hash, t.count = uint32(h), 1
	t.seq = keptTuple(v, g.paths, caps, w)
	g.tuples.insertAt(hole, t)
	if g.live == 0 {
		return
	}
	if n := len(g.observers); n > 1 {
		if g.more == nil {
			g.more = map[*tuple][]Handle{}
		}
		g.more[t] = make([]Handle, n-1)
	}
	for i, o := range g.observers {
		if o != nil {
			g.setHandle(t, i, fx.Assert(o.target, t.value()))
		}
	}
}

func (ix *index) groupRemove(fx Effects, g *captureGroup, v lang.Value) {
	var buf [4]lang.Value
	caps, _ := fieldWindow(v, g.paths)
	if caps == nil {
		caps = project(buf[:0], v, g.paths)
	}
	t, slot := g.findTupleAt(caps, hashValues(0, caps))
	if t == nil {
		return
	}
	if t.count--; t.count > 0 {
		return
	}
	g.tuples.removeAt(slot)
	for i, o := range g.observers {
		if o != nil {
			fx.Retract(g.handle(t, i))
		}
	}
	g.forget(t)
	ix.tuplePool.put(t)
}

// sortedTuples lists a group's tuples in the order of their canonical keys
// (the concatenated keys of their captures), for a stable order of events.
func (g *captureGroup) sortedTuples() []*tuple {
	ts := make([]*tuple, 0, g.tuples.n)
	g.tuples.each(func(t *tuple) { ts = append(ts, t) })
	if len(ts) < 2 {
		return ts
	}
	keys := make(map[*tuple][]byte, len(ts))
	for _, t := range ts {
		var b []byte
		for _, c := range *t.seq {
			b = appendKey(b, c)
		}
		keys[t] = b
	}
	slices.SortFunc(ts, func(a, b *tuple) int { return bytes.Compare(keys[a], keys[b]) })
	return ts
}

// addObserver registers an observer, filing its pattern, and tells it of
// every matching assertion already present.
func (ix *index) addObserver(fx Effects, o *observer, sh *shape) {
	id := sh.sigID
	sig := ix.sigs[id]
	if sig == nil {
		c := ix.class(sh.root, true)
		sig = &signature{id: id, tests: sh.tests, fields: rootFields(sh.tests), class: c, leaves: map[uint64]*leaf{},
			single:     len(sh.consts) == 0 || len(sh.consts) == 1 && (sh.root.kind == cRecord || sh.root.kind == cLiteral),
			rootRecord: sh.root.kind == cRecord}
		sig.flat = sig.rootRecord && flatTests(sig.tests, sig.fields)
		ix.sigs[id] = sig
		c.sigs = append(c.sigs, sig)
		// A new signature starts with every present value it can file.
		ix.eachValue(c, func(e *entry) {
			if lf := ix.leafOf(sig, e.value, 0, true); lf != nil {
				sig.addEntry(lf, e)
			}
		})
	}
	sig.nobs++
	lf := sig.findLeaf(sh.consts, sh.leafHash, true)
	cid := sh.capsID
	var g *captureGroup
	for _, x := range lf.groups {
		if x.id == cid {
			g = x
			break
		}
	}
	if g == nil {
		g = &captureGroup{id: cid, paths: sh.captures}
		lf.groups = append(lf.groups, g)
		ix.eachEntry(sig, lf, func(e *entry) {
			ix.groupAdd(fx, g, e.value) // no observers yet: counts only, in any order
		})
	}
	o.sig, o.leaf, o.group, o.slot = sig, lf, g, len(g.observers)
	g.observers = append(g.observers, o)
	g.live++
	for _, t := range g.sortedTuples() {
		g.setHandle(t, o.slot, fx.Assert(o.target, t.value()))
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
	for _, t := range g.sortedTuples() {
		fx.Retract(g.handle(t, i))
		g.setHandle(t, i, 0)
	}
	if g.live > 0 && len(g.observers) > 32 && g.live < len(g.observers)/2 {
		g.compact()
	}
	lf := o.leaf
	if g.live == 0 {
		lf.groups = slices.DeleteFunc(lf.groups, func(x *captureGroup) bool { return x == g })
		g.tuples.each(func(t *tuple) { ix.tuplePool.put(t) })
	}
	o.sig.dropLeafIfEmpty(lf)
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
		g.tuples.each(func(t *tuple) { g.setHandle(t, j, g.handle(t, i)) })
		o.slot = j
		g.observers[j] = o
		j++
	}
	clear(g.observers[j:])
	g.observers = g.observers[:j]
	g.tuples.each(func(t *tuple) { g.truncate(t, j) })
}

// eachValue calls f for every distinct value of class c (all values, for the
// star class): in the order they appeared for a class, in no particular
// order for the star class.
func (ix *index) eachValue(c *class, f func(e *entry)) {
	if c == ix.star {
		ix.entries.each(f)
		return
	}
	for e := c.first; e != nil; e = e.cnext {
		if !e.dead() {
			f(e)
		}
	}
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
