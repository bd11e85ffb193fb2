package parser_test

import (
	"testing"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// FuzzReader checks that the text reader never panics or hangs, that every
// error is a *lang.Error with a position, and that whatever it accepts is
// written back as text it reads as the same value.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"#t", "[1, 2]", `<a "b" #"c" #x"00" #[AQ==] |d| 'e f'>`, `'it\'s' |a\|b|`, "{a: 1 b: [2]}", "#{1 2}", "@a # c\n1",
		`"\uD83D\uDE00"`, "#:<x>", `#xd"7ff8000000000001"`, "-0.0 1e9 +1.x", "#!synd\n<a>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		r := parser.NewStringReader("fuzz", src, parser.Options{Annotations: true, Positions: true, MaxDepth: 200})
		for {
			v, err := r.Next()
			if err != nil {
				if lang.KindOf(err) == 0 && err.Error() != "EOF" {
					t.Fatalf("error of unknown kind: %v", err)
				}
				return
			}
			w := &lang.TextWriter{Annotations: true}
			text := w.Append(nil, v)
			v2, err := parser.Parse("again", text, parser.Options{Annotations: true})
			if err != nil {
				t.Fatalf("%q was written as %q, which does not read: %v", src, text, err)
			}
			if !lang.Equal(v, v2) || string(w.Append(nil, v2)) != string(text) {
				t.Fatalf("%q → %q → %s", src, text, lang.Format(v2))
			}
		}
	})
}
