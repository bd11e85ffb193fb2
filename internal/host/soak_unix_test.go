//go:build unix

package host_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/host"
)

// soakSample is what the soak test watches of its own process.
type soakSample struct {
	heap       uint64 // live heap after a GC, bytes
	goroutines int
	fds        int
	threads    int
}

func takeSample(t *testing.T) soakSample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc here")
	}
	threads := 0
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "Threads:") {
				fmt.Sscan(strings.TrimPrefix(l, "Threads:"), &threads)
			}
		}
	}
	return soakSample{ms.HeapAlloc, runtime.NumGoroutine(), len(fds), threads}
}

// 50 daemons crash-looping for 60 s (one exit a second each, 3,000 process
// lifetimes): after the first 10 s, live heap, file descriptors, goroutines
// and OS threads stay flat (issue 17's soak test). Skipped with -short.
func TestSoakCrashLoopingDaemons(t *testing.T) {
	if testing.Short() {
		t.Skip("a 60 s soak; skipped with -short")
	}
	const daemons = 50
	soak, settle := 60*time.Second, 10*time.Second
	var b strings.Builder
	for i := range daemons {
		fmt.Fprintf(&b, "<require-service <daemon <crasher %d>>>\n<daemon <crasher %d> \"echo crashing; exit 1\">\n", i, i)
	}
	h := host.New(host.Options{Out: io.Discard})
	require.NoError(t, h.RunSource("soak.pr", []byte(b.String()), h.Env()))
	h.Sys.Hold()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = h.Run(ctx); close(done) }()
	defer func() {
		h.Sys.Shutdown()
		h.Sys.Release()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			h.KillProcesses()
		}
		cancel()
	}()

	time.Sleep(settle)
	base := takeSample(t)
	peak := base
	for end := time.Now().Add(soak - settle); time.Now().Before(end); time.Sleep(5 * time.Second) {
		s := takeSample(t)
		peak.heap, peak.goroutines = max(peak.heap, s.heap), max(peak.goroutines, s.goroutines)
		peak.fds, peak.threads = max(peak.fds, s.fds), max(peak.threads, s.threads)
	}
	t.Logf("after %s: heap %d KB, %d goroutines, %d fds, %d threads; peak over the next %s: heap %d KB, %d goroutines, %d fds, %d threads",
		settle, base.heap>>10, base.goroutines, base.fds, base.threads, soak-settle, peak.heap>>10, peak.goroutines, peak.fds, peak.threads)
	// A crash loop has up to one run of each daemon in flight at a sample:
	// a process's pipes and readers come and go, so allow for each daemon's
	// run being caught at a different moment, but not for growth.
	assert.LessOrEqual(t, peak.heap, base.heap+base.heap/4+256<<10, "live heap")
	assert.LessOrEqual(t, peak.goroutines, base.goroutines+3*daemons, "goroutines")
	assert.LessOrEqual(t, peak.fds, base.fds+2*daemons+8, "file descriptors")
	assert.LessOrEqual(t, peak.threads, base.threads+4, "OS threads")
}
