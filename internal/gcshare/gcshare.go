// Package gcshare measures, inside a benchmark, what the Go garbage
// collector costs. Start and Report give the collector's own share of CPU
// time beside the speed; Off runs a benchmark with the collector off, so
// that 1 - (time with it off) / (time with it on), both in one run, is the
// share of wall-clock time it costs — the issue's "GC share" (its "GOGC=off
// speed-up"), which is the larger: the CPU share leaves out what its write
// barriers, its allocation of black objects and the caches it disturbs cost
// the loop. Report also gives speed by CPU time rather than wall time: on a
// shared, loaded machine, time a benchmark spends waiting for a core is not
// its own.
package gcshare

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

var names = []string{"/cpu/classes/gc/total:cpu-seconds", "/cpu/classes/user:cpu-seconds"}

// Meter is a measurement in progress.
type Meter struct {
	start            [2]float64
	thread0, process time.Duration
	bytes            int64
}

// Start begins measuring: call it after the benchmark's set-up, just before
// its loop. It collects garbage first so that the set-up is not charged.
// bytes is what one iteration processes (as for b.SetBytes).
func Start(bytes int64) *Meter {
	runtime.GC()
	runtime.LockOSThread() // the loop runs on this thread: its CPU time is the loop's
	m := &Meter{bytes: bytes}
	m.start = read()
	m.thread0, m.process = cpuTime()
	return m
}

// Report ends the measurement and reports, for b's iterations:
//
//   - "gc-%": GC CPU time as a percentage of GC plus user CPU time (the
//     runtime's own accounting);
//   - "cpu-MB/s": bytes per second of all the process's CPU time (the loop
//     and the collector's workers on other threads);
//   - "thread-MB/s": bytes per second of the loop's thread's CPU time (the
//     loop, with the collector's assists but not its background work).
func (m *Meter) Report(b *testing.B) {
	b.StopTimer()
	thread1, process1 := cpuTime()
	runtime.UnlockOSThread()
	runtime.GC() // the runtime's CPU classes are brought up to date at GC
	end := read()
	gc, user := end[0]-m.start[0], end[1]-m.start[1]
	if gc+user > 0 {
		b.ReportMetric(100*gc/(gc+user), "gc-%")
	}
	n := float64(b.N) * float64(m.bytes) / 1e6
	if d := process1 - m.process; d > 0 && m.bytes > 0 {
		b.ReportMetric(n/d.Seconds(), "cpu-MB/s")
	}
	if d := thread1 - m.thread0; d > 0 && m.bytes > 0 {
		b.ReportMetric(n/d.Seconds(), "thread-MB/s")
	}
}

func read() [2]float64 {
	s := make([]metrics.Sample, len(names))
	for i, n := range names {
		s[i].Name = n
	}
	metrics.Read(s)
	var out [2]float64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindFloat64 {
			out[i] = s[i].Value.Float64()
		}
	}
	return out
}

// offLimit is how much a benchmark run by Off may allocate between its
// collections.
const offLimit = 256 << 20

// Off turns the garbage collector off for the rest of the benchmark, and
// returns a function to call once per iteration: it collects (with the timer
// stopped) whenever offLimit bytes have been allocated since the last
// collection, so memory stays bounded. The benchmark then runs at the speed it
// would have without GC; 1 - (its ns/op) / (the same benchmark's ns/op with GC
// on) is the wall-clock GC share the "GOGC=off speed-up" measures.
//
// Two things keep the twin from being slower than a run without a collector
// would be, which would understate the share: the heap's pages are faulted in
// first (warm), as a run with the collector on has them after its first
// cycles, and the allocation count is read after every iteration until
// iterations prove small, so a benchmark that allocates 100 MB an iteration
// is collected at the limit instead of growing into fresh pages from the
// kernel between sparse checks.
func Off(b *testing.B) func() {
	old := debug.SetGCPercent(-1)
	b.Cleanup(func() { debug.SetGCPercent(old) })
	warm(offLimit)
	runtime.GC()
	return offTicker(offLimit, allocated, func() {
		b.StopTimer()
		runtime.GC()
		b.StartTimer()
	})
}

// offTicker returns the per-iteration function of Off: collect runs once
// more than limit bytes (as counted by allocs) have been allocated since the
// last collection. allocs is read after every iteration at first; while
// iterations allocate under 1/64 of the limit, after every second, fourth …
// up to every 16th.
func offTicker(limit uint64, allocs func() uint64, collect func()) func() {
	last := allocs()
	checked, every, n := last, 1, 0
	return func() {
		n++
		if n < every {
			return
		}
		n = 0
		now := allocs()
		if now-last > limit {
			collect()
			last = allocs()
			now = last
		}
		if per := (now - checked) / uint64(every); per < limit/64 {
			every = min(2*every, 16)
		} else {
			every = 1
		}
		checked = now
	}
}

// allocated is the bytes allocated on the heap so far.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// warm faults in n bytes of heap pages and drops them: with the collector
// off the heap keeps them (nothing scavenges toward a goal), so the
// benchmark's allocations reuse them as a collected heap would.
func warm(n int) {
	const chunk = 4 << 20
	bufs := make([][]byte, 0, n/chunk)
	for range n / chunk {
		buf := make([]byte, chunk)
		for i := 0; i < len(buf); i += 4096 {
			buf[i] = 1
		}
		bufs = append(bufs, buf)
	}
	runtime.KeepAlive(bufs)
}

// ProcessCPU is the CPU time (user and system) the process has used so far,
// its collector's workers included; zero where it cannot be read.
func ProcessCPU() time.Duration {
	_, p := cpuTime()
	return p
}
