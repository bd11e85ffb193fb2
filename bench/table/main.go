// Command table runs the benchmarks of issue 12's performance table and
// prints the table: each row's figure, its bare-Go yardstick from the same
// run, the ratio, the target and whether it is met.
//
//	go run ./bench/table                 # every row (about five minutes)
//	go run ./bench/table -count 3        # medians of three interleaved rounds
//	go run ./bench/table -only eval,codec
//
// The machine may be shared and noisy: read the ratios, which compare
// figures of one run, rather than absolute times across runs.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// A group is one `go test -bench` run: the benchmarks of some rows.
type group struct {
	name string
	args []string
}

var groups = []group{
	{"eval", []string{"-benchmem", "-bench", "Baseline$|MessageRouting$|FanOut|Churn10Observers$|BareBagChurn$|FacetTree", "./eval"}},
	{"memory", []string{"-benchmem", "-benchtime", "1x", "-bench", "MemoryPerAssertion1M|BareBagMemory", "./eval"}},
	{"host", []string{"-benchmem", "-bench", "MilestoneDAG|TopoSortBaseline|MilestoneBoot10000|Connections", "./internal/host"}},
	{"codec", []string{"-benchmem", "-bench", "DecodeBinary|ReadText$", "./lang", "./parser"}},
	{"daemons", []string{"-benchtime", "1x", "-bench", "ThousandDaemons", "./cmd/synd"}},
}

func main() {
	count := flag.Int("count", 1, "rounds, each running every benchmark once; the table shows medians")
	only := flag.String("only", "", "comma-separated groups to run (eval, memory, host, codec, daemons); default all")
	verbose := flag.Bool("v", false, "echo the benchmarks' output")
	flag.Parse()
	want := map[string]bool{}
	for _, g := range strings.Split(*only, ",") {
		if g != "" {
			want[g] = true
		}
	}
	rs := results{}
	// Rounds, not -count: each round runs every group once, so that a
	// noisy spell on a shared machine touches one run of every benchmark
	// rather than every run of a few, and the medians are of interleaved
	// rounds.
	for round := 1; round <= *count; round++ {
		for _, g := range groups {
			if len(want) > 0 && !want[g.name] {
				continue
			}
			if g.name == "daemons" && runtime.GOOS != "linux" {
				continue // RSS and threads are read from /proc
			}
			args := append([]string{"test", "-run", "^$", "-count", "1"}, g.args...)
			fmt.Fprintf(os.Stderr, "round %d of %d: go %s\n", round, *count, strings.Join(args, " "))
			cmd := exec.Command("go", args...)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if *verbose {
				os.Stderr.Write(out)
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "table: %s: %v\n%s", g.name, err, out)
				os.Exit(1)
			}
			rs.parse(strings.NewReader(string(out)))
		}
	}
	write(os.Stdout, rs.rows())
}

// results holds, by benchmark name (without the -GOMAXPROCS suffix) and
// unit, the figures of each run.
type results map[string]map[string][]float64

// parse reads the benchmark lines of `go test -bench` output.
func (rs results) parse(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // not a result line
		}
		if rs[name] == nil {
			rs[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			rs[name][f[i+1]] = append(rs[name][f[i+1]], v)
		}
	}
}

