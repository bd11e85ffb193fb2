package parser_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/synd-lang/synd/internal/sample"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// TestStreamValuesSurviveCollections: the stream readers (text and binary)
// read into a builder's arena (lang/arena.go) and reset it every megabyte
// of input, while the values read before stay in use: a value kept from
// early in a long stream, through many resets, chunk reuse and collections
// (GOGC=1), must read back as it was written. The stream is fed a few
// bytes at a time (iotest.HalfReader), so that values are read again after
// the window grows mid-value. Run with GODEBUG=clobberfree=1 to make any
// use of freed memory loud.
func TestStreamValuesSurviveCollections(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	size := 3 << 20
	if testing.Short() {
		size = 1200 << 10
	}
	r := rand.New(rand.NewPCG(9, 9))
	var vals []lang.Value
	var text, bin bytes.Buffer
	for text.Len() < size {
		var v lang.Value
		switch r.IntN(6) {
		case 0:
			v = lang.String(strings.Repeat(fmt.Sprintf("text %d ", r.IntN(1000)), 1+r.IntN(700)))
		case 1:
			v = lang.NewRecord(lang.Symbol(fmt.Sprintf("lbl%d", r.IntN(50))), lang.Symbol(fmt.Sprintf("s%d", r.IntN(3000))), lang.String(fmt.Sprintf("%d", r.IntN(100))))
		default:
			v = sample.Random(r, 4, false)
		}
		vals = append(vals, v)
		text.WriteString(lang.Format(v))
		text.WriteByte('\n')
		b, err := lang.Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		bin.Write(b)
	}
	for _, tc := range []struct {
		name string
		next func(io.Reader) func() (lang.Value, error)
		src  []byte
	}{
		{"text", func(src io.Reader) func() (lang.Value, error) {
			return parser.NewStreamReader("stream", src, parser.Options{}).Next
		}, text.Bytes()},
		{"binary", func(src io.Reader) func() (lang.Value, error) {
			return lang.NewStreamDecoder("stream", src).Next
		}, bin.Bytes()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := tc.next(iotest.HalfReader(bytes.NewReader(tc.src)))
			var kept []lang.Value
			var idx []int
			for i := 0; ; i++ {
				v, err := next()
				if err == io.EOF {
					if i != len(vals) {
						t.Fatalf("read %d values, wrote %d", i, len(vals))
					}
					break
				}
				if err != nil {
					t.Fatalf("value %d: %v", i, err)
				}
				if i%7 == 0 {
					kept, idx = append(kept, v), append(idx, i)
				}
				if i%200 == 0 {
					junk := make([][]byte, 64)
					for j := range junk {
						junk[j] = make([]byte, 16+r.IntN(4<<10))
					}
					runtime.GC()
				}
			}
			runtime.GC()
			runtime.GC()
			for k, v := range kept {
				if !lang.Equal(v, vals[idx[k]]) {
					t.Fatalf("value %d changed:\n%.300s\nwant\n%.300s", idx[k], lang.Format(v), lang.Format(vals[idx[k]]))
				}
			}
		})
	}
}
