package dataspace

import (
	"hash/maphash"

	"github.com/synd-lang/synd/lang"
)

// Shapes remembers compiled Observe patterns for the dataspaces that share
// it (NewShared), so that a pattern is not compiled again in every new
// dataspace nor for every new value of its variables.
//
// A compiled pattern is a skeleton (its tests and captures, the keys the
// index files its signature and capture group under) and the tested labels
// and literals. Patterns that differ only in those constants — a script's
// pattern site run once per connection, each with its own reference in it,
// a relay's peer observing one record per identifier — share one skeleton:
// compiling such a pattern is one walk that allocates only its constants.
// A pattern value seen again (a script's constant pattern is built once per
// site) is found by its identity without a walk.
//
// The dataspaces sharing a Shapes must be used by one goroutine at a time,
// as an actor system's are. It holds a bounded number of patterns and
// skeletons; the labels and keys of a skeleton are detached copies, so that
// it never keeps a peer's packet alive.
type Shapes struct {
	recent [recentShapes]recentShape // by the identity of the pattern value
	skels  map[uint64]*skeleton      // by skeletonHash; equal hashes chained
	nskel  int
	// The scratch shape a pattern is walked into, and its buffers.
	scratch  shape
	scratchS skeleton
	w        wireCompiler
}

// recentShapes is the size of the table of pattern values seen last.
const recentShapes = 512

// maxSkeletons bounds the skeletons a Shapes remembers: past it, it starts
// afresh (shapes already compiled keep theirs).
const maxSkeletons = 4096

type recentShape struct {
	pattern *lang.Record
	shape   *shape
}

// skeleton is what patterns that differ only in their tested constants have
// in common. It is immutable once made.
type skeleton struct {
	tests    []test
	captures [][]lang.Value
	sigID    string   // signatureID
	root     classKey // the root's class (its label or literal is part of the skeleton)
	capsID   string   // capturesID of captures
	hash     uint64   // skeletonHash
	next     *skeleton
}

// NewShapes returns an empty cache of compiled patterns.
func NewShapes() *Shapes { return &Shapes{} }

// NewShared returns an empty dataspace that compiles its observers'
// patterns through shapes, which other dataspaces used on the same
// goroutine may share.
func NewShared(shapes *Shapes) *Dataspace {
	d := New()
	d.shapes = shapes
	return d
}

// shape returns the compiled form of the wire pattern p, or false if p is
// not a pattern.
func (c *Shapes) shape(p lang.Value) (*shape, bool) {
	pr, _ := p.(*lang.Record)
	var slot *recentShape
	if pr != nil {
		slot = &c.recent[maphash.Comparable(hashSeed, pr)%recentShapes]
		if slot.pattern == pr {
			return slot.shape, true
		}
	}
	sk, consts, ok := c.walk(p)
	defer c.trimScratch()
	if !ok {
		return nil, false
	}
	sh := &shape{skeleton: sk}
	if len(consts) <= len(sh.inline) {
		sh.consts = sh.inline[:len(consts):len(consts)]
		copy(sh.consts, consts)
	} else {
		sh.consts = append([]lang.Value(nil), consts...)
	}
	if len(consts) == 0 {
		sh.consts = nil // as finish leaves it
	}
	sh.leafHash = hashConsts(sh.consts)
	if slot != nil {
		*slot = recentShape{pattern: pr, shape: sh}
	}
	return sh, true
}

// maxScratch bounds the scratch buffers a Shapes keeps between patterns:
// a peer's huge pattern does not leave buffers its size behind.
const maxScratch = 1024

// trimScratch lets go of scratch buffers a large pattern grew.
func (c *Shapes) trimScratch() {
	s := &c.scratchS
	if cap(s.tests) > maxScratch || cap(s.captures) > maxScratch || cap(c.scratch.consts) > maxScratch || cap(c.w.paths) > 4*maxScratch {
		*s = skeleton{}
		c.scratch = shape{}
		c.w = wireCompiler{}
	}
}