// get is the median figure of a benchmark in a unit.
func (rs results) get(name, unit string) (float64, bool) {
	vs := slices.Clone(rs[name][unit])
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

// figure writes a time in its unit for the table: ns/op as ms.
func figure(v float64, unit string) string {
	if unit == "ns/op" {
		return fmt.Sprintf("%.1f ms", v/1e6)
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}

// row is one line of the table.
type row struct {
	name, now, yardstick, ratio, target string
	met                                 bool
}

// rows computes the table from what was measured; rows whose benchmarks
// did not run are left out.
func (rs results) rows() []row {
	var out []row
	add := func(r row, ok bool) {
		if ok {
			out = append(out, r)
		}
	}
	ms := func(ns float64) string { return fmt.Sprintf("%.1f ms", ns/1e6) }

	// Message routing.
	{
		t, ok1 := rs.get("MessageRouting", "ns/op")
		a, _ := rs.get("MessageRouting", "allocs/op")
		b, ok2 := rs.get("Baseline", "ns/op")
		add(row{"message routing, 1 observer", fmt.Sprintf("%.1f ns, %g allocs", t, a), fmt.Sprintf("%.2f ns", b),
			fmt.Sprintf("%.1f×", t/b), "≤ 10×, 0 allocs", t/b <= 10 && a == 0}, ok1 && ok2)
	}
	// Fan-out.
	{
		var figs []string
		lo, hi, ok := 0.0, 0.0, true
		for _, n := range []int{100, 1000, 10000} {
			v, got := rs.get(fmt.Sprintf("FanOut/observers=%d", n), "ns/op")
			ok = ok && got
			figs = append(figs, fmt.Sprintf("%.1f", v))
			if lo == 0 || v < lo {
				lo = v
			}
			hi = max(hi, v)
		}
		add(row{"fan-out per delivery, 100 / 1,000 / 10,000 observers", strings.Join(figs, " / ") + " ns", "–",
			fmt.Sprintf("%.2f× (max/min)", hi/lo), "flat within 1.3×", hi/lo <= 1.3}, ok)
	}
	// Churn.
	{
		t, ok1 := rs.get("Churn10Observers", "ns/op")
		a, _ := rs.get("Churn10Observers", "allocs/op")
		b, ok2 := rs.get("BareBagChurn", "ns/op")
		add(row{"assert+retract churn, 10 observers", fmt.Sprintf("%.0f ns, %g allocs", t, a), fmt.Sprintf("%.0f ns", b),
			fmt.Sprintf("%.1f×", t/b), "≤ 3×", t/b <= 3}, ok1 && ok2)
	}
	// Memory.
	{
		t, ok1 := rs.get("MemoryPerAssertion1M", "B/assertion")
		b, ok2 := rs.get("BareBagMemory", "B/assertion")
		add(row{"bytes per live assertion at 1 M", fmt.Sprintf("%.0f B", t), fmt.Sprintf("%.0f B", b),
			fmt.Sprintf("%.1f×", t/b), "≤ 250 B", t <= 250}, ok1 && ok2)
	}
	// Facet tree.
	{
		a, ok1 := rs.get("FacetTree/children=100", "ns/child")
		m, _ := rs.get("FacetTree/children=1000", "ns/child")
		c, ok2 := rs.get("FacetTree/children=10000", "ns/child")
		add(row{"facet tree, ns per child at 100 / 1,000 / 10,000 children", fmt.Sprintf("%.0f / %.0f / %.0f ns", a, m, c), "–",
			fmt.Sprintf("%.2f× over 100× the children", c/a), "linear (≤ 2×)", c/a <= 2}, ok1 && ok2)
	}
	// Milestones.
	{
		t, ok1 := rs.get("MilestoneDAG", "ns/op")
		b, ok2 := rs.get("TopoSortBaseline", "ns/op")
		add(row{"1,000-milestone DAG to ready", ms(t), ms(b) + " (Kahn's algorithm)",
			fmt.Sprintf("%.0f×", t/b), "≤ 30 ms", t <= 30e6}, ok1 && ok2)
		t, ok := rs.get("MilestoneBoot10000", "ns/op")
		add(row{"10,000-milestone boot", ms(t), "–", "–", "≤ 400 ms", t <= 400e6}, ok)
	}
	// Connections: the benchmark, or its sub-benchmark of 1,000.
	{
		name := "Connections"
		if _, ok := rs.get(name, "ns/op"); !ok {
			name = "Connections/connections=1000"
		}
		t, ok := rs.get(name, "ns/op")
		a, _ := rs.get(name, "allocs/op")
		per := a / 1000
		add(row{"1,000 connection lifecycles", fmt.Sprintf("%s, %.0f allocs each", ms(t), per), "–", "–",
			"≤ 200 ms, ≤ 800 allocs each", t <= 200e6 && per <= 800}, ok)
		if t10, ok10 := rs.get("Connections/connections=10000", "ns/op"); ok && ok10 {
			add(row{"connection lifecycles, 10,000 vs 1,000", ms(t10), ms(t) + " ×10",
				fmt.Sprintf("%.2f× per lifecycle", t10/(10*t)), "linear (≤ 1.3×)", t10/(10*t) <= 1.3}, true)
		}
	}
	// Codecs.
	{
		t, ok1 := rs.get("DecodeBinary/1MB", "MB/s")
		j, ok2 := rs.get("DecodeBinary/1MB-json", "MB/s")
		add(row{"binary decode, 1 MB", fmt.Sprintf("%.0f MB/s", t), fmt.Sprintf("%.0f MB/s (encoding/json)", j),
			fmt.Sprintf("%.1f×", t/j), "≥ 400 MB/s", t >= 400}, ok1 && ok2)
		t, ok1 = rs.get("DecodeBinary/1KB", "MB/s")
		j, ok2 = rs.get("DecodeBinary/1KB-json", "MB/s")
		add(row{"binary decode, 1 KB", fmt.Sprintf("%.0f MB/s", t), fmt.Sprintf("%.0f MB/s (encoding/json)", j),
			fmt.Sprintf("%.1f×", t/j), "≥ 200 MB/s", t >= 200}, ok1 && ok2)
		t, ok1 = rs.get("ReadText/1MB", "MB/s")
		j, ok2 = rs.get("ReadText/1MB-json", "MB/s")
		add(row{"text decode, 1 MB", fmt.Sprintf("%.0f MB/s", t), fmt.Sprintf("%.0f MB/s (encoding/json)", j),
			fmt.Sprintf("%.1f×", t/j), "≥ 2× json", t/j >= 2}, ok1 && ok2)
	}
	// GC share: the "GOGC=off speed-up", 1 - (time with the
	// collector off) / (time with it on), both from this run; the
	// collector's own CPU share ("gc-%") beside it. Without the -nogc
	// benchmark, the row falls back to the CPU share alone.
	for _, b := range []struct{ name, off, unit, label string }{
		{"DecodeBinary/1MB", "DecodeBinary/1MB-nogc", "ns/op", "binary decode 1 MB"},
		{"MilestoneDAG", "MilestoneDAGNoGC", "ns/op", "milestone DAG"},
		{"MilestoneBoot10000", "MilestoneBoot10000NoGC", "ns/op", "10,000-milestone boot"},
		{"Connections/connections=1000", "Connections/connections=1000-nogc", "ms/1000", "connections"},
	} {
		g, ok := rs.get(b.name, "gc-%")
		on, ok1 := rs.get(b.name, b.unit)
		off, ok2 := rs.get(b.off, b.unit)
		if !ok1 || !ok2 || on <= 0 {
			add(row{"GC share, " + b.label, fmt.Sprintf("%.0f %% of CPU", g), "–", "–", "≤ 10 %", g <= 10}, ok)
			continue
		}
		share := 100 * (1 - off/on)
		add(row{"GC share, " + b.label, fmt.Sprintf("%.0f %% of wall time (%.0f %% of CPU)", share, g),
			fmt.Sprintf("%s with GOGC=off", figure(off, b.unit)), "–", "≤ 10 %", share <= 10}, ok)
	}
	// Daemons.
	{
		m, ok1 := rs.get("ThousandDaemons", "MB-RSS")
		th, ok2 := rs.get("ThousandDaemons", "threads")
		yard := "–"
		if idle, ok := rs.get("ThousandDaemons", "MB-RSS-idle"); ok {
			yard = fmt.Sprintf("%.0f MB (serve with no daemon)", idle)
		}
		add(row{"1,000 running daemons", fmt.Sprintf("%.0f MB RSS, %.0f threads", m, th), yard, "–",
			"≤ 40 MB, ≤ 20 threads", m <= 40 && th <= 20}, ok1 && ok2)
	}
	return out
}

// write prints the rows as a Markdown table.
func write(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| row | now | yardstick (same run) | ratio | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range rows {
		met := "no"
		if r.met {
			met = "yes"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.name, r.now, r.yardstick, r.ratio, r.target, met)
	}
}
