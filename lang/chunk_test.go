package lang

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChunkClassesFitSizeClasses: each chunk the arena allocates fills
// the runtime's allocation for it exactly (a size class, counting the
// header the runtime adds to objects with pointers over 512 bytes, or
// whole 8 KB pages), so that no chunk wastes the rest of its block.
func TestChunkClassesFitSizeClasses(t *testing.T) {
	prev := 0
	for _, c := range chunkClasses {
		require.Greater(t, c.size, prev, "classes in increasing order")
		prev = c.size
		want := uint64(c.size + headBytes)
		if want > 512 && want <= 32<<10 {
			want += mallocHeader
		}
		// The least of a few rounds: other goroutines may allocate
		// meanwhile, never less.
		got := ^uint64(0)
		n := 64
		if c.size > 32<<10 {
			n = 8
		}
		for range 5 {
			keep := make([]*chunkHead, 0, n)
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			for range n {
				h, _ := c.make()
				keep = append(keep, h)
			}
			runtime.ReadMemStats(&m1)
			runtime.KeepAlive(keep)
			got = min(got, (m1.TotalAlloc-m0.TotalAlloc)/uint64(n))
		}
		assert.Equal(t, want, got, "a chunk of %d bytes of data", c.size)
	}
}
