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

// TestWholeInputChunks: a builder reading one value from the whole input
// (lang.Decode) carves a large input out of one chunk of a few MB, which
// the page heap reuses whole from one decode to the next; a stream of
// values (a Decoder's Next) keeps its chunks at most maxGrow, so that a
// value kept from a burst of small ones keeps little of its neighbours.
func TestWholeInputChunks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hint  int
		whole bool
		want  int // the least data of the first chunk
		most  int // the most
	}{
		{"one value of 1 MB", 1 << 20, true, 3 << 20, maxWhole},
		{"one value of 8 MB", 8 << 20, true, maxWhole, maxWhole},
		{"one value of 1 KB", 1 << 10, true, 4 << 10, 8 << 10},
		{"a stream of 1 MB", 1 << 20, false, maxGrow, maxGrow},
		{"a stream of 1 KB", 1 << 10, false, 4 << 10, 8 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := arena{hint: tc.hint, whole: tc.whole}
			a.alloc(16)
			assert.GreaterOrEqual(t, a.end, tc.want)
			assert.LessOrEqual(t, a.end, tc.most)
		})
	}
	assert.Equal(t, maxWhole, chunkClasses[len(chunkClasses)-1].size, "maxWhole is a chunk class")
}
