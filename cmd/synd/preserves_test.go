package main

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
)

// generator produces n bytes (and a little more, to end the last value)
// of a stream of values, made on demand so the test itself holds none of it.
type generator struct {
	n, made int
	pending []byte
	i       int
	binary  bool
}

func (g *generator) Read(p []byte) (int, error) {
	for len(g.pending) == 0 {
		if g.made >= g.n {
			return 0, io.EOF
		}
		g.i++
		v := lang.NewRecord(lang.Symbol("log"), lang.String(fmt.Sprintf("line %d of the stream", g.i)),
			lang.DictionaryOf(lang.Symbol("pid"), lang.Int(int64(g.i)), lang.Symbol("svc"), lang.Symbol(fmt.Sprintf("svc-%d", g.i%100))),
			lang.Sequence{lang.Double(float64(g.i) / 3), lang.ByteString("\x00\x01\x02\x03")})
		if g.binary {
			g.pending, _ = lang.Encode(v)
		} else {
			g.pending = append([]byte(lang.Format(v)), '\n')
		}
	}
	k := copy(p, g.pending)
	g.pending = g.pending[k:]
	g.made += k
	return k, nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// TestConvertStreamsInBoundedMemory pins issue 17 point 17: `synd preserves
// convert` used to read its whole input and all of its values before
// writing (500 MB of text took 3.2 GB). It now works value by value: the
// live heap, sampled while it converts a large generated stream, stays a
// small fraction of the input.
func TestConvertStreamsInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("converts about 100 MB")
	}
	for _, tc := range []struct {
		from string
		size int
		args []string
	}{
		{"text", 64 << 20, []string{"--to", "binary"}},
		{"binary", 32 << 20, []string{"--from", "binary", "--to", "pretty"}},
	} {
		t.Run(tc.from, func(t *testing.T) {
			runtime.GC()
			var peak atomic.Uint64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
				for {
					metrics.Read(s)
					if v := s[0].Value.Uint64(); v > peak.Load() {
						peak.Store(v)
					}
					select {
					case <-stop:
						return
					case <-time.After(2 * time.Millisecond):
					}
				}
			}()
			out := &countingWriter{}
			var errOut bytes.Buffer
			gen := &generator{n: tc.size, binary: tc.from == "binary"}
			code := dispatch(&cmdEnv{stdin: gen, stdout: out, stderr: &errOut}, append([]string{"preserves", "convert"}, tc.args...))
			close(stop)
			wg.Wait()
			require.Equal(t, 0, code, errOut.String())
			assert.Greater(t, out.n, int64(tc.size/4), "the values were written")
			t.Logf("%d MB of %s input: %d values, peak heap %.1f MB", tc.size>>20, tc.from, gen.i, float64(peak.Load())/(1<<20))
			assert.Less(t, peak.Load(), uint64(32<<20), "peak heap while converting %d MB", tc.size>>20)
		})
	}
}
