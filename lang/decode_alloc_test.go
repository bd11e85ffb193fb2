package lang_test

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/sample"
	"github.com/synd-lang/synd/lang"
)

// TestDecodeAllocatesInProportion pins issue 12's "allocation proportional
// to the input": decoding allocated about 100 KB of chunks per call whatever
// the size; now a message costs a small multiple of its own size (the
// values themselves: interfaces, records, entries), and so does a large
// input, in few allocations.
func TestDecodeAllocatesInProportion(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	for _, size := range []int{256, 1 << 10, 16 << 10, 1 << 20} {
		enc, err := lang.Encode(sample.Mixed(size))
		require.NoError(t, err)
		runs := max(4, (4<<20)/len(enc))
		bytes, allocs := allocated(runs, func() {
			_, err := lang.Decode(enc)
			require.NoError(t, err)
		})
		perByte := bytes / float64(len(enc))
		t.Logf("%7d-byte input: %6.0f bytes (%.1f per input byte), %5.1f allocations per decode", len(enc), bytes, perByte, allocs)
		assert.Less(t, perByte, 12.0, "bytes allocated per input byte")
		assert.Less(t, allocs, 30+float64(len(enc))/2000, "allocations per decode")
	}
}

func allocated(runs int, f func()) (bytes, allocs float64) {
	f() // warm the pool
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for i := 0; i < runs; i++ {
		f()
	}
	runtime.ReadMemStats(&m1)
	return float64(m1.TotalAlloc-m0.TotalAlloc) / float64(runs), float64(m1.Mallocs-m0.Mallocs) / float64(runs)
}
