//go:build !linux

package stdlib

import (
	"io"
	"sync/atomic"
)

// pumpLines reads each of rs, named by streams, with readLines in a
// goroutine of its own; the last to return calls finished.
func pumpLines(out *processOutput, streams []string, rs []io.Reader, finished func()) {
	var left atomic.Int32
	left.Store(int32(len(rs)))
	for i, r := range rs {
		go func() {
			readLines(r, out, streams[i])
			if left.Add(-1) == 0 {
				finished()
			}
		}()
	}
}
