//go:build linux

package stdlib

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// loopSink is a processOutput for the output loop's tests: it keeps the
// lines of each stream, and releases them at once or when told.
type loopSink struct {
	out      *processOutput
	mu       sync.Mutex
	lines    map[string][]string
	held     []int // sizes of lines not yet released
	hold     bool
	finished chan struct{}
}

func newLoopSink(hold bool) *loopSink {
	k := &loopSink{lines: map[string][]string{}, hold: hold, finished: make(chan struct{})}
	k.out = &processOutput{win: newWindow()}
	k.out.emit = func(stream, line string) {
		k.mu.Lock()
		k.lines[stream] = append(k.lines[stream], line)
		if k.hold {
			k.held = append(k.held, len(line))
			k.mu.Unlock()
			return
		}
		k.mu.Unlock()
		k.out.win.release(len(line))
	}
	return k
}

func (k *loopSink) count(stream string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.lines[stream])
}

// releaseAll releases the lines held, and stops holding.
func (k *loopSink) releaseAll() {
	k.mu.Lock()
	held := k.held
	k.held, k.hold = nil, false
	k.mu.Unlock()
	for _, n := range held {
		k.out.win.release(n)
	}
}

// pipes makes n output pipes and hands them to the loop; it returns the
// write ends and the function to call at the process's "exit".
func (k *loopSink) pipes(t *testing.T, streams ...string) ([]*os.File, func()) {
	t.Helper()
	var ends []outputEnd
	var ws []*os.File
	for range streams {
		e, w, err := newOutputPipe()
		require.NoError(t, err)
		ends = append(ends, e)
		ws = append(ws, w)
		t.Cleanup(func() { w.Close() })
	}
	exited := readOutputs(k.out, streams, ends, func() { close(k.finished) })
	return ws, exited
}

func waitClosed(t *testing.T, ch chan struct{}, within time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(within):
		t.Fatalf("%s not within %s", what, within)
	}
}

// Many streams written at once, in writes that cut lines anywhere: each
// stream's lines arrive whole and in order, and the process is finished
// once every pipe is closed.
func TestOutputLoopLinesInOrder(t *testing.T) {
	const procs, lines = 20, 500
	var sinks []*loopSink
	var wg sync.WaitGroup
	for p := range procs {
		k := newLoopSink(false)
		sinks = append(sinks, k)
		ws, _ := k.pipes(t, "stdout", "stderr")
		for i, w := range ws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var b strings.Builder
				for n := range lines {
					fmt.Fprintf(&b, "proc %d stream %d line %d %s\n", p, i, n, strings.Repeat("z", n%97))
				}
				text := b.String()
				for cut := 1; len(text) > 0; cut = cut*3 + 1 {
					chunk := text[:min(cut%4000+1, len(text))]
					text = text[len(chunk):]
					_, err := w.WriteString(chunk)
					assert.NoError(t, err)
				}
				w.Close()
			}()
		}
	}
	wg.Wait()
	for p, k := range sinks {
		waitClosed(t, k.finished, 10*time.Second, "finished")
		for i, stream := range []string{"stdout", "stderr"} {
			got := k.lines[stream]
			require.Len(t, got, lines)
			for n, line := range got {
				require.Equal(t, fmt.Sprintf("proc %d stream %d line %d %s\n", p, i, n, strings.Repeat("z", n%97)), line)
			}
		}
	}
}

// A stream is read no further than its window while nothing is consumed:
// the pipe fills and the writer blocks; once lines are consumed, the rest
// follows in order.
func TestOutputLoopBackpressure(t *testing.T) {
	k := newLoopSink(true)
	ws, _ := k.pipes(t, "stdout")
	const total = 100000 // 200 KB: more than a pipe and the loop's buffer hold
	wrote := make(chan struct{})
	go func() {
		_, _ = ws[0].WriteString(strings.Repeat("y\n", total))
		ws[0].Close()
		close(wrote)
	}()
	require.Eventually(t, func() bool { return k.count("stdout") == maxUnconsumedLines }, 5*time.Second, time.Millisecond)
	select {
	case <-wrote:
		t.Fatal("the writer was not held back")
	case <-time.After(100 * time.Millisecond):
	}
	assert.Equal(t, maxUnconsumedLines, k.count("stdout"), "read past the window while nothing was consumed")
	k.releaseAll()
	waitClosed(t, wrote, 10*time.Second, "the writer's end")
	waitClosed(t, k.finished, 10*time.Second, "finished")
	assert.Equal(t, total, k.count("stdout"))
}

