package lang_test

import (
	"math"
	"math/big"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
)

// TestDetachKeepsOnlyItself: a small value decoded beside a large one, kept
// as it is, keeps the large one's memory alive (it shares its builder's
// chunks); detached, it costs only its own size. A peer must not be able to
// make the relay hold a whole packet per tiny assertion.
func TestDetachKeepsOnlyItself(t *testing.T) {
	big := lang.String(strings.Repeat("x", 600<<10))
	retained := func(detach bool) int64 {
		var kept []lang.Value
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := 0; i < 20; i++ {
			packet := lang.Sequence{
				lang.NewRecord(lang.Symbol("junk"), big),
				lang.NewRecord(lang.Symbol("tiny"), lang.Int(int64(i)), lang.String("t"), lang.Symbol("s"), lang.Double(1.5)),
			}
			enc, err := lang.Encode(packet)
			require.NoError(t, err)
			v, err := lang.Decode(enc)
			require.NoError(t, err)
			tiny := v.(lang.Sequence)[1]
			if detach {
				tiny = lang.Detach(tiny)
			}
			kept = append(kept, tiny)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(kept)
		return int64(after.HeapAlloc) - int64(before.HeapAlloc)
	}
	assert.Greater(t, retained(false), int64(5<<20), "the test shows the retention it guards against")
	assert.Less(t, retained(true), int64(1<<20), "20 detached tiny records keep well under a megabyte")
}

func TestDetachIsEqual(t *testing.T) {
	n := new(big.Int).Lsh(big.NewInt(3), 100)
	built := lang.NewRecord(lang.Symbol("r"), lang.Int(1), lang.Double(math.Copysign(0, -1)), lang.String("s"), lang.ByteString("b"),
		lang.Symbol("sym"), lang.Sequence{lang.Int(1), lang.Int(2)}, lang.SetOf(lang.Symbol("a"), lang.Symbol("b")),
		lang.DictionaryOf(lang.Symbol("k"), lang.Symbol("v")), lang.Bool(true),
		lang.Embedded{Ref: lang.Sequence{lang.Int(0), lang.Int(1)}})
	enc, err := lang.Encode(built)
	require.NoError(t, err)
	v, err := lang.Decode(enc)
	require.NoError(t, err)
	d := lang.Detach(v)
	assert.True(t, lang.Equal(v, d))
	assert.Equal(t, lang.Format(v), lang.Format(d))
	b := lang.NewInteger(n)
	assert.True(t, lang.Equal(b, lang.Detach(b)))
	ann := &lang.Annotated{Annotations: []lang.Value{lang.Symbol("a")}, Value: lang.Int(1), Pos: lang.Position{File: "f.pr", Line: 2}}
	got := lang.Detach(ann).(*lang.Annotated)
	assert.Equal(t, ann.Pos, got.Pos)
	assert.Equal(t, ann.Annotations, got.Annotations)
}
