package eval

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// TestCaveatSiteMatchesGeneralPath: a compiled attenuation site gives the
// caveats the general path gives (the sturdy.prs values of syndicate-server's
// Env::instantiate_caveat, parsed as rewrite.rs does): the same values, and
// the same rewriting of every sample.
func TestCaveatSiteMatchesGeneralPath(t *testing.T) {
	parse := func(src string) lang.Value {
		vs, err := parser.ParseAll("test", []byte(src), parser.Options{})
		require.NoError(t, err)
		require.Len(t, vs, 1)
		return vs[0]
	}
	env := Env{}.
		With("user", lang.Symbol("alice")).
		With("app", parse(`<app "notes" [1 2]>`)).
		With("conn", parse(`<conn 7>`)).
		With("d", parse(`{k: 1, j: <j>}`)).
		With("n", lang.Int(3))
	samples := []string{
		`<connect <main x> 1>`, `<connect <main x>>`, `<method 1>`, `<method <m 2>>`, `end`, `<end>`,
		`<accept 1>`, `<reject why>`, `<notify [1 2]>`, `<a 1 2>`, `<a 1>`, `<b alice <app "notes" [1 2]>>`,
		`<b alice <app "notes" [1 3]>>`, `<p {k: 1, j: <j>, z: 0}>`, `<p {k: 1}>`, `[1 2]`, `[alice 3]`, `3`, `"s"`,
	}
	for _, caveats := range []string{
		`<rewrite <connect ?to ?reply> <connect-request <user $user $app> $to $reply <user $user>>>`,
		`<or [<rewrite <accept ?inbox> <thread-accept $conn $inbox>> <rewrite <reject ?why> <thread-reject $conn $why>> <rewrite <notify ?value> <thread-notify $conn $value>>]>`,
		`<or [<rewrite <method ?value> <client-method $conn $value>> <rewrite end <client-end $conn>>]>`,
		`<rewrite <log ?ts ?details> <log $ts $details <user $user>>>`,
		`<accept <method _>>`,
		`<accept <b $user $app>>`,
		`<reject <a _ _>>`,
		`<reject <a $n>>`,
		`<accept <p $d>>`,
		`<rewrite ?x [$x $n [$user]]>`,
		`<rewrite [?x ?y] <swapped $y $x 1 "lit">>`,
		`<rewrite <a ?x ?x> $x>`,
		`<accept _> <reject <method _>>`,
		`<or [<accept <b ?u _>>]>`,
		`<or []>`,
	} {
		t.Run(caveats, func(t *testing.T) {
			s, err := parser.CompileFile("test.pr", []byte("let ?x = <* $cap ["+caveats+"]>\n"))
			require.NoError(t, err)
			tp := s.Body[0].(*parser.Let).Expr.(*parser.ETemplate).Template.(*parser.TAttenuate)
			x := &interp{script: s}
			vals, err := x.caveatValues(nil, tp.Caveats, env)
			require.NoError(t, err)
			general, err := ParseCaveats(vals)
			require.NoError(t, err)
			direct, ok := x.caveatSite(tp).fill(x, tp.Caveats, env)
			require.True(t, ok, "the site compiles directly")
			require.Equal(t, general.Len(), direct.Len())
			gv, dv := general.Values(), direct.Values()
			for i := range gv {
				assert.True(t, lang.Equal(gv[i], dv[i]), "value %d: %s vs %s", i, lang.Format(gv[i]), lang.Format(dv[i]))
			}
			for _, in := range samples {
				v := parse(in)
				g, gok := general.Rewrite(nil, v)
				d, dok := direct.Rewrite(nil, v)
				if assert.Equal(t, gok, dok, in) && gok {
					assert.True(t, lang.Equal(g, d), "%s: %s vs %s", in, lang.Format(g), lang.Format(d))
				}
			}
		})
	}
	// Forms the site leaves to the general path.
	for _, caveats := range []string{
		`<accept {k: ?v}>`,
		`<rewrite ?x {k: $x}>`,
		`<accept $.>`,
		`<rewrite ?x <* $x [<accept _>]>>`,
		`<rewrite ?x <a $missing>>`,
	} {
		s, err := parser.CompileFile("test.pr", []byte("let ?x = <* $cap ["+caveats+"]>\n"))
		if err != nil {
			t.Errorf("%s: %v", caveats, err)
			continue
		}
		tp := s.Body[0].(*parser.Let).Expr.(*parser.ETemplate).Template.(*parser.TAttenuate)
		x := &interp{script: s}
		_, ok := x.caveatSite(tp).fill(x, tp.Caveats, env)
		assert.False(t, ok, caveats)
	}
}

// TestCaveatSiteReuse: a site filled in again with the same values of its
// variables shares the caveats it made; other values make new ones.
func TestCaveatSiteReuse(t *testing.T) {
	s, err := parser.CompileFile("test.pr", []byte("let ?x = <* $cap [<rewrite <log ?ts ?d> <log $ts $d <user $user>>>]>\n"))
	require.NoError(t, err)
	tp := s.Body[0].(*parser.Let).Expr.(*parser.ETemplate).Template.(*parser.TAttenuate)
	x := &interp{script: s}
	site := x.caveatSite(tp)
	require.Equal(t, []string{"user"}, site.vars)
	fill := func(user string, other int) Caveats {
		cs, ok := site.fill(x, tp.Caveats, Env{}.With("user", lang.Symbol(user)).With("other", lang.Int(other)))
		require.True(t, ok)
		return cs
	}
	rewrite := func(cs Caveats) string {
		v, ok := cs.Rewrite(nil, lang.NewRecord(lang.Symbol("log"), lang.String("t"), lang.Int(1)))
		require.True(t, ok)
		return lang.Format(v)
	}
	a := fill("alice", 1)
	b := fill("alice", 2) // a variable the site does not use
	c := fill("bob", 1)
	assert.Same(t, &a.checked[0], &b.checked[0])
	assert.NotSame(t, &a.checked[0], &c.checked[0])
	assert.Equal(t, `<log "t" 1 <user alice>>`, rewrite(b))
	assert.Equal(t, `<log "t" 1 <user bob>>`, rewrite(c))
	assert.Equal(t, `<rewrite <rec log [<bind <_>> <bind <_>>]> <rec log [<ref 0> <ref 1> <rec user [<lit bob>]>]>>`, lang.Format(c.Values()[0]))
}
