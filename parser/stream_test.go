package parser_test

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// TestStreamReaderMatchesReader reads the same text whole and as a stream
// delivered a few bytes at a time (so that windows end inside every kind of
// token, UTF-8 sequence and escape): the values, positions and errors agree.
func TestStreamReaderMatchesReader(t *testing.T) {
	texts := []string{
		"1 [2 3] <a b> {k: v} #{x} \"str\\u00e9\" #\"by\" #x\"0102\" #[AQI=] 'q s' |old| @ann 12345678901234567890123 1.5e3 #t #f",
		"# comment\n<rec\n  \"héllo wörld 😀\"\n  [1, 2,\n 3]> # trailing\n\n#!interp\n<next 'a\\'b'> -0.0 #xd\"7ff0000000000000\"",
		"<unfinished [1 2",
		"ok [1 2] bad;symbol",
		"[1 2]\n  <x \"\\q\">",
		"",
		"   # only a comment",
		"123",
	}
	for _, text := range texts {
		for _, opts := range []parser.Options{{}, {Annotations: true, Positions: true}} {
			whole := readAll(parser.NewStringReader("f", text, opts).Next)
			for _, chunk := range []int{1, 2, 3, 7, 1 << 20} {
				src := iotest.HalfReader(&chunker{s: text, n: chunk})
				streamed := readAll(parser.NewStreamReader("f", src, opts).Next)
				require.Equal(t, len(whole.values), len(streamed.values), "%q in chunks of %d", text, chunk)
				for i := range whole.values {
					w := (&lang.TextWriter{Annotations: true}).Append(nil, whole.values[i])
					g := (&lang.TextWriter{Annotations: true}).Append(nil, streamed.values[i])
					assert.Equal(t, string(w), string(g))
					assert.Equal(t, lang.PositionOf(whole.values[i]), lang.PositionOf(streamed.values[i]))
				}
				assert.Equal(t, whole.err, streamed.err, "%q in chunks of %d", text, chunk)
			}
		}
	}
}

type result struct {
	values []lang.Value
	err    string
}

func readAll(next func() (lang.Value, error)) result {
	var r result
	for {
		v, err := next()
		if err == io.EOF {
			return r
		}
		if err != nil {
			r.err = err.Error()
			return r
		}
		r.values = append(r.values, v)
	}
}

// chunker delivers s n bytes per Read.
type chunker struct {
	s string
	n int
}

func (c *chunker) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[k:]
	return k, nil
}

// TestStreamReaderLongValue: a value much longer than one read is read in
// linear time (the reader doubles what it reads while the value is
// unfinished), and the reader's buffer is reused across values.
func TestStreamReaderLongValue(t *testing.T) {
	text := "[" + strings.Repeat("item ", 400000) + "] <after>"
	r := parser.NewStreamReader("long", strings.NewReader(text), parser.Options{})
	v, err := r.Next()
	require.NoError(t, err)
	assert.Len(t, lang.Unwrap(v).(lang.Sequence), 400000)
	v, err = r.Next()
	require.NoError(t, err)
	assert.Equal(t, "<after>", lang.Format(v))
	_, err = r.Next()
	assert.Equal(t, io.EOF, err)
}
