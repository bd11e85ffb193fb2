package eval

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// TestLiteralPatternIsLiteral: the wire form LiteralPattern builds straight
// from a value is the one dataspace.Literal's pattern gives, for atoms,
// embedded values and compounds of every size, annotations stripped.
func TestLiteralPatternIsLiteral(t *testing.T) {
	for _, src := range []string{
		`up`, `1`, `"s"`, `#t`, `#:x`,
		`<a>`, `<a 1>`, `<a 1 2>`, `<a 1 2 3>`, `<a <b <c d>> [e {f: g}]>`,
		`[]`, `[1 [2] <x>]`, `{}`, `{b: 1 a: <x y> c: [1]}`,
		`@"note" <a @"n" 1>`, `<service-state <milestone m0-0> up>`,
	} {
		vs, err := parser.ParseAll("t", []byte(src), parser.Options{Annotations: true})
		require.NoError(t, err, src)
		v := vs[0]
		want := dataspace.Literal(v).Value()
		got := LiteralPattern(v)
		assert.True(t, lang.Equal(want, got), "%s: got %s, want %s", src, lang.Format(got), lang.Format(want))
		p, err := dataspace.ParsePattern(got)
		require.NoError(t, err, src)
		_, ok := dataspace.Match(p, lang.Strip(v), nil)
		assert.True(t, ok, "%s matches its own literal pattern", src)
	}
}
