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

// TestWirePatternIsPatternValue: the wire form a `?` builds straight from
// its pattern template, variables filled in, is the value of the pattern
// it stands for (dataspacePatterns.prs), whatever the group's size and kind.
func TestWirePatternIsPatternValue(t *testing.T) {
	env := Env{}.With("s", lang.String("x")).With("r", lang.NewRecord(lang.Symbol("a"), lang.Int(1))).With("l", lang.Symbol("lab"))
	for _, src := range []string{
		`<a ?x>`, `<a $s _>`, `<a $r [1 ?y] {k: $s}>`, `<$l ?x $s>`,
		`<a 1 2 3 4>`, `<a 1 $s 3 4 5 ?z>`, `[$s $r ?x _ 5 6]`, `{a: $s b: ?x c: <c $r>}`,
		`<a <b <c $s>>>`, `<?w <a $s>>`,
	} {
		s, err := parser.CompileFile("t.pr", []byte("? "+src+" []"))
		require.NoError(t, err, src)
		pt := s.Body[0].(*parser.During).Pattern
		x := &interp{}
		got, err := x.wire(pt.Root, env)
		require.NoError(t, err, src)
		p, err := x.pnode(pt.Root, env)
		require.NoError(t, err, src)
		assert.True(t, lang.Equal(p.Value(), got), "%s: got %s, want %s", src, lang.Format(got), lang.Format(p.Value()))
	}
}
