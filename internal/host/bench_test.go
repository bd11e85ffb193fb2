package host_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/gcshare"
	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/internal/sample"
	"github.com/synd-lang/synd/lang"
)

// runToQuiescence boots a host with opts, runs src in it until nothing is
// left to happen and returns the host; any failure ends the benchmark.
func runToQuiescence(b *testing.B, opts host.Options, name string, src []byte) *host.Host {
	b.Helper()
	h := host.New(opts)
	if err := h.RunSource(name, src, h.Env()); err != nil {
		b.Fatal(err)
	}
	if err := h.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	return h
}

// BenchmarkLoadAndRun compiles a generated 10,000-line script, starts it and
// runs it to quiescence on a virtual clock.
func BenchmarkLoadAndRun(b *testing.B) {
	src := sample.Script(10000)
	for b.Loop() {
		h := runToQuiescence(b, host.Options{Clock: eval.NewVirtualClock(host.GoldenEpoch()), Out: io.Discard}, "big.pr", src)
		if h.Errors() != 0 {
			b.Fatalf("%d errors", h.Errors())
		}
	}
}

// milestoneDAG writes 1,000 milestones in 10 levels of 100; each milestone
// above the bottom depends on two of the level below, and the top level is
// required (so everything is).
func milestoneDAG() []byte {
	var b strings.Builder
	for level := 1; level < 10; level++ {
		for i := 0; i < 100; i++ {
			for _, j := range []int{i, (i + 37) % 100} {
				fmt.Fprintf(&b, "<depends-on <milestone m%d-%d> <service-state <milestone m%d-%d> up>>\n", level, i, level-1, j)
			}
		}
	}
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "<require-service <milestone m9-%d>>\n", i)
	}
	return []byte(b.String())
}

func countReady(h *host.Host, label string) int {
	n := 0
	for _, v := range h.Config.Entity().(*eval.DataspaceEntity).DS.Assertions() {
		r, ok := v.(*lang.Record)
		if ok && lang.Equal(r.Label, lang.Symbol("service-state")) && len(r.Fields) == 2 && lang.Equal(r.Fields[1], lang.Symbol(label)) {
			if svc, ok := r.Fields[0].(*lang.Record); ok && (lang.Equal(svc.Label, lang.Symbol("milestone")) || lang.Equal(svc.Label, lang.Symbol("daemon"))) {
				n++
			}
		}
	}
	return n
}

// BenchmarkMilestoneDAG: 1,000 milestones, 10 levels deep, from a cold start
// until every one is ready.
func BenchmarkMilestoneDAG(b *testing.B) {
	benchMilestones(b, "dag.pr", milestoneDAG(), 1000, false)
}

// BenchmarkMilestoneDAGNoGC is BenchmarkMilestoneDAG with the collector off
// (gcshare.Off): 1 - its ns/op over MilestoneDAG's, in the same run, is the
// share of wall-clock time the collector costs, the issue's "GOGC=off
// speed-up" (the "gc-%" metric counts only the collector's own CPU time,
// not what its write barriers, assists and cache misses cost the loop).
func BenchmarkMilestoneDAGNoGC(b *testing.B) {
	benchMilestones(b, "dag.pr", milestoneDAG(), 1000, true)
}

// BenchmarkOneShotDaemons: 1,000 real `true` one-shot daemons, from a cold
// start until every one is complete.
func BenchmarkOneShotDaemons(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&sb, "<require-service <daemon d%d>>\n<daemon d%d <one-shot [\"true\"]>>\n", i, i)
	}
	src := []byte(sb.String())
	for b.Loop() {
		h := runToQuiescence(b, host.Options{Out: io.Discard}, "daemons.pr", src)
		if n := countReady(h, "complete"); n != 1000 {
			b.Fatalf("%d of 1000 daemons complete", n)
		}
	}
}

// BenchmarkConnections: N client processes of 10 users each connect to
// their user's instance of an echo service, send a method, receive the
// notification and end the connection, from a cold start until every
// client has seen its connection end. The sub-benchmarks for 1,000, 3,000
// and 10,000 clients report ms per 1,000 lifecycles and allocations per
// lifecycle, so that one run shows whether the cost is linear.
// endedCounter is the log BenchmarkConnections prints to: it counts the
// clients' "ended" lines as they are written (the host writes one line per
// Write) and keeps the first line, as a server's stdout keeps nothing, so
// that the row measures the host and not a growing copy of its output.
type endedCounter struct {
	ended int
	first string
}

