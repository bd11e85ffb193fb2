package eval

import (
	"math/bits"
	"slices"

	"github.com/synd-lang/synd/lang"
)

// Env is an environment: variables bound to values. It is a persistent map:
// the newest few bindings are a linked list of frames (one allocation per
// binding, as most bindings are the one or two captures of a match) over a
// hash array mapped trie that takes the frames in when they grow past
// maxFrames. With returns a new Env sharing everything with the old one,
// so extending costs O(log n) and copying an Env is free. The zero Env is
// empty.
//
// A script runs in one environment that its instructions extend as they
// go (a let, or a matching =~, extends it for everything after, blocks
// included); the bodies of ?, ?? and ?- keep the Env they saw when the
// instruction ran, as syndicate-server's Env is cloned for them.
type Env struct {
	root   *envNode  // the older bindings
	top    *envFrame // the newer ones, newest first; they hide root's
	frames int       // length of the top list
	n      int       // names bound
	seq    uint64    // bindings made so far, to order Names
}

// envFrame is one binding made since the frames were last put in the trie.
type envFrame struct {
	name string
	val  lang.Value
	seq  uint64
	next *envFrame
}

// maxFrames bounds the frames Lookup walks before the trie. A walk of up to
// 16 frames is faster than a trie lookup (hashing the name) for the 9 to 15
// bindings a service class's handlers commonly see (the class's own four,
// a match's captures and a few lets), and at 8 each such handler flattened
// its frames into a fresh trie: six times per connection lifecycle.
const maxFrames = 16

// envNode is a node of the trie: a bitmap of the 32 slots used at this
// level and, in slot order, a child node or a leaf for each.
type envNode struct {
	bitmap uint32
	kids   []envSlot
}

type envSlot struct {
	node *envNode
	leaf *envLeaf
}

// envLeaf is one binding; leaves whose names hash alike form a chain.
type envLeaf struct {
	hash uint64
	name string
	val  lang.Value
	seq  uint64
	next *envLeaf
}

const envBits = 5

