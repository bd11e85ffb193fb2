//go:build linux

package stdlib

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestOutputLoopDescriptorReuse: processes come and go in waves, each wave
// made while the last one's pipes are being closed and drained, so the
// kernel hands the new pipes the descriptors the loop has just closed (the
// loop keys its streams by descriptor). Every stream must get exactly its
// own lines: none of a stream that used the descriptor before, none lost
// to a stale registration, and every process must finish.
func TestOutputLoopDescriptorReuse(t *testing.T) {
	waves, procs := 12, 24
	if testing.Short() {
		waves = 4
	}
	var pending []*loopSink
	var prevExit []func()
	for wave := range waves {
		var sinks []*loopSink
		var exits []func()
		var wg sync.WaitGroup
		for p := range procs {
			k := newLoopSink(false)
			sinks = append(sinks, k)
			ws, exited := k.pipes(t, "stdout", "stderr")
			exits = append(exits, exited)
			for i, w := range ws {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := range 20 {
						_, err := fmt.Fprintf(w, "wave %d proc %d stream %d line %d\n", wave, p, i, n)
						if err != nil {
							t.Error(err)
							return
						}
					}
					// The last line unterminated: flushed at the end.
					_, _ = fmt.Fprintf(w, "wave %d proc %d stream %d end", wave, p, i)
					w.Close()
				}()
			}
		}
		// The previous wave "exits" while this one writes: its drains
		// close descriptors as this wave's are registered.
		for _, exited := range prevExit {
			exited()
		}
		wg.Wait()
		pending = append(pending, sinks...)
		prevExit = exits
	}
	for _, exited := range prevExit {
		exited()
	}
	for idx, k := range pending {
		wave, p := idx/procs, idx%procs
		waitClosed(t, k.finished, 10*time.Second, fmt.Sprintf("wave %d proc %d finished", wave, p))
		k.mu.Lock()
		for i, stream := range []string{"stdout", "stderr"} {
			got := k.lines[stream]
			require.Len(t, got, 21, "wave %d proc %d %s: %q", wave, p, stream, got)
			for n := range 20 {
				require.Equal(t, fmt.Sprintf("wave %d proc %d stream %d line %d\n", wave, p, i, n), got[n])
			}
			require.Equal(t, fmt.Sprintf("wave %d proc %d stream %d end", wave, p, i), got[20])
		}
		k.mu.Unlock()
	}
}

// Output already in the pipe when the process exits is read, however busy
// the loop is: a quiet period counts from the last read, and a pipe with
// data waiting is not quiet. Here the loop is held up (as a loaded machine
// or a burst of other daemons holds it) for longer than drainQuiet between
// the exit and its next read; the lines written before the exit, and the
// end of file after them, must still arrive. (The last lines of a process
// that exits are often the ones that say why.)
func TestOutputLoopReadsWhatWasWrittenBeforeTheExit(t *testing.T) {
	pl, err := outputLoop()
	require.NoError(t, err)
	for _, closed := range []bool{true, false} {
		t.Run(fmt.Sprintf("writer closed=%v", closed), func(t *testing.T) {
			gate := make(chan struct{})
			pl.do(func() { <-gate }) // hold the loop until everything is queued
			k := newLoopSink(false)
			ws, exited := k.pipes(t, "stdout")
			_, err := ws[0].WriteString("the last words\nof a daemon\n")
			require.NoError(t, err)
			if closed {
				ws[0].Close()
			}
			exited()
			pl.do(func() { time.Sleep(4 * drainQuiet) }) // busy past the quiet period
			close(gate)
			waitClosed(t, k.finished, drainMax+5*time.Second, "finished")
			k.mu.Lock()
			defer k.mu.Unlock()
			require.Equal(t, []string{"the last words\n", "of a daemon\n"}, k.lines["stdout"])
		})
	}
}
