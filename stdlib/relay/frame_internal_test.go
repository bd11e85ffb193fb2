package relay

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// TestFramedValuesDoNotAliasTheBuffer: the values Feed returns share no
// memory with the framer's buffer, so a session may hold them for ever while
// the buffer's memory is reused or kept alive only as long as a packet is
// unfinished. The buffer is overwritten after Feed returns: a value that kept
// a view of it (a string, symbol or byte string read in place) would change.
func TestFramedValuesDoNotAliasTheBuffer(t *testing.T) {
	src := `<rec "a long string that no decoder keeps in its cache of short atoms" sym 'quoted sym' #"bytes" #x"0102" [1 2 "short"] {key: "value"} 12345678901234567890123 1.5>`
	want, err := parser.Parse("want", []byte(src), parser.Options{})
	require.NoError(t, err)
	bin, err := lang.Encode(want)
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		packet []byte
	}{
		{"binary", bin},
		{"text", []byte(src + "\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stream []byte
			for range 3 {
				stream = append(stream, tc.packet...)
			}
			stream = stream[:len(stream)-5] // the third packet is unfinished
			backing := make([]byte, 0, 2*len(stream))
			f := &Framer{buf: backing}
			vs, err := f.Feed(stream)
			require.NoError(t, err)
			require.Len(t, vs, 2)
			require.Equal(t, len(tc.packet)-5, f.Buffered())
			before := make([]string, len(vs))
			for i, v := range vs {
				before[i] = lang.Format(v)
			}
			clobber := backing[:cap(backing)]
			for i := range clobber {
				clobber[i] = 0xFF
			}
			for i, v := range vs {
				assert.True(t, lang.Equal(want, v), "packet %d: %s", i, lang.Format(v))
				assert.Equal(t, before[i], lang.Format(v), "packet %d", i)
			}
		})
	}
}
