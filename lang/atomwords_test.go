package lang

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAtomWordsAgree: the decoder reads an atom's cache words straight
// from its input with masked loads (binary.go); atomWords computes them
// from the text alone (every other caller). They must agree, or an atom
// would be cached twice under different words.
func TestAtomWordsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 16; n++ {
		for range 50 {
			buf := make([]byte, 16+r.IntN(8))
			for i := range buf {
				buf[i] = byte(r.Uint32())
			}
			w0, w1 := atomWords(buf[:n])
			assert.Equal(t, binary.LittleEndian.Uint64(buf)&loMask[n], w0, "w0, %d bytes", n)
			assert.Equal(t, binary.LittleEndian.Uint64(buf[8:])&hiMask[n], w1, "w1, %d bytes", n)
		}
	}
}

// TestDecodeShortAtoms decodes integers of 1 to 9 bytes and texts of 1 to
// 40 bytes both where the decoder's fast paths read past them (more input
// follows) and at the very end of the input (where they may not), and
// checks each reads as it was written, and that a text the builder's
// public methods make afterwards is the cached value the decoder made.
func TestDecodeShortAtoms(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var vals []Value
	for n := 0; n < 64; n++ {
		vals = append(vals, Int(int64(r.Uint64())>>n), Int(-int64(r.Uint64()>>n)))
	}
	vals = append(vals, Int(0), Int(-1), Int(127), Int(128), Int(-128), Int(-129), Int(1023), Int(1024))
	for n := 1; n <= 40; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'a' + byte(r.IntN(26))
		}
		vals = append(vals, String(b), Symbol(b), ByteString(b))
	}
	for _, v := range vals {
		for _, tail := range []Value{nil, String("padding past the atom, more than 16 bytes")} {
			in := Sequence{v}
			if tail != nil {
				in = append(in, tail)
			}
			enc, err := Encode(in)
			require.NoError(t, err)
			got, err := Decode(enc)
			require.NoError(t, err)
			assert.True(t, Equal(in, got), "%s read as %s", Format(in), Format(got))
			assert.Equal(t, Key(in), Key(got))
		}
		if s, ok := v.(String); ok {
			d := NewDecoder(nil)
			for _, tail := range []string{"", "padding past the atom, more than 16 bytes"} {
				enc, err := Encode(Sequence{v, String(tail)})
				require.NoError(t, err)
				d.Reset(enc)
				got, err := d.Next()
				require.NoError(t, err)
				again := d.build.String(string(s))
				if len(s) <= maxCached {
					assert.Equal(t, dataWord(got.(Sequence)[0]), dataWord(again), "cache hit for %q", s)
				}
			}
		}
	}
}
