package lang_test

import (
	"math/big"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/sample"
	"github.com/synd-lang/synd/lang"
)

// TestArenaSurvivesCollection checks the arena of arena.go: parts of
// decoded values, kept while the rest of their input's values are dropped,
// stay intact through collections that reuse the freed memory. Values
// include every kind, annotations, big integers, long strings and large
// compounds (which live outside the chunks), and values made outside the
// builder. Run it with GODEBUG=clobberfree=1 to make any use of freed
// memory loud.
func TestArenaSurvivesCollection(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	type kept struct {
		v   lang.Value
		enc string
	}
	var keep []kept
	hold := func(v lang.Value) {
		enc, err := lang.EncodeAnnotated(v)
		require.NoError(t, err)
		keep = append(keep, kept{v, string(enc)})
	}
	rounds := 300
	if testing.Short() {
		rounds = 60
	}
	var b lang.Builder
	for round := 0; round < rounds; round++ {
		// A decoded input: keep a few of its parts.
		var items lang.Sequence
		for i := 0; i < 40; i++ {
			items = append(items, sample.Random(r, 4, true))
		}
		items = append(items, lang.String(strings.Repeat("long ", 2000)), make(lang.Sequence, 3000),
			lang.NewInteger(new(big.Int).Lsh(big.NewInt(int64(round)+3), 100)))
		for i := range items[len(items)-2].(lang.Sequence) {
			items[len(items)-2].(lang.Sequence)[i] = lang.Int(int64(i) << 20)
		}
		enc, err := lang.EncodeAnnotated(items)
		require.NoError(t, err)
		d := lang.NewDecoder(enc)
		d.KeepAnnotations = true
		v, err := d.Next()
		require.NoError(t, err)
		seq := lang.Unwrap(v).(lang.Sequence)
		for i := 0; i < 3; i++ {
			hold(seq[r.IntN(len(seq))])
		}
		hold(seq[len(seq)-1])
		if round%10 == 0 {
			hold(v)
		}
		// The public builder, given values made outside it.
		b.Reset()
		b.SizeHint(r.IntN(1 << 14))
		m := b.Mark()
		for i := 0; i < 50; i++ {
			switch i % 5 {
			case 0:
				b.Push(lang.Int(r.Int64()))
			case 1:
				b.Push(lang.String(strings.Repeat("x", r.IntN(300))))
			case 2:
				b.Push(b.Embedded(lang.NewRecord(lang.Symbol("heap"), lang.Double(r.Float64()))))
			case 3:
				b.Push(b.Annotated([]lang.Value{lang.Int(r.Int64())}, lang.Symbol(strings.Repeat("y", 1+r.IntN(40))), lang.Position{File: strings.Repeat("f", 1+r.IntN(9))}))
			default:
				b.Push(b.Symbol(strings.Repeat("z", 1+r.IntN(60))))
			}
		}
		hold(b.Sequence(m))
		// Churn, so that freed memory is reused.
		junk := make([][]byte, 0, 256)
		for i := 0; i < 256; i++ {
			junk = append(junk, make([]byte, 16+r.IntN(16<<10)))
		}
		_ = junk
		if round%20 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	runtime.GC()
	for i, k := range keep {
		enc, err := lang.EncodeAnnotated(k.v)
		require.NoError(t, err, "value %d", i)
		require.Equal(t, k.enc, string(enc), "value %d changed", i)
	}
}

// TestDecoderBoundsRetention: a value kept from a long run of values read
// by one Decoder (as a relay reads a batch of packets) keeps alive little
// of the arena built for the values before it, because the decoder resets
// its builder between values every 64 KB of input.
func TestDecoderBoundsRetention(t *testing.T) {
	if raceEnabled {
		t.Skip("heap figures differ under the race detector")
	}
	var enc []byte
	for i := 0; i < 400; i++ {
		b, err := lang.Encode(sample.Mixed(2 << 10))
		require.NoError(t, err)
		enc = append(enc, b...)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	d := lang.NewDecoder(enc)
	var last lang.Value
	for {
		v, err := d.Next()
		if err != nil {
			break
		}
		last = v
	}
	d.Reset(nil)
	with := heap()
	runtime.KeepAlive(last)
	last = nil
	without := heap()
	kept := int64(with) - int64(without)
	t.Logf("%d input bytes; the last value keeps %d bytes", len(enc), kept)
	assert.Less(t, kept, int64(1<<20), "bytes kept by one value") // 4x the input without resets
}

// TestDecodeLargeSurvivesCollection: the values of large inputs read by
// lang.Decode (whose chunks are up to 4 MB: see arena.grow) stay intact
// while parts of them are kept through collections that reuse the memory
// of the inputs dropped.
func TestDecodeLargeSurvivesCollection(t *testing.T) {
	type kept struct {
		v   lang.Value
		enc string
	}
	var keep []kept
	rounds := 12
	if testing.Short() {
		rounds = 4
	}
	r := rand.New(rand.NewPCG(3, 5))
	for round := 0; round < rounds; round++ {
		enc, err := lang.Encode(sample.Mixed(1<<20 + round<<16))
		require.NoError(t, err)
		v, err := lang.Decode(enc)
		require.NoError(t, err)
		require.Equal(t, string(enc), string(mustEncode(t, v)))
		seq := v.(lang.Sequence)
		for i := 0; i < 4; i++ { // parts from the start, middle and end
			p := seq[r.IntN(len(seq))]
			keep = append(keep, kept{p, string(mustEncode(t, p))})
		}
		p := seq[len(seq)-1]
		keep = append(keep, kept{p, string(mustEncode(t, p))})
		junk := make([][]byte, 0, 64)
		for i := 0; i < 64; i++ {
			junk = append(junk, make([]byte, 64<<10))
		}
		_ = junk
		runtime.GC()
	}
	runtime.GC()
	for i, k := range keep {
		require.Equal(t, k.enc, string(mustEncode(t, k.v)), "value %d changed", i)
	}
}

func mustEncode(t *testing.T, v lang.Value) []byte {
	t.Helper()
	enc, err := lang.Encode(v)
	require.NoError(t, err)
	return enc
}
