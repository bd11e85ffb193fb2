package gcshare

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestOffTickerCollectsAtTheLimit pins when Off's per-iteration function
// collects: as soon as an iteration takes the allocations since the last
// collection over the limit, however large the iterations, and with reads of
// the counter thinned out only while iterations are small.
func TestOffTickerCollectsAtTheLimit(t *testing.T) {
	const limit = 256 << 20
	for _, tc := range []struct {
		name       string
		perIter    uint64
		iterations int
		collects   int
		maxReads   int // reads of the allocation counter
	}{
		{"120 MB iterations (the boot)", 120 << 20, 10, 3, 10 + 3},
		{"20 MB iterations (the DAG)", 20 << 20, 100, 7, 100 + 7},
		{"3.9 MB iterations (a 1 MB decode)", 3900 << 10, 1000, 12, 100},
		{"4 KB iterations (a 1 KB decode)", 4 << 10, 100000, 1, 6300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var heap, sinceGC, worst uint64
			reads, collects := 0, 0
			tick := offTicker(limit, func() uint64 { reads++; return heap }, func() {
				collects++
				sinceGC = 0
			})
			reads = 0
			for range tc.iterations {
				heap += tc.perIter
				sinceGC += tc.perIter
				tick()
				worst = max(worst, sinceGC)
			}
			assert.Equal(t, tc.collects, collects)
			assert.LessOrEqual(t, worst, uint64(limit)+16*tc.perIter, "allocated between collections")
			if tc.perIter >= limit/64 {
				assert.LessOrEqual(t, worst, uint64(limit), "large iterations are checked every time")
			}
			assert.LessOrEqual(t, reads, tc.maxReads)
		})
	}
}
