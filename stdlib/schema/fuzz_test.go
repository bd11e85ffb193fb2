package schema

import (
	"testing"

	"github.com/synd-lang/synd/lang"
)

// FuzzParseText: reading schema text never panics, and whatever reads
// round-trips through the value form and the text form.
func FuzzParseText(f *testing.F) {
	f.Add(string(metaschemaText))
	f.Add(testSchema)
	f.Add("version 1 . A = <a @x int @y [string ...]> / =b / @c {k: bool} .")
	f.Fuzz(func(t *testing.T, src string) {
		s, err := ParseText("f.prs", []byte(src))
		if err != nil {
			return
		}
		v := s.Value()
		back, err := FromValue(v)
		if err != nil {
			t.Fatalf("value form of %q does not read back: %v", src, err)
		}
		if !lang.Equal(v, back.Value()) {
			t.Fatalf("value form of %q changes", src)
		}
		again, err := ParseText("f.prs", []byte(Format(s)))
		if err != nil {
			t.Fatalf("text of %q does not read back: %v\n%s", src, err, Format(s))
		}
		if !lang.Equal(v, again.Value()) {
			t.Fatalf("text of %q changes:\n%s", src, Format(s))
		}
	})
}

// FuzzReadBundle: decoding a .prb never panics, and a decoded bundle
// validates against the metaschema.
func FuzzReadBundle(f *testing.F) {
	b := &Bundle{Modules: map[string]*Schema{"schema": metaschemaOnce()}}
	bin, err := EncodeBundle(b)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(bin)
	f.Fuzz(func(t *testing.T, bin []byte) {
		b, err := ReadBundle(bin)
		if err != nil {
			return
		}
		if err := Metaschema().Validate("Bundle", b.Value()); err != nil {
			t.Fatalf("a bundle read from %x fails the metaschema: %v", bin, err)
		}
	})
}
