// Package gcshare measures, inside a benchmark, the share of CPU time the Go
// garbage collector took, so that one `go test -bench` run reports it beside
// the speed (the "GC share" rows) without a second run under GOGC=off.
package gcshare

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

var names = []string{"/cpu/classes/gc/total:cpu-seconds", "/cpu/classes/user:cpu-seconds"}

// Meter is a measurement in progress.
type Meter struct{ start [2]float64 }

// Start begins measuring: call it after the benchmark's set-up, just before
// its loop. It collects garbage first so that the set-up is not charged.
func Start() *Meter {
	runtime.GC()
	m := &Meter{}
	m.start = read()
	return m
}

// Report ends the measurement and reports the metric "gc-%": GC CPU time as
// a percentage of GC plus user CPU time over the loop.
func (m *Meter) Report(b *testing.B) {
	b.StopTimer()
	runtime.GC() // the runtime's CPU classes are brought up to date at GC
	end := read()
	gc, user := end[0]-m.start[0], end[1]-m.start[1]
	if gc+user > 0 {
		b.ReportMetric(100*gc/(gc+user), "gc-%")
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

// Off turns the garbage collector off for the rest of the benchmark, and
// returns a function to call once per iteration: it collects (with the timer
// stopped) whenever 256 MB have been allocated since the last collection, so
// memory stays bounded. The benchmark then runs at the speed it would have
// without GC; 1 - (its ns/op) / (the same benchmark's ns/op with GC on) is
// the wall-clock GC share the "GOGC=off speed-up" measures.
func Off(b *testing.B) func() {
	old := debug.SetGCPercent(-1)
	b.Cleanup(func() { debug.SetGCPercent(old) })
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	last := s[0].Value.Uint64()
	n := 0
	return func() {
		n++
		if n%16 != 0 {
			return
		}
		metrics.Read(s)
		if now := s[0].Value.Uint64(); now-last > 256<<20 {
			b.StopTimer()
			runtime.GC()
			metrics.Read(s)
			last = s[0].Value.Uint64()
			b.StartTimer()
		}
	}
}
