//go:build unix && !linux

package stdlib

import (
	"io"
	"os"
	"time"
)

// outputEnd is our end of an output pipe, read by a goroutine of its own
// (Linux reads all of them in one epoll loop instead).
type outputEnd = *pipeReader

// newOutputPipe makes an output pipe: our read end and the child's end.
func newOutputPipe() (outputEnd, *os.File, error) {
	rd, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	return &pipeReader{f: rd}, w, nil
}

func (p *pipeReader) close() { p.f.Close() }

// readOutputs reads ends, named by streams, line by line into out, and calls
// finished once every one has ended. The function it returns is called
// when the process has exited: the pipes are then read for as long as
// output keeps coming, at most drainMax, and closed.
func readOutputs(out *processOutput, streams []string, ends []outputEnd, finished func()) (exited func()) {
	rs := make([]io.Reader, len(ends))
	for i, e := range ends {
		rs[i] = e
	}
	closeAll := func() {
		for _, e := range ends {
			e.close() // a second close of an os.File does nothing
		}
	}
	pumpLines(out, streams, rs, func() {
		closeAll()
		finished()
	})
	return func() {
		for _, e := range ends {
			e.drain()
		}
		time.AfterFunc(drainMax, closeAll)
	}
}
