package host_test

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/gcshare"
	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/stdlib"
)

// The dependency-tracker rows of bench/README.md: the milestone DAG beside
// a bare-Go topological sort of the same graph, and a boot of 10,000
// milestones.

// dagEdges is milestoneDAG's graph as (milestone, dependency) index pairs,
// levels of `width` milestones.
func dagEdges(levels, width int) [][2]int {
	var edges [][2]int
	for level := 1; level < levels; level++ {
		for i := 0; i < width; i++ {
			for _, j := range []int{i, (i + 37) % width} {
				edges = append(edges, [2]int{level*width + i, (level-1)*width + j})
			}
		}
	}
	return edges
}

// BenchmarkTopoSortBaseline is the yardstick of BenchmarkMilestoneDAG:
// Kahn's algorithm over the same 1,000 milestones, from the edge list to
// the order in which they become ready, with name strings as a service
// tracker would keep them.
func BenchmarkTopoSortBaseline(b *testing.B) {
	const levels, width = 10, 100
	edges := dagEdges(levels, width)
	n := levels * width
	runtime.GC()
	cpu := cpuPerOp()
	for b.Loop() {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("m%d-%d", i/width, i%width)
		}
		deps := map[string][]string{}
		waiting := map[string]int{}
		for _, e := range edges {
			from, to := names[e[0]], names[e[1]]
			deps[to] = append(deps[to], from)
			waiting[from]++
		}
		var ready []string
		for _, nm := range names {
			if waiting[nm] == 0 {
				ready = append(ready, nm)
			}
		}
		for i := 0; i < len(ready); i++ {
			for _, d := range deps[ready[i]] {
				if waiting[d]--; waiting[d] == 0 {
					ready = append(ready, d)
				}
			}
		}
		if len(ready) != n {
			b.Fatalf("%d of %d ready", len(ready), n)
		}
	}
	cpu(b)
}

// milestoneDAGOf is milestoneDAG with `levels` levels of `width`.
func milestoneDAGOf(levels, width int) []byte {
	var sb strings.Builder
	for _, e := range dagEdges(levels, width) {
		fmt.Fprintf(&sb, "<depends-on <milestone m%d-%d> <service-state <milestone m%d-%d> up>>\n",
			e[0]/width, e[0]%width, e[1]/width, e[1]%width)
	}
	for i := 0; i < width; i++ {
		fmt.Fprintf(&sb, "<require-service <milestone m%d-%d>>\n", levels-1, i)
	}
	return []byte(sb.String())
}

// BenchmarkMilestoneBoot10000: a host like serve's (the standard library
// booted, $config and $log, the dependency tracker) loads 10,000 milestones
// in 10 levels and runs until every one is ready.
func BenchmarkMilestoneBoot10000(b *testing.B) {
	benchMilestones(b, "boot.pr", milestoneDAGOf(10, 1000), 10000, false)
}

// BenchmarkMilestoneBoot10000NoGC is BenchmarkMilestoneBoot10000 with the
// collector off: see BenchmarkMilestoneDAGNoGC.
func BenchmarkMilestoneBoot10000NoGC(b *testing.B) {
	benchMilestones(b, "boot.pr", milestoneDAGOf(10, 1000), 10000, true)
}

// benchMilestones loads src (n milestones) into a fresh host per iteration
// and runs it until every milestone is ready, reporting CPU per iteration
// and the collector's CPU share; with gcOff, the collector is off
// (gcshare.Off), for the wall-clock share it costs.
func benchMilestones(b *testing.B, name string, src []byte, n int, gcOff bool) {
	tick := func() {}
	if gcOff {
		tick = gcshare.Off(b)
	}
	meter := gcshare.Start(0)
	cpu := cpuPerOp()
	for b.Loop() {
		h := runToQuiescence(b, host.Options{Clock: eval.NewVirtualClock(host.GoldenEpoch()), Out: io.Discard, Processes: &stdlib.SimulatedRunner{}}, name, src)
		if got := countReady(h, "ready"); got != n {
			b.Fatalf("%d of %d milestones ready", got, n)
		}
		tick()
	}
	cpu(b)
	meter.Report(b)
}

// cpuPerOp starts counting the CPU time the process spends (its threads'
// user and system time, the collector's workers included); the function it
// returns reports it per iteration as "cpu-ms/op". On a loaded machine,
// where ns/op includes the time spent waiting for a core, the ratio of
// cpu-ms/op to the yardstick's is the steadier one.
func cpuPerOp() func(b *testing.B) {
	c0 := gcshare.ProcessCPU()
	return func(b *testing.B) {
		b.StopTimer()
		if d := gcshare.ProcessCPU() - c0; d > 0 {
			b.ReportMetric(float64(d.Nanoseconds())/1e6/float64(b.N), "cpu-ms/op")
		}
	}
}