func envHash(s string) uint64 {
	// FNV-1a: deterministic, and enough for names a script chooses.
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// NewEnv builds an environment from a dictionary with symbol (or string)
// keys, as config-watchers pass; other keys are ignored.
func NewEnv(d *lang.Dictionary) Env {
	var e Env
	if d == nil {
		return e
	}
	for _, en := range d.Entries() {
		switch k := lang.Unwrap(en.Key).(type) {
		case lang.Symbol:
			e = e.With(string(k), en.Value)
		case lang.String:
			e = e.With(string(k), en.Value)
		}
	}
	return e
}

// Len is the number of names bound.
func (e Env) Len() int { return e.n }

// With returns the environment extended with name bound to v (replacing any
// binding of name). e itself is unchanged.
func (e Env) With(name string, v lang.Value) Env {
	if _, bound := e.Lookup(name); !bound {
		e.n++
	}
	e.seq++
	e.top = &envFrame{name: name, val: v, seq: e.seq, next: e.top}
	if e.frames++; e.frames > maxFrames {
		e.root = e.flatten()
		e.top, e.frames = nil, 0
	}
	return e
}

// flatten is the trie of every binding of e.
func (e Env) flatten() *envNode {
	var fs [maxFrames + 1]*envFrame
	k := 0
	for f := e.top; f != nil; f = f.next {
		fs[k] = f
		k++
	}
	// The frames go into copies of the nodes on their paths, made once
	// per flatten and then changed in place: the old trie is shared by
	// older Envs and never changes.
	var b envBuilder
	root := b.own(e.root)
	leaves := make([]envLeaf, k)  // one allocation for the leaves
	for i := k - 1; i >= 0; i-- { // oldest first: the newest stays
		f, l := fs[i], &leaves[i]
		*l = envLeaf{hash: envHash(f.name), name: f.name, val: f.val, seq: f.seq}
		root = b.put(root, l, 0)
	}
	return root
}

// envBuilder puts several leaves into a trie, copying each node on their
// paths once (the nodes it made itself it changes in place).
type envBuilder struct {
	fresh [2 * maxFrames]*envNode
	n     int
}

// own returns a node of the builder's with n's contents (n itself if the
// builder made it); nil stands for the empty node.
func (b *envBuilder) own(n *envNode) *envNode {
	if n == nil {
		// A first trie: the node and room for a flatten's leaves at once.
		nk := &struct {
			n envNode
			k [maxFrames + 1]envSlot
		}{}
		nk.n.kids = nk.k[:0]
		n = &nk.n
	} else {
		for _, x := range b.fresh[:b.n] {
			if x == n {
				return n
			}
		}
		kids := make([]envSlot, len(n.kids), len(n.kids)+maxFrames)
		copy(kids, n.kids)
		n = &envNode{bitmap: n.bitmap, kids: kids}
	}
	b.made(n)
	return n
}

// put is n.put for a node the builder owns, changed in place.
func (b *envBuilder) put(n *envNode, l *envLeaf, shift uint) *envNode {
	bit := uint32(1) << ((l.hash >> shift) & 31)
	pos := bits.OnesCount32(n.bitmap & (bit - 1))
	if n.bitmap&bit == 0 {
		n.bitmap |= bit
		n.kids = slices.Insert(n.kids, pos, envSlot{leaf: l})
		return n
	}
	s := n.kids[pos]
	if s.node != nil {
		n.kids[pos] = envSlot{node: b.put(b.own(s.node), l, shift+envBits)}
		return n
	}
	if s.leaf.hash == l.hash {
		// Same hash: replace the name in the chain, or add to it.
		chain := l
		for x := s.leaf; x != nil; x = x.next {
			if x.name != l.name {
				chain = &envLeaf{hash: x.hash, name: x.name, val: x.val, seq: x.seq, next: chain}
			}
		}
		n.kids[pos] = envSlot{leaf: chain}
		return n
	}
	// Two hashes share this slot: push both one level down.
	sub := &envNode{bitmap: uint32(1) << ((s.leaf.hash >> (shift + envBits)) & 31), kids: make([]envSlot, 1, 2)}
	sub.kids[0] = s
	b.made(sub)
	n.kids[pos] = envSlot{node: b.put(sub, l, shift+envBits)}
	return n
}

// made records a node the builder made, to be changed in place.
func (b *envBuilder) made(n *envNode) {
	if b.n < len(b.fresh) {
		b.fresh[b.n] = n
		b.n++
	}
}

func (n *envNode) put(l *envLeaf, shift uint) (*envNode, bool) {
	bit := uint32(1) << ((l.hash >> shift) & 31)
	pos := bits.OnesCount32(n.bitmap & (bit - 1))
	out := &envNode{bitmap: n.bitmap | bit}
	if n.bitmap&bit == 0 {
		out.kids = make([]envSlot, len(n.kids)+1)
		copy(out.kids, n.kids[:pos])
		out.kids[pos] = envSlot{leaf: l}
		copy(out.kids[pos+1:], n.kids[pos:])
		return out, true
	}
	out.kids = slices.Clone(n.kids)
	s := n.kids[pos]
	switch {
	case s.node != nil:
		sub, added := s.node.put(l, shift+envBits)
		out.kids[pos] = envSlot{node: sub}
		return out, added
	case s.leaf.hash == l.hash:
		// Same hash: replace the name in the chain, or add to it.
		chain, added := l, true
		for x := s.leaf; x != nil; x = x.next {
			if x.name == l.name {
				added = false
				continue
			}
			chain = &envLeaf{hash: x.hash, name: x.name, val: x.val, seq: x.seq, next: chain}
		}
		out.kids[pos] = envSlot{leaf: chain}
		return out, added
	default:
		// Two hashes share this slot: push both one level down.
		sub, _ := (&envNode{}).putChain(s.leaf, shift+envBits)
		sub, _ = sub.put(l, shift+envBits)
		out.kids[pos] = envSlot{node: sub}
		return out, true
	}
}

// putChain puts a whole chain of same-hash leaves.
func (n *envNode) putChain(l *envLeaf, shift uint) (*envNode, bool) {
	bit := uint32(1) << ((l.hash >> shift) & 31)
	return &envNode{bitmap: bit, kids: []envSlot{{leaf: l}}}, true
}

// Lookup finds the value bound to name.
func (e Env) Lookup(name string) (lang.Value, bool) {
	for f := e.top; f != nil; f = f.next {
		if f.name == name {
			return f.val, true
		}
	}
	if e.root == nil {
		return nil, false
	}
	return e.root.get(name, envHash(name))
}

// get finds the value bound to name, whose hash is h, in the trie under n.
func (n *envNode) get(name string, h uint64) (lang.Value, bool) {
	for shift := uint(0); ; shift += envBits {
		bit := uint32(1) << ((h >> shift) & 31)
		if n.bitmap&bit == 0 {
			return nil, false
		}
		s := n.kids[bits.OnesCount32(n.bitmap&(bit-1))]
		if s.node != nil {
			n = s.node
			continue
		}
		for x := s.leaf; x != nil; x = x.next {
			if x.hash == h && x.name == name {
				return x.val, true
			}
		}
		return nil, false
	}
}

// each calls f for every binding, hidden ones included: the trie's, then
// the frames' from oldest to newest.
func (e Env) each(f func(name string, v lang.Value, seq uint64)) {
	var walk func(n *envNode)
	walk = func(n *envNode) {
		for _, s := range n.kids {
			if s.node != nil {
				walk(s.node)
				continue
			}
			for x := s.leaf; x != nil; x = x.next {
				f(x.name, x.val, x.seq)
			}
		}
	}
	if e.root != nil {
		walk(e.root)
	}
	var fs [maxFrames]*envFrame
	k := 0
	for fr := e.top; fr != nil; fr = fr.next {
		fs[k] = fr
		k++
	}
	for i := k - 1; i >= 0; i-- {
		f(fs[i].name, fs[i].val, fs[i].seq)
	}
}

// Names lists the bound names, each once, in the order they were last bound.
func (e Env) Names() []string {
	type named struct {
		name string
		seq  uint64
	}
	last := make(map[string]uint64, e.n)
	e.each(func(name string, _ lang.Value, seq uint64) { last[name] = max(last[name], seq) })
	ls := make([]named, 0, len(last))
	for name, seq := range last {
		ls = append(ls, named{name, seq})
	}
	slices.SortFunc(ls, func(a, b named) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.name
	}
	return out
}

// Dictionary is the environment as a dictionary with symbol keys ($.).
func (e Env) Dictionary() *lang.Dictionary {
	kvs := make([]lang.Value, 0, 2*e.n)
	// Later keys replace earlier ones: a frame's binding hides the trie's.
	e.each(func(name string, v lang.Value, _ uint64) { kvs = append(kvs, lang.Symbol(name), v) })
	return lang.DictionaryOf(kvs...)
}
