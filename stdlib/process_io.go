package stdlib

import (
	"bufio"
	"fmt"
	"io"
	"sync"
)

// MaxLine is the longest output line a process can have delivered whole: a
// longer line is cut at MaxLine bytes and ends with a marker saying how much
// was left out, and reading goes on with the next line.
const MaxLine = 1 << 20

// maxUnconsumed bounds the output of one process that has been read from its
// pipes but not yet handled by the scheduler. Past it, reading pauses, the
// pipe fills and the process blocks in write: pipe backpressure, as s6 and
// syndicate-server's read-a-line-per-turn loop rely on.
const (
	maxUnconsumedBytes = 1 << 20
	maxUnconsumedLines = 256
)

// window counts a process's output in flight between its pipes and the
// scheduler. It is shared by the process's readers.
type window struct {
	mu     sync.Mutex
	cond   *sync.Cond
	bytes  int
	lines  int
	closed bool
}

func newWindow() *window {
	w := &window{}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// acquire waits until n more bytes may be in flight; false if the window
// was closed (nobody will consume the output any more).
func (w *window) acquire(n int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for !w.closed && w.lines > 0 && (w.lines >= maxUnconsumedLines || w.bytes+n > maxUnconsumedBytes) {
		w.cond.Wait()
	}
	if w.closed {
		return false
	}
	w.bytes += n
	w.lines++
	return true
}

func (w *window) release(n int) {
	w.mu.Lock()
	w.bytes -= n
	w.lines--
	w.mu.Unlock()
	w.cond.Broadcast()
}

// close ends waiting for good: later output is read and dropped.
func (w *window) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.cond.Broadcast()
}

// readLines reads r line by line, each line keeping its newline (as
// syndicate-server's read_until does; the last may lack one), and calls emit
// for each, through win. It reads with a small buffer that grows only while a
// long line is being gathered; a line longer than MaxLine is cut, marked and
// the rest of it skipped. It returns at EOF or on a read error (the pipe
// closed under it).
func readLines(r io.Reader, win *window, emit func(line string, release func())) {
	br := bufio.NewReaderSize(r, 512)
	var long []byte // a line longer than the buffer, being gathered
	skipped := 0    // bytes of an over-long line left out
	for {
		chunk, err := br.ReadSlice('\n')
		complete := err == nil
		if len(chunk) > 0 {
			switch {
			case skipped > 0:
				skipped += len(chunk)
			case len(long)+len(chunk) > MaxLine:
				room := MaxLine - len(long)
				long = append(long, chunk[:room]...)
				skipped = len(chunk) - room
			case complete && long == nil:
				send(string(chunk), win, emit) // the common case: one copy
				continue
			default:
				long = append(long, chunk...)
			}
		}
		if complete || (err != nil && err != bufio.ErrBufferFull) {
			if skipped > 0 {
				long = fmt.Appendf(long, "… [line cut at %d bytes: %d more left out]\n", MaxLine, skipped)
			}
			if len(long) > 0 {
				send(string(long), win, emit)
			}
			long, skipped = nil, 0
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

func send(line string, win *window, emit func(string, func())) {
	n := len(line)
	if !win.acquire(n) {
		return // nobody listens any more: drop it, keep the pipe drained
	}
	emit(line, func() { win.release(n) })
}
