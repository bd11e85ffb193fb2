package lang_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"testing"

	"github.com/synd-lang/synd/internal/gcshare"
	"github.com/synd-lang/synd/internal/sample"
	"github.com/synd-lang/synd/lang"
)

const benchSize = 1 << 20 // about 1 MB of mixed data

// The decode benchmarks each come with two baselines in the same run, so one
// `go test -bench Decode ./lang` gives the ratios of bench/README.md's
// "Codecs" section:
//
//   - walk: a structural walk over the same bytes (tags, lengths, nesting,
//     no values built) — about as fast as any decoder of this format can go;
//   - json: encoding/json decoding equivalent data (sample.JSON) into any.
//
// The decoder's benchmarks report "gc-%", the garbage collector's share of
// CPU over the loop; the -nogc variant runs the same loop with the collector
// off, so 1 - nogc/gc time is the wall-clock share GC costs.
func BenchmarkDecodeBinary(b *testing.B) {
	for _, size := range []struct {
		name  string
		bytes int
	}{{"1MB", benchSize}, {"1KB", 1 << 10}} {
		v := sample.Mixed(size.bytes)
		enc, err := lang.Encode(v)
		if err != nil {
			b.Fatal(err)
		}
		js, err := json.Marshal(sample.JSON(v))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			m := gcshare.Start()
			for b.Loop() {
				if _, err := lang.Decode(enc); err != nil {
					b.Fatal(err)
				}
			}
			m.Report(b)
		})
		b.Run(size.name+"-nogc", func(b *testing.B) {
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			tick := gcshare.Off(b)
			for b.Loop() {
				if _, err := lang.Decode(enc); err != nil {
					b.Fatal(err)
				}
				tick()
			}
		})
		b.Run(size.name+"-walk", func(b *testing.B) {
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				if err := walk(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size.name+"-json", func(b *testing.B) {
			b.SetBytes(int64(len(js)))
			b.ReportAllocs()
			m := gcshare.Start()
			for b.Loop() {
				var out any
				if err := json.Unmarshal(js, &out); err != nil {
					b.Fatal(err)
				}
			}
			m.Report(b)
		})
	}
}

// walk checks the structure of one binary value without building it: the
// baseline a decoder is measured against.
func walk(buf []byte) error {
	depth, i := 0, 0
	for {
		if i >= len(buf) {
			return errors.New("truncated")
		}
		tag := buf[i]
		i++
		switch {
		case tag == lang.TagFalse || tag == lang.TagTrue:
		case tag == lang.TagEnd:
			if depth == 0 {
				return errors.New("stray end")
			}
			depth--
		case tag == lang.TagAnnotation || tag == lang.TagEmbedded:
			continue // the value (or annotation) follows
		case tag == lang.TagIEEE754 || (tag >= lang.TagInteger && tag <= lang.TagSymbol):
			n, k := binary.Uvarint(buf[i:])
			if k <= 0 || n > uint64(len(buf)-i-k) {
				return errors.New("bad length")
			}
			i += k + int(n)
		case tag >= lang.TagRecord && tag <= lang.TagDictionary:
			depth++
			continue
		default:
			return errors.New("bad tag")
		}
		if depth == 0 {
			if i != len(buf) {
				return errors.New("trailing bytes")
			}
			return nil
		}
	}
}

func BenchmarkEncodeBinary(b *testing.B) {
	v := sample.Mixed(benchSize)
	enc, _ := lang.Encode(v)
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	buf := make([]byte, 0, len(enc))
	e := &lang.Encoder{}
	for b.Loop() {
		var err error
		if buf, err = e.Append(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeCanonical(b *testing.B) {
	v := sample.Mixed(benchSize)
	enc, _ := lang.Encode(v)
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lang.EncodeCanonical(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompare(b *testing.B) {
	v := sample.Mixed(benchSize)
	enc, _ := lang.Encode(v)
	w, _ := lang.Decode(enc) // an equal value sharing no memory with v
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if lang.Compare(v, w) != 0 {
			b.Fatal("not equal")
		}
	}
}

func BenchmarkKey(b *testing.B) {
	v := lang.NewRecord(lang.Symbol("Says"), lang.String("bench"), lang.Int(42))
	b.ReportAllocs()
	for b.Loop() {
		_ = lang.Key(v)
	}
}
