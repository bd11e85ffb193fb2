package eval

// eventQueue is the scheduler's FIFO of actions: a ring buffer whose
// capacity is a power of two. It grows by doubling and is never shrunk while
// events flow, so a burst costs no re-growth on the next one; Run gives a
// large buffer back only when the system goes idle (see release).
//
// Actions are written in place (slot) and read in place (take): an action
// is never copied on its way through. A taken slot is not cleared at once;
// sweep clears the taken slots in bulk (after each batch of turns), so the
// values they refer to stay reachable at most until then.
type eventQueue struct {
	buf  []action
	head int
	n    int
	// taken counts the actions ever taken; sweptTo is what it was at the
	// last sweep (or growth). The slots taken in between hold stale
	// actions, except those appended to since (see sweep).
	taken, sweptTo uint64
}

// keptCapacity is the most an idle queue keeps for reuse; a burst bigger
// than that gives its memory back once the system is idle.
const keptCapacity = 4096

func (q *eventQueue) len() int { return q.n }

// slot appends an action and returns it for the caller to fill in: every
// field, as the slot may hold an old action.
func (q *eventQueue) slot() *action {
	if q.n == len(q.buf) {
		q.grow()
	}
	p := &q.buf[(q.head+q.n)&(len(q.buf)-1)]
	q.n++
	return p
}

// push appends a.
func (q *eventQueue) push(a action) { *q.slot() = a }

func (q *eventQueue) grow() {
	nb := make([]action, max(64, 2*len(q.buf)))
	if q.n > 0 {
		end := q.head + q.n
		if end <= len(q.buf) {
			copy(nb, q.buf[q.head:end])
		} else {
			k := copy(nb, q.buf[q.head:])
			copy(nb[k:], q.buf[:end-len(q.buf)])
		}
	}
	q.buf, q.head, q.sweptTo = nb, 0, q.taken
}

// take removes the oldest action and returns a pointer to it in the
// buffer; the queue must not be empty. The action stays readable until the
// queue is next appended to: read what is needed before that.
func (q *eventQueue) take() *action {
	p := &q.buf[q.head]
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	q.taken++
	return p
}

// sweep clears the slots taken since the last sweep, so that the queue
// keeps nothing they referred to alive.
func (q *eventQueue) sweep() {
	// Counting every action ever appended, the k-th went into the slot k
	// mod len(buf) (since the last growth): the ones taken since the last
	// sweep are [sweptTo, taken), and of those, the slots of the ones
	// before appended-len(buf) have been appended to again.
	from := q.sweptTo
	if appended := q.taken + uint64(q.n); appended > uint64(len(q.buf)) && appended-uint64(len(q.buf)) > from {
		from = appended - uint64(len(q.buf))
	}
	stale := int(q.taken - from)
	q.sweptTo = q.taken
	if stale <= 0 {
		return
	}
	start := (q.head - stale) & (len(q.buf) - 1)
	if start < q.head {
		clear(q.buf[start:q.head])
	} else {
		clear(q.buf[start:])
		clear(q.buf[:q.head])
	}
}

// release gives back a large buffer when the queue is empty.
func (q *eventQueue) release() {
	if q.n == 0 && len(q.buf) > keptCapacity {
		q.buf, q.head, q.sweptTo = nil, 0, q.taken
	}
}
