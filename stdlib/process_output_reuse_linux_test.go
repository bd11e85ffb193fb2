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
