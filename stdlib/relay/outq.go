package relay

import (
	"io"
	"sync"
)

// DefaultMaxOutbound bounds the bytes waiting to be written to a peer
// (16 MB). A peer that does not read cannot make the relay hold more: past
// the bound its session is dropped.
const DefaultMaxOutbound = 16 << 20

// outq is the bounded queue of bytes between a session (on the scheduler's
// goroutine) and the goroutine writing to the peer. Writes are batched: the
// writer takes everything queued at once.
type outq struct {
	mu     sync.Mutex
	buf    []byte
	spare  []byte
	max    int
	closed bool
	wake   chan struct{}
	// frames, if not nil, holds the length of each packet in buf: a
	// message transport (WebSocket) writes one packet per message.
	frames []int
	frame  bool
}

func newOutq(max int, frame bool) *outq {
	if max <= 0 {
		max = DefaultMaxOutbound
	}
	return &outq{max: max, frame: frame, wake: make(chan struct{}, 1)}
}

// push queues b; it reports false if that would pass the bound.
func (q *outq) push(b []byte) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return true
	}
	if len(q.buf)+len(b) > q.max {
		q.mu.Unlock()
		return false
	}
	q.buf = append(q.buf, b...)
	if q.frame {
		q.frames = append(q.frames, len(b))
	}
	q.mu.Unlock()
	q.signal()
	return true
}

func (q *outq) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close ends the queue: the writer writes what is left, then stops.
func (q *outq) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

// pending is the number of bytes queued.
func (q *outq) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.buf)
}

// run writes queued bytes to w until the queue is closed and empty or a
// write fails.
func (q *outq) run(w io.Writer) error {
	for range q.wake {
		for {
			q.mu.Lock()
			b, closed, frames := q.buf, q.closed, q.frames
			q.buf = q.spare[:0]
			q.spare = nil
			q.frames = nil
			q.mu.Unlock()
			if len(b) == 0 {
				if closed {
					return nil
				}
				break
			}
			if frames == nil {
				if _, err := w.Write(b); err != nil {
					return err
				}
			}
			rest := b
			for _, n := range frames {
				if _, err := w.Write(rest[:n]); err != nil {
					return err
				}
				rest = rest[n:]
			}
			q.mu.Lock()
			if cap(b) <= 1<<20 {
				q.spare = b[:0] // reuse a modest buffer; give a big one back
			}
			q.mu.Unlock()
		}
	}
	return nil
}