// walk compiles p into the scratch shape and returns its skeleton (found
// or made) and its constants (in scratch memory, valid until the next walk).
func (c *Shapes) walk(p lang.Value) (*skeleton, []lang.Value, bool) {
	s := &c.scratch
	s.skeleton = &c.scratchS
	s.tests = s.tests[:0]
	s.captures = s.captures[:0]
	s.consts = s.consts[:0]
	c.w.s = s
	c.w.paths = c.w.paths[:0]
	if err := c.w.add(p, nil); err != nil {
		return nil, nil, false
	}
	s.root = s.rootClass()
	for _, t := range s.tests {
		if t.kind == tRecord || t.kind == tLiteral {
			s.consts = append(s.consts, t.val)
		}
	}
	h := skeletonHash(&c.scratchS)
	for sk := c.skels[h]; sk != nil; sk = sk.next {
		if sameSkeleton(sk, &c.scratchS) {
			return sk, s.consts, true
		}
	}
	sk := ownSkeleton(&c.scratchS, h)
	if c.skels == nil || c.nskel >= maxSkeletons {
		c.skels, c.nskel = make(map[uint64]*skeleton), 0
	}
	sk.next = c.skels[h]
	c.skels[h] = sk
	c.nskel++
	return sk, s.consts, true
}

// skeletonHash hashes what sameSkeleton compares.
func skeletonHash(s *skeleton) uint64 {
	h := mix(uint64(s.root.kind), uint64(len(s.tests)))
	if s.root.val != nil {
		h = mix(h, s.root.hash)
	}
	for i := range s.tests {
		t := &s.tests[i]
		h = mix(h, uint64(t.kind)<<8|uint64(len(t.path)))
		for _, k := range t.path {
			h = hashInto(h, k)
		}
	}
	h = mix(h, uint64(len(s.captures)))
	for _, p := range s.captures {
		h = mix(h, uint64(len(p)))
		for _, k := range p {
			h = hashInto(h, k)
		}
	}
	return h
}

// sameSkeleton reports whether a and b have the same tests (but for their
// constants below the root), captures and root class.
func sameSkeleton(a, b *skeleton) bool {
	if a.root.kind != b.root.kind || len(a.tests) != len(b.tests) || len(a.captures) != len(b.captures) {
		return false
	}
	if (a.root.val == nil) != (b.root.val == nil) || a.root.val != nil && !fastEqual(a.root.val, b.root.val) {
		return false
	}
	for i := range a.tests {
		if a.tests[i].kind != b.tests[i].kind || !equalAll(a.tests[i].path, b.tests[i].path) {
			return false
		}
	}
	for i := range a.captures {
		if !equalAll(a.captures[i], b.captures[i]) {
			return false
		}
	}
	return true
}

// ownSkeleton copies the scratch skeleton s into memory of its own, holding
// nothing of the pattern it was walked from.
func ownSkeleton(s *skeleton, h uint64) *skeleton {
	n := 0
	for _, t := range s.tests {
		n += len(t.path)
	}
	for _, p := range s.captures {
		n += len(p)
	}
	keys := make([]lang.Value, 0, n)
	own := func(path []lang.Value) []lang.Value {
		if len(path) == 0 {
			return nil
		}
		start := len(keys)
		for _, k := range path {
			keys = append(keys, lang.Detach(k))
		}
		return keys[start:len(keys):len(keys)]
	}
	sk := &skeleton{tests: make([]test, len(s.tests)), root: s.root, hash: h}
	if s.root.val != nil {
		sk.root.val = lang.Detach(s.root.val)
	}
	for i, t := range s.tests {
		// The signature made from the first pattern of a skeleton keeps
		// its tests; their values are never looked at (the leaves hold
		// the constants), so they are left out.
		sk.tests[i] = test{path: own(t.path), kind: t.kind}
	}
	if len(sk.tests) > 0 && len(sk.tests[0].path) == 0 {
		sk.tests[0].val = sk.root.val // as rootClass reads it
	}
	if len(s.captures) > 0 {
		sk.captures = make([][]lang.Value, len(s.captures))
		for i, p := range s.captures {
			sk.captures[i] = own(p)
		}
	}
	sk.sigID = (&shape{skeleton: sk}).signatureID()
	sk.capsID = capturesID(sk.captures)
	return sk
}