// After the process's exit, a pipe someone else still holds (a grandchild)
// is read while output comes and closed once quiet; the line it was
// writing is sent as it is.
func TestOutputLoopDrainsAfterExit(t *testing.T) {
	k := newLoopSink(false)
	ws, exited := k.pipes(t, "stdout", "stderr")
	_, err := ws[0].WriteString("whole\npartial")
	require.NoError(t, err)
	ws[1].Close()
	require.Eventually(t, func() bool { return k.count("stdout") == 1 }, 5*time.Second, time.Millisecond)
	start := time.Now()
	exited()
	waitClosed(t, k.finished, drainMax/2, "finished once quiet")
	t.Logf("closed %s after the exit", time.Since(start))
	assert.Equal(t, []string{"whole\n", "partial"}, k.lines["stdout"])
	_, err = ws[0].WriteString("late\n")
	assert.Error(t, err, "our end is closed")
}

// A pipe that does not go quiet is closed drainMax after the exit: here a
// writer held back by a full window (a stream waiting for the scheduler is
// not "quiet"). The lines already read are still sent.
func TestOutputLoopDrainEnds(t *testing.T) {
	k := newLoopSink(true)
	ws, exited := k.pipes(t, "stdout")
	wrote := make(chan error, 1)
	go func() {
		_, err := ws[0].WriteString(strings.Repeat("y\n", 100000))
		wrote <- err
	}()
	require.Eventually(t, func() bool { return k.count("stdout") == maxUnconsumedLines }, 5*time.Second, time.Millisecond)
	start := time.Now()
	exited()
	select {
	case err := <-wrote:
		took := time.Since(start)
		t.Logf("our end closed %s after the exit", took)
		assert.Error(t, err, "the writer finds the pipe closed")
		assert.GreaterOrEqual(t, took, drainMax-10*time.Millisecond)
	case <-time.After(drainMax + 5*time.Second):
		t.Fatal("the pipe was not closed")
	}
	k.releaseAll()
	waitClosed(t, k.finished, 5*time.Second, "finished")
	assert.Greater(t, k.count("stdout"), maxUnconsumedLines, "the lines read before the close are sent")
	assert.Less(t, k.count("stdout"), 100000)
}

// Once nobody listens (the window is closed), lines are dropped and the
// pipe is still read to its end.
func TestOutputLoopClosedWindowDrains(t *testing.T) {
	k := newLoopSink(true)
	ws, _ := k.pipes(t, "stdout")
	wrote := make(chan struct{})
	go func() {
		_, _ = ws[0].WriteString(strings.Repeat("y\n", 100000))
		ws[0].Close()
		close(wrote)
	}()
	require.Eventually(t, func() bool { return k.count("stdout") == maxUnconsumedLines }, 5*time.Second, time.Millisecond)
	k.out.win.close()
	waitClosed(t, wrote, 10*time.Second, "the writer's end")
	waitClosed(t, k.finished, 10*time.Second, "finished")
	assert.Equal(t, maxUnconsumedLines, k.count("stdout"))
}

// Running daemons cost no goroutine each: 100 processes that print a line
// and sleep add a handful of goroutines (the loop, the reaper), not one or
// two per process; stopping them ends every one, and the system with them.
func TestDaemonsTakeNoGoroutineEach(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 100 processes; skipped with -short")
	}
	const n = 100
	before := runtime.NumGoroutine()
	sys := eval.NewSystem(nil)
	runner := &OSRunner{Grace: time.Second}
	var mu sync.Mutex
	up := 0
	var root *eval.Facet
	sys.Spawn("test", func(t *eval.Turn) {
		root = t.NewFacetHeld(func(t *eval.Turn) {
			for range n {
				_, stop, _, err := runner.Start(t, ProcessSpec{Argv: []string{"sh", "-c", "echo up; exec sleep 1000"}}, ProcessEvents{
					Output: func(t *eval.Turn, stream, line string) {
						mu.Lock()
						if stream == "stdout" && line == "up\n" {
							up++
						}
						mu.Unlock()
					},
					Exit: func(t *eval.Turn, status lang.Value) {},
				})
				if err != nil {
					t.Fail(err)
					continue
				}
				t.OnStop(func(*eval.Turn) { stop() })
			}
		})
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- sys.Run(ctx) }()
	count := func(p *int) int { mu.Lock(); defer mu.Unlock(); return *p }
	require.Eventually(t, func() bool { return count(&up) == n }, 60*time.Second, 10*time.Millisecond)
	assert.Equal(t, n, runner.Live())
	during := runtime.NumGoroutine()
	t.Logf("goroutines: %d before, %d with %d processes running", before, during, n)
	assert.Less(t, during-before, n/4, "goroutines per running process")
	sys.Post(root, func(t *eval.Turn) { t.StopFacet(root) })
	require.Eventually(t, func() bool { return runner.Live() == 0 }, 30*time.Second, 10*time.Millisecond)
	select {
	case err := <-ran:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the system still runs once every process has exited")
	}
}
