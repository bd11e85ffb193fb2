package lang_test

import (
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/sample"
	"github.com/synd-lang/synd/lang"
)

// TestStreamDecoderMatchesDecoder decodes the same bytes whole and as a
// stream delivered a few bytes at a time: the values agree, and so do the
// errors (with offsets counted from the start of the stream).
func TestStreamDecoderMatchesDecoder(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var good []byte
	for i := 0; i < 200; i++ {
		enc, err := lang.EncodeAnnotated(sample.Random(r, 3, true))
		require.NoError(t, err)
		good = append(good, enc...)
	}
	inputs := [][]byte{good, append(append([]byte{}, good...), 0xB5, 0x81), append(append([]byte{}, good...), 0x99), nil}
	for _, in := range inputs {
		whole := lang.NewDecoder(in)
		whole.KeepAnnotations = true
		want, wantErr := drain(whole.Next)
		for _, chunk := range []int{1, 3, 64, 1 << 20} {
			s := lang.NewStreamDecoder("", iotest.HalfReader(&byteChunker{b: in, n: chunk}))
			s.KeepAnnotations = true
			got, gotErr := drain(s.Next)
			require.Equal(t, len(want), len(got), "chunks of %d", chunk)
			for i := range want {
				a, _ := lang.EncodeAnnotated(want[i])
				b, _ := lang.EncodeAnnotated(got[i])
				assert.Equal(t, a, b)
			}
			assert.Equal(t, wantErr, gotErr, "chunks of %d", chunk)
		}
	}
}

func drain(next func() (lang.Value, error)) ([]lang.Value, string) {
	var vs []lang.Value
	for {
		v, err := next()
		if err == io.EOF {
			return vs, ""
		}
		if err != nil {
			return vs, err.Error()
		}
		vs = append(vs, v)
	}
}

type byteChunker struct {
	b []byte
	n int
}

func (c *byteChunker) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}

// TestStreamBuffer: Fill reads at least what it is asked for (or to the
// end), keeps what was not consumed in front, and Consume asks for a
// builder reset once about a megabyte has gone by.
func TestStreamBuffer(t *testing.T) {
	data := make([]byte, 3<<20)
	for i := range data {
		data[i] = byte(i)
	}
	b := lang.StreamBuffer{Src: iotest.OneByteReader(&byteChunker{b: data, n: 1000})}
	require.NoError(t, b.Fill(10))
	require.Len(t, b.Unread(), 10)
	assert.False(t, b.Consume(4))
	require.NoError(t, b.Fill(100))
	assert.Equal(t, data[4:110], b.Unread(), "the unconsumed bytes stay in front")
	resets, consumed := 0, 4
	for !b.EOF() || len(b.Unread()) > 0 {
		require.NoError(t, b.Fill(64<<10))
		assert.Equal(t, data[consumed:consumed+len(b.Unread())], b.Unread())
		n := len(b.Unread())
		if b.Consume(n) {
			resets++
		}
		consumed += n
	}
	assert.Equal(t, len(data), consumed)
	assert.Equal(t, 2, resets, "one reset per megabyte consumed")
	require.NoError(t, b.Fill(10), "at the end, Fill reads nothing and fails nothing")
	assert.Empty(t, b.Unread())
}
