package eval

// eventQueue is the scheduler's FIFO of actions: a ring buffer whose
// capacity is a power of two. It grows by doubling and is never shrunk while
// events flow, so a burst costs no re-growth on the next one; Run gives a
// large buffer back only when the system goes idle (see release).
type eventQueue struct {
	buf  []action
	head int
	n    int
}

// keptCapacity is the most an idle queue keeps for reuse; a burst bigger
// than that gives its memory back once the system is idle.
const keptCapacity = 4096

func (q *eventQueue) len() int { return q.n }

func (q *eventQueue) push(a action) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = a
	q.n++
}

func (q *eventQueue) grow() {
	nb := make([]action, max(64, 2*len(q.buf)))
	k := copy(nb, q.buf[q.head:])
	copy(nb[k:], q.buf[:q.head])
	q.buf, q.head = nb, 0
}

// pop removes the oldest action; the queue must not be empty.
func (q *eventQueue) pop() action {
	a := q.buf[q.head]
	q.buf[q.head] = action{}
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	return a
}

// release gives back a large buffer when the queue is empty.
func (q *eventQueue) release() {
	if q.n == 0 && len(q.buf) > keptCapacity {
		q.buf, q.head = nil, 0
	}
}
