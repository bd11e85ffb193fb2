package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
pkg: github.com/synd-lang/synd/eval
BenchmarkBaseline-2               	146030299	         8.000 ns/op	       0 B/op	       0 allocs/op
BenchmarkMessageRouting-2         	 6632431	       160.0 ns/op	   5900210 msgs/s	      40 B/op	       2 allocs/op
BenchmarkMessageRouting-2         	 6632431	        40.0 ns/op	   5900210 msgs/s	       0 B/op	       0 allocs/op
BenchmarkMessageRouting-2         	 6632431	        60.0 ns/op	   5900210 msgs/s	       0 B/op	       0 allocs/op
BenchmarkFanOut/observers=100-2   	32790234	        36.00 ns/op	       0 B/op	       0 allocs/op
BenchmarkFanOut/observers=1000-2  	33345565	        36.00 ns/op	       0 B/op	       0 allocs/op
BenchmarkFanOut/observers=10000-2 	30860994	        50.00 ns/op	       0 B/op	       0 allocs/op
BenchmarkMilestoneDAG-2         	      20	  25000000 ns/op	        8.20 gc-%	32284696 B/op	  495780 allocs/op
BenchmarkMilestoneDAGNoGC-2     	      20	  20000000 ns/op	32284696 B/op	  495780 allocs/op
BenchmarkConnections/connections=1000-2 	3	 156033540 ns/op	       511.5 allocs/lifecycle	       210.7 cpu-ms/1000	        7.3 gc-%	       156.0 ms/1000
PASS
ok  	github.com/synd-lang/synd/eval	31.473s
`

func TestParseAndRows(t *testing.T) {
	rs := results{}
	rs.parse(strings.NewReader(sample))
	v, ok := rs.get("MessageRouting", "ns/op")
	require.True(t, ok)
	assert.Equal(t, 60.0, v, "the median of three runs")
	_, ok = rs.get("FanOut/observers=100", "ns/op")
	assert.True(t, ok, "sub-benchmark names keep their slash, lose the -2")
	_, ok = rs.get("MilestoneDAG", "gc-%")
	assert.True(t, ok, "custom metrics are read")

	byName := map[string]row{}
	for _, r := range rs.rows() {
		byName[r.name] = r
	}
	routing := byName["message routing, 1 observer"]
	assert.Equal(t, "7.5×", routing.ratio)
	assert.True(t, routing.met)
	fan := byName["fan-out per delivery, 100 / 1,000 / 10,000 observers"]
	assert.Equal(t, "1.39× (max/min)", fan.ratio)
	assert.False(t, fan.met)
	dag := byName["GC share, milestone DAG"]
	assert.Equal(t, "20 % of wall time (8 % of CPU)", dag.now, "1 - 20 ms / 25 ms")
	assert.False(t, dag.met, "judged by the wall-clock share, not the CPU share")
	conn := byName["GC share, connections"]
	assert.Equal(t, "7 % of CPU", conn.now, "no -nogc run: the CPU share alone")
	assert.True(t, conn.met)
	_, ok = byName["1,000-milestone DAG to ready"]
	assert.False(t, ok, "a row whose yardstick did not run is left out")
	var out strings.Builder
	write(&out, rs.rows())
	assert.Contains(t, out.String(), "| message routing, 1 observer | 60.0 ns, 0 allocs | 8.00 ns | 7.5× | ≤ 10×, 0 allocs | yes |")
}
