package lang_test

import (
	"testing"

	"github.com/synd-lang/synd/lang"
)

// FuzzDecoder checks that the binary decoder never panics or hangs, and that
// whatever it accepts re-encodes to something it reads back as equal.
func FuzzDecoder(f *testing.F) {
	for _, s := range []string{
		"\x80", "\xb0\x00", "\xb5\x81\x80\x84", "\xb4\xb3\x01a\xb0\x01\x01\x84", "\x85\xb3\x01a\x80",
		"\xb7\xb3\x01a\xb0\x01\x01\x84", "\xb6\x81\x84", "\x86\xb1\x00", "\x87\x08\x7f\xf0\x00\x00\x00\x00\x00\x00",
		"\xb0\x09\x00\x80\x00\x00\x00\x00\x00\x00\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := lang.NewDecoder(data)
		d.KeepAnnotations = true
		d.MaxDepth = 200
		for {
			v, err := d.Next()
			if err != nil {
				return
			}
			enc, err := lang.EncodeAnnotated(v)
			if err != nil {
				t.Fatalf("re-encoding %s: %v", lang.Format(v), err)
			}
			d2 := lang.NewDecoder(enc)
			d2.KeepAnnotations = true
			v2, err := d2.Next()
			if err != nil {
				t.Fatalf("reading back %x: %v", enc, err)
			}
			if !lang.Equal(v, v2) {
				t.Fatalf("%s read back as %s", lang.Format(v), lang.Format(v2))
			}
			c1, _ := lang.EncodeCanonical(v)
			c2, _ := lang.EncodeCanonical(v2)
			if string(c1) != string(c2) || lang.Key(v) != lang.Key(v2) {
				t.Fatalf("canonical forms differ for %s", lang.Format(v))
			}
		}
	})
}

// FuzzStreamDecoder checks that decoding a stream delivered in pieces of
// any size gives the same values and errors as decoding it whole.
func FuzzStreamDecoder(f *testing.F) {
	for _, s := range []string{"\x80\xb5\x81\x80\x84", "\xb4\xb3\x01a\xb0\x01\x01\x84\xb1\x02hi", "\xb5\x81", "\x99"} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		whole := lang.NewDecoder(data)
		whole.KeepAnnotations, whole.MaxDepth = true, 200
		want, wantErr := drain(whole.Next)
		s := lang.NewStreamDecoder("", &byteChunker{b: data, n: int(chunk%16) + 1})
		s.KeepAnnotations, s.MaxDepth = true, 200
		got, gotErr := drain(s.Next)
		if len(want) != len(got) || wantErr != gotErr {
			t.Fatalf("%x: whole %d values, %q; streamed %d values, %q", data, len(want), wantErr, len(got), gotErr)
		}
		for i := range want {
			if !lang.Equal(want[i], got[i]) {
				t.Fatalf("%x: value %d differs", data, i)
			}
		}
	})
}