func (c *endedCounter) Write(line []byte) (int, error) {
	if c.first == "" {
		c.first = strings.TrimSuffix(string(line), "\n")
	}
	c.ended += bytes.Count(line, []byte(`"-" ended`))
	return len(line), nil
}

func BenchmarkConnections(b *testing.B) {
	dir := b.TempDir()
	service := dir + "/echo.pr"
	client := dir + "/client.pr"
	write := func(name, text string) {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	write(service, `<ready>
?? <connection-request ?from ?conn> [
  let ?me = facet
  let ?inbox = dataspace
  $conn <accept $inbox>
  $inbox ?? <method ?v> $conn ! <notify $v>
  $inbox ? <signal _> $me ! stop
]
`)
	write(client, `let ?reply = dataspace
$services <connect <main echo> $reply>
$reply ? <accepted ?conn> [
  $conn ! <method $args>
  $reply ?? <notification $args> $conn ! end
]
$reply ? <ended> $log ! <log "-" {line: "ended"}>
`)
	for _, c := range []struct {
		n     int
		gcOff bool
	}{{1000, false}, {3000, false}, {10000, false}, {1000, true}} {
		n, name := c.n, fmt.Sprintf("connections=%d", c.n)
		if c.gcOff {
			name += "-nogc" // the collector off: 1 - its ms/1000 over connections=1000's is the collector's wall-clock share
		}
		b.Run(name, func(b *testing.B) {
			var src strings.Builder
			fmt.Fprintf(&src, "<expose <main echo> %q>\n", service)
			for u := 0; u < 10; u++ {
				fmt.Fprintf(&src, "<user-session u%d>\n", u)
				for c := 0; c < n/10; c++ {
					fmt.Fprintf(&src, "<app-process u%d app %q %d>\n", u, client, c)
				}
			}
			tick := func() {}
			if c.gcOff {
				tick = gcshare.Off(b)
			}
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			meter := gcshare.Start(0)
			cpu0 := goCPU()
			for b.Loop() {
				var out endedCounter
				h := host.New(host.Options{Clock: eval.NewVirtualClock(host.GoldenEpoch()), Out: &out})
				// All N lifecycles run in step from one outside event, so
				// the queue holds several events per client at once, many
				// turns deep: past 65,536 (eval.DefaultMaxQueued) the
				// runaway guard would take 10,000 clients for a loop.
				h.Sys.MaxQueued = max(h.Sys.MaxQueued, 16*n)
				if err := h.RunSource("connections.pr", []byte(src.String()), h.Env()); err != nil {
					b.Fatal(err)
				}
				if err := h.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
				if got := out.ended; got != n || h.Errors() != 0 {
					b.Fatalf("%d of %d connections ended, %d errors; first line: %s", got, n, h.Errors(), out.first)
				}
				tick()
			}
			meter.Report(b) // collects: the CPU classes are up to date
			cpu1 := goCPU()
			runtime.ReadMemStats(&m1)
			lifecycles := float64(b.N) * float64(n)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/lifecycles*1000/1e6, "ms/1000")
			b.ReportMetric((cpu1-cpu0)*1e3/lifecycles*1000, "cpu-ms/1000")
			b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/lifecycles, "allocs/lifecycle")
		})
	}
}

// goCPU is the CPU time the Go runtime has used for user code and the
// collector, in seconds (brought up to date at each collection), leaving
// out the collector's marking on otherwise idle cores. On a shared machine,
// time spent waiting for a core is not the benchmark's.
func goCPU() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/user:cpu-seconds"}, {Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/gc/mark/idle:cpu-seconds"}}
	metrics.Read(s)
	var v [3]float64
	for i, x := range s {
		if x.Value.Kind() == metrics.KindFloat64 {
			v[i] = x.Value.Float64()
		}
	}
	return v[0] + v[1] - v[2]
}
