package dataspace

// hashed is a pointer to an element that knows its own hash.
type hashed[E any] interface {
	*E
	hashKey() uint64
}

// htab is an open-addressing hash set of pointers whose elements carry their
// own hash (linear probing, deletion by backward shift, so no tombstones).
// It costs one pointer per slot, at most three quarters full; it grows and
// shrinks with what it holds. Equal hashes are told apart by the caller's
// equality test.
type htab[E any, P hashed[E]] struct {
	slots []P
	n     int
}

// find returns the element of hash h that eq accepts, or nil.
func (t *htab[E, P]) find(h uint64, eq func(P) bool) P {
	if t.n == 0 {
		return nil
	}
	m := len(t.slots) - 1
	for i := int(h) & m; ; i = (i + 1) & m {
		p := t.slots[i]
		if p == nil {
			return nil
		}
		if p.hashKey() == h && eq(p) {
			return p
		}
	}
}

// insert adds p, which must not be present.
func (t *htab[E, P]) insert(p P) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.resize(max(8, 2*len(t.slots)))
	}
	t.place(p)
	t.n++
}

func (t *htab[E, P]) place(p P) {
	m := len(t.slots) - 1
	i := int(p.hashKey()) & m
	for t.slots[i] != nil {
		i = (i + 1) & m
	}
	t.slots[i] = p
}

// remove takes p (this very element) out; it is a no-op if p is absent.
func (t *htab[E, P]) remove(p P) {
	if t.n == 0 {
		return
	}
	m := len(t.slots) - 1
	i := int(p.hashKey()) & m
	for t.slots[i] != p {
		if t.slots[i] == nil {
			return
		}
		i = (i + 1) & m
	}
	// Shift back the elements after the hole that may live there.
	for j := (i + 1) & m; t.slots[j] != nil; j = (j + 1) & m {
		home := int(t.slots[j].hashKey()) & m
		// The element at j stays if its home lies cyclically in (i, j].
		if i <= j && i < home && home <= j || i > j && (i < home || home <= j) {
			continue
		}
		t.slots[i] = t.slots[j]
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
// up to poolChunk), and takes back the ones no longer used to hand out
// again: one allocation per chunk instead of one per element. Its free list
// is dropped when it outgrows what is in use, so the chunks that hold
// nothing live can be collected.
type pool[E any] struct {
	chunk []E
	free  []*E
	live  int
}

const poolChunk = 32

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
		// dataspace) do not each keep a chunk of 32.
		p.chunk = make([]E, min(poolChunk, max(4, p.live)))
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
