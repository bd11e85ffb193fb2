package format

import (
	"bytes"
	"os"
	"testing"

	"github.com/synd-lang/synd/parser"
)

// benchSource is the daemon class repeated: real script text of about 100 KB.
func benchSource(b *testing.B) []byte {
	src, err := os.ReadFile("../../stdlib/classes/daemon.pr")
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Repeat(append(src, '\n'), 100_000/len(src)+1)
}

// BenchmarkSource formats the text; compare with BenchmarkReadBaseline,
// reading the same text into values (which Source does once, besides
// lexing twice and laying out).
func BenchmarkSource(b *testing.B) {
	src := benchSource(b)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Source("bench.pr", src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadBaseline reads the text with annotations, the reader's work
// alone: the baseline for BenchmarkSource.
func BenchmarkReadBaseline(b *testing.B) {
	src := benchSource(b)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := parser.ParseAll("bench.pr", src, parser.Options{Annotations: true}); err != nil {
			b.Fatal(err)
		}
	}
}
