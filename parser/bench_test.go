package parser_test

import (
	"encoding/json"
	"testing"

	"github.com/synd-lang/synd/internal/gcshare"
	"github.com/synd-lang/synd/internal/sample"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// BenchmarkReadText reads about 1 MB of text; its -json baseline decodes
// equivalent data (sample.JSON) with encoding/json in the same run, so one
// `go test -bench ReadText ./parser` gives the ratio of bench/README.md's
// "Codecs" section. "gc-%" is the collector's share of CPU over the loop;
// the -nogc variant runs with the collector off.
func BenchmarkReadText(b *testing.B) {
	v := sample.Mixed(1 << 20)
	text := []byte(lang.Format(v))
	js, err := json.Marshal(sample.JSON(v))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("1MB", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		m := gcshare.Start()
		for b.Loop() {
			if _, err := parser.Parse("bench", text, parser.Options{}); err != nil {
				b.Fatal(err)
			}
		}
		m.Report(b)
	})
	b.Run("1MB-nogc", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		tick := gcshare.Off(b)
		for b.Loop() {
			if _, err := parser.Parse("bench", text, parser.Options{}); err != nil {
				b.Fatal(err)
			}
			tick()
		}
	})
	b.Run("1MB-json", func(b *testing.B) {
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

func BenchmarkReadTextPositions(b *testing.B) {
	text := []byte(lang.FormatPretty(sample.Mixed(1 << 20)))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parser.Parse("bench", text, parser.Options{Positions: true, Annotations: true}); err != nil {
			b.Fatal(err)
		}
	}
}
