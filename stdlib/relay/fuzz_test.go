package relay_test

import (
	"strings"
	"testing"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/relay"
)

// FuzzFramer: any bytes, split anywhere, frame the same way as when fed at
// once, and never panic or exceed the bound.
func FuzzFramer(f *testing.F) {
	for _, s := range []string{
		"\xb5\xb5\xb0\x00\xb4\xb3\x01A\xb4\xb3\x02hi\x84\xb0\x01\x01\x84\x84\x84",
		"[[0 <A <hi> 1>]]\n", "\x85\xb3\x01a\x86\xb5\x84", "\xb1\x80\x80\x80\x80\x04", "#f\n<x>\n",
	} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		whole := relay.Framer{Max: 1 << 16}
		a, errA := whole.Feed(data)
		parts := relay.Framer{Max: 1 << 16}
		var b []lang.Value
		var errB error
		step := int(split%16) + 1
		for i := 0; i < len(data) && errB == nil; i += step {
			var vs []lang.Value
			vs, errB = parts.Feed(data[i:min(i+step, len(data))])
			b = append(b, vs...)
		}
		if (errA == nil) != (errB == nil) && !(whole.Text() && errA == nil) {
			t.Fatalf("whole: %v, in parts: %v", errA, errB)
		}
		if errA == nil && errB == nil && !whole.Text() {
			if len(a) != len(b) {
				t.Fatalf("%d packets whole, %d in parts", len(a), len(b))
			}
			for i := range a {
				if !lang.Equal(a[i], b[i]) {
					t.Fatalf("packet %d differs", i)
				}
			}
		}
	})
}

// FuzzSession feeds random packet sequences (text, one per line, or any
// bytes) to a live session: it may end the session with an error, but
// never panics (which eval would report as an internal error) and never
// keeps a peer's assertion after the session ends.
func FuzzSession(f *testing.F) {
	for _, s := range []string{
		"[[0 <A <x> 1>]]\n[[0 <R 1>]]\n",
		"[[0 <A <Observe <group <rec x> {}> #:[0 3]> 1>]]\n[[0 <A <x #:[1 0 <reject <_>>]> 2>]]\n",
		"[[0 <A <x> 1>]]\n[[0 <A <x> 1>]]\n",
		"[[0 <S #:[0 1]>]]\n[[0 <M <m #:[1 0]>>]]\n",
		"<error \"bye\" #f>\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := newNode(t)
		p, s := serve(t, n, relay.Options{MaxPacket: 1 << 16})
		if _, err := p.conn.Write(data); err != nil {
			t.Skip()
		}
		p.conn.Close()
		<-s.Done()
		eventually(t, func() bool { return len(n.contents()) == 0 })
		for _, err := range n.errors() {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatal(err)
			}
		}
	})
}
