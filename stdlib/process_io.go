package stdlib

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/synd-lang/synd/eval"
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
	wake   func() // set by a refused admit: called once room frees or on close
}

func newWindow() *window {
	w := &window{}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// full says whether n more bytes must wait; w.mu is held.
func (w *window) full(n int) bool {
	return w.lines > 0 && (w.lines >= maxUnconsumedLines || w.bytes+n > maxUnconsumedBytes)
}

// acquire waits until n more bytes may be in flight; false if the window
// was closed (nobody will consume the output any more).
func (w *window) acquire(n int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for !w.closed && w.full(n) {
		w.cond.Wait()
	}
	if w.closed {
		return false
	}
	w.bytes += n
	w.lines++
	return true
}

// Outcomes of window.admit.
const (
	admitted    = iota // n more bytes are in flight
	admitClosed        // nobody consumes the output any more: drop it
	admitFull          // wait: wake will be called
)

// admit is acquire without waiting: when the window is full it keeps wake
// and calls it (once, from whoever frees room or closes the window).
func (w *window) admit(n int, wake func()) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.closed:
		return admitClosed
	case w.full(n):
		w.wake = wake
		return admitFull
	}
	w.bytes += n
	w.lines++
	return admitted
}

func (w *window) release(n int) {
	w.mu.Lock()
	w.bytes -= n
	w.lines--
	wake := w.wake
	w.wake = nil
	w.mu.Unlock()
	w.cond.Broadcast()
	if wake != nil {
		wake()
	}
}

// close ends waiting for good: later output is read and dropped.
func (w *window) close() {
	w.mu.Lock()
	w.closed = true
	wake := w.wake
	w.wake = nil
	w.mu.Unlock()
	w.cond.Broadcast()
	if wake != nil {
		wake()
	}
}

// processOutput carries a process's output lines to ev.Output, each in a
// turn of the facet that started the process, through a window that bounds
// what is in flight.
type processOutput struct {
	win  *window
	emit func(stream, line string)
}

// newProcessOutput makes the output of a process started in t: once t's
// facet stops, lines are read and dropped.
func newProcessOutput(t *eval.Turn, ev ProcessEvents) *processOutput {
	sys, facet := t.System(), t.Facet()
	o := &processOutput{win: newWindow()}
	t.OnStop(func(*eval.Turn) { o.win.close() })
	o.emit = func(stream, line string) {
		sys.Post(facet, func(t *eval.Turn) {
			o.win.release(len(line))
			ev.Output(t, stream, line)
		})
	}
	return o
}

// send waits for room for line, then emits it (or drops it, once nobody
// listens, so that the pipe keeps being drained).
func (o *processOutput) send(stream, line string) {
	if o.win.acquire(len(line)) {
		o.emit(stream, line)
	}
}

// lineState gathers a stream's bytes into lines, each keeping its newline
// (as syndicate-server's read_until does; the last may lack one). A line
// being gathered across reads is held in a small buffer that grows with it;
// one longer than MaxLine keeps its first MaxLine bytes and counts the rest.
type lineState struct {
	part    []byte // the start of a line whose end has not been read yet
	skipped int    // bytes of an over-long line left out
}

// next returns the next line that ends in data, with the number of bytes of
// data it took; ok is false when data holds no line end (it was all taken
// into the line being gathered).
func (s *lineState) next(data []byte) (line string, used int, ok bool) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		s.take(data)
		return "", len(data), false
	}
	chunk := data[:i+1]
	if len(s.part) == 0 && s.skipped == 0 && len(chunk) <= MaxLine {
		return string(chunk), i + 1, true // the common case: one copy
	}
	s.take(chunk)
	line, _ = s.flush()
	return line, i + 1, true
}

func (s *lineState) take(chunk []byte) {
	if s.skipped > 0 {
		s.skipped += len(chunk)
		return
	}
	if room := MaxLine - len(s.part); len(chunk) > room {
		s.part = append(s.part, chunk[:room]...)
		s.skipped = len(chunk) - room
		return
	}
	s.part = append(s.part, chunk...)
}

// flush ends the line being gathered (at a newline, or at the end of the
// stream) and returns it, marked if it was cut; ok is false if there is
// none.
func (s *lineState) flush() (line string, ok bool) {
	if len(s.part) == 0 && s.skipped == 0 {
		return "", false
	}
	if s.skipped > 0 {
		s.part = fmt.Appendf(s.part, "… [line cut at %d bytes: %d more left out]\n", MaxLine, s.skipped)
	}
	line = string(s.part)
	if cap(s.part) > 4096 {
		s.part = nil // a long line's buffer is not kept
	} else {
		s.part = s.part[:0]
	}
	s.skipped = 0
	return line, true
}

// readLines reads r line by line with a small buffer and sends each line to
// out as stream (see lineState). It returns at EOF or on a read error (the
// pipe closed under it): the portable way, a goroutine blocked in Read per
// stream.
func readLines(r io.Reader, out *processOutput, stream string) {
	buf := make([]byte, 512)
	var ls lineState
	for {
		n, err := r.Read(buf)
		for data := buf[:n]; len(data) > 0; {
			line, used, ok := ls.next(data)
			data = data[used:]
			if ok {
				out.send(stream, line)
			}
		}
		if err != nil {
			if line, ok := ls.flush(); ok {
				out.send(stream, line)
			}
			return
		}
	}
}
