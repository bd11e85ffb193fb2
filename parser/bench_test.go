package parser_test

import (
	"testing"

	"github.com/synd-lang/synd/internal/sample"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

func BenchmarkReadText(b *testing.B) {
	text := []byte(lang.Format(sample.Mixed(1 << 20)))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parser.Parse("bench", text, parser.Options{}); err != nil {
			b.Fatal(err)
		}
	}
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
