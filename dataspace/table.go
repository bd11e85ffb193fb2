package dataspace

import "unsafe"

// hashed is a pointer to an element that knows its own hash.
type hashed[E any] interface {
	*E
	hashKey() uint64
}

// htab is an open-addressing hash set of pointers whose elements carry their
// own hash (linear probing, deletion by backward shift, so no tombstones).
// It costs one pointer per slot, at most three quarters full; it grows by
// half (so it is on average two thirds full, where doubling leaves it
// between three eighths and three quarters) and shrinks with what it holds.
// Any size will do: an element's home slot is the low 32 bits of its hash
// scaled to the table (multiply and shift), not masked. Equal hashes are
// told apart by the caller's equality test.
type htab[E any, P hashed[E]] struct {
	slots []P
	n     int
}

// find returns the element of hash h that eq accepts, or nil.
func (t *htab[E, P]) find(h uint64, eq func(P) bool) P {
	p, _ := t.findAt(h, eq)
	return p
}

// findAt returns the element of hash h that eq accepts and its slot, for
// removeAt; or nil and -1.
func (t *htab[E, P]) findAt(h uint64, eq func(P) bool) (P, int) {
	p, i := t.findOrHole(h, eq)
	if p == nil {
		return nil, -1
	}
	return p, i
}

// findOrHole returns the element of hash h that eq accepts and its slot,
// or, on a miss, nil and the empty slot where an element of hash h would
// go, for insertAt (-1 if the table has no slots).
func (t *htab[E, P]) findOrHole(h uint64, eq func(P) bool) (P, int) {
	n := len(t.slots)
	if n == 0 {
		return nil, -1
	}
	for i := home(h, n); ; {
		p := t.slots[i]
		if p == nil {
			return nil, i
		}
		if p.hashKey() == h && eq(p) {
			return p, i
		}
		if i++; i == n {
			i = 0
		}
	}
}

// insertAt adds p, which must not be present, into hole as findOrHole
// found it for p's hash, the table unchanged since (-1: find its place).
func (t *htab[E, P]) insertAt(hole int, p P) {
	if hole < 0 || (t.n+1)*4 > len(t.slots)*3 {
		t.insert(p) // the table grows: p's place moves
		return
	}
	t.slots[hole] = p
	t.n++
}

// insertNew adds p unless an element of its hash that eq accepts is
// present; it reports whether it added p.
func (t *htab[E, P]) insertNew(p P, eq func(P) bool) bool {
	t.reserve()
	q, hole := t.findOrHole(p.hashKey(), eq)
	if q != nil {
		return false
	}
	t.slots[hole] = p
	t.n++
	return true
}

// reserve makes room for one more element: the table grows by half when
// it would be over three quarters full.
func (t *htab[E, P]) reserve() {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.resize(max(8, len(t.slots)+len(t.slots)/2))
	}
}

// home is the slot of hash h in a table of n slots.
func home(h uint64, n int) int { return int(uint64(uint32(h)) * uint64(n) >> 32) }

// insert adds p, which must not be present.
func (t *htab[E, P]) insert(p P) {
	t.reserve()
	t.place(p)
	t.n++
}

func (t *htab[E, P]) place(p P) {
	n := len(t.slots)
	i := home(p.hashKey(), n)
	for t.slots[i] != nil {
		if i++; i == n {
			i = 0
		}
	}
	t.slots[i] = p
}

// remove takes p (this very element) out; it is a no-op if p is absent.
func (t *htab[E, P]) remove(p P) {
	if t.n == 0 {
		return
	}
	n := len(t.slots)
	i := home(p.hashKey(), n)
	for t.slots[i] != p {
		if t.slots[i] == nil {
			return
		}
		if i++; i == n {
			i = 0
		}
	}
	t.removeAt(i)
}

// removeAt takes out the element in slot i (as findAt found it, the table
// unchanged since).
func (t *htab[E, P]) removeAt(i int) {
	n := len(t.slots)
	// Shift back the elements after the hole that may live there.
	j := i
	for {
		if j++; j == n {
			j = 0
		}
		q := t.slots[j]
		if q == nil {
			break
		}
		// The element at j stays if its home lies cyclically in (i, j].
		if k := home(q.hashKey(), n); i <= j && i < k && k <= j || i > j && (i < k || k <= j) {
			continue
		}
		t.slots[i] = q
		i = j
	}
	t.slots[i] = nil
	t.n--
	if len(t.slots) > minShrink && t.n*8 < len(t.slots) {
		t.resize(len(t.slots) / 2)
	}
}

// minShrink is the size below which a table does not shrink, so that one
// that fills and empties again and again (a batch of assertions made and
// retracted) is not rebuilt each time.
const minShrink = 256

func (t *htab[E, P]) resize(n int) {
	old := t.slots
	t.slots = make([]P, n)
	for _, p := range old {
		if p != nil {
			t.place(p)
		}
	}
}

// each calls f with every element, in no particular order.
func (t *htab[E, P]) each(f func(P)) {
	for _, p := range t.slots {
		if p != nil {
			f(p)
		}
	}
}

// pool hands out elements carved from chunks (as many as are in use, from 4
// up to chunkLen), and takes back the ones no longer used to hand out
// again: one allocation per chunk instead of one per element. Its free list
// is dropped when it outgrows what is in use, so the chunks that hold
// nothing live can be collected.
type pool[E any] struct {
	chunk []E
	free  []*E
	live  int
}

// chunkBytes is what a pool's chunk takes: a size class of the allocator,
// with room for the 8-byte header it puts before an object of more than
// 512 bytes that holds pointers (a chunk of 32 56-byte entries, 1,792
// bytes, took 2,048 with it: 64 bytes an entry).
const chunkBytes = 4096 - 8

// chunkLen is how many elements of type E a chunk holds.
func chunkLen[E any]() int {
	var e E
	return max(1, chunkBytes/int(unsafe.Sizeof(e)))
}

func (p *pool[E]) get() *E {
	p.live++
	if n := len(p.free); n > 0 {
		e := p.free[n-1]
		p.free = p.free[:n-1]
		return e
	}
	if len(p.chunk) == 0 {
		// Chunks grow with the pool, so that the many dataspaces that
		// never hold more than a few values (a client's reply
		// dataspace) do not each keep a full chunk.
		p.chunk = make([]E, min(chunkLen[E](), max(4, p.live)))
	}
	e := &p.chunk[0]
	p.chunk = p.chunk[1:]
	return e
}

// put takes back e, which the caller no longer refers to, cleared.
func (p *pool[E]) put(e *E) {
	var zero E
	*e = zero
	p.live--
	if len(p.free) >= 1024 && len(p.free) > p.live {
		p.free = nil // let the collector have the chunks nothing uses
	}
	p.free = append(p.free, e)
}
