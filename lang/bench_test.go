package lang_test

import (
	"testing"

	"github.com/synd-lang/synd/internal/sample"
	"github.com/synd-lang/synd/lang"
)

const benchSize = 1 << 20 // about 1 MB of mixed data

func BenchmarkDecodeBinary(b *testing.B) {
	enc, err := lang.Encode(sample.Mixed(benchSize))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lang.Decode(enc); err != nil {
			b.Fatal(err)
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
