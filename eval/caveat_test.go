package eval_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// readValues reads Preserves text into values.
func readValues(t *testing.T, src string) []lang.Value {
	t.Helper()
	vs, err := parser.ParseAll("test", []byte(src), parser.Options{})
	require.NoError(t, err)
	return vs
}

func readValue(t *testing.T, src string) lang.Value {
	t.Helper()
	vs := readValues(t, src)
	require.Len(t, vs, 1)
	return vs[0]
}

// TestCaveatRewrite pins syndicate rewrite.rs (Pattern::matches,
// Template::instantiate, CheckedCaveat::rewrite) and actor.rs Cap::rewrite
// (caveats run right to left).
func TestCaveatRewrite(t *testing.T) {
	for _, tc := range []struct {
		name, caveats, in, out string // out "" means dropped
	}{
		{"rewrite", `<rewrite <rec a [<bind <_>>]> <rec b [<ref 0>]>>`, `<a 1>`, `<b 1>`},
		{"record arity is exact", `<rewrite <rec a [<bind <_>>]> <ref 0>>`, `<a 1 2>`, ``},
		{"record arity is exact (fewer)", `<rewrite <rec a [<_> <_>]> <lit ok>>`, `<a 1>`, ``},
		{"sequence arity is exact", `<rewrite <arr [<_>]> <lit ok>>`, `[1 2]`, ``},
		{"sequence of the right length", `<rewrite <arr [<_> <bind <_>>]> <ref 0>>`, `[1 2]`, `2`},
		{"dictionary: listed keys only", `<rewrite <dict {a: <bind <_>>}> <ref 0>>`, `{a: 1, b: 2}`, `1`},
		{"dictionary: missing key", `<rewrite <dict {a: <_>}> <lit ok>>`, `{b: 2}`, ``},
		{"reject drops a match", `<reject <rec secret [<_>]>>`, `<secret 1>`, ``},
		{"reject: exact arity lets a longer record through", `<reject <rec secret [<_>]>>`, `<secret 1 2>`, `<secret 1 2>`},
		{"atom class", `<rewrite <bind String> <ref 0>>`, `"s"`, `"s"`},
		{"atom class mismatch", `<rewrite <bind String> <ref 0>>`, `s`, ``},
		{"integer class", `<rewrite <rec n [SignedInteger]> <lit ok>>`, `<n 100000000000000000000000>`, `ok`},
		{"and", `<rewrite <and [<rec p [<bind <_>>]> <rec p [<lit 1>]>]> <ref 0>>`, `<p 1>`, `1`},
		{"not", `<rewrite <not <rec p [<_>]>> <lit other>>`, `<q>`, `other`},
		{"not (matching)", `<rewrite <not <rec p [<_>]>> <lit other>>`, `<p 1>`, ``},
		{"literal compound", `<rewrite <lit [1 2]> <lit ok>>`, `[1 2]`, `ok`},
		{"or: first match decides", `<or [<rewrite <rec a [<bind <_>>]> <rec first [<ref 0>]>> <rewrite <bind <_>> <lit second>>]>`, `<a 1>`, `<first 1>`},
		{"or: falls through", `<or [<rewrite <rec a [<_>]> <lit first>> <rewrite <bind <_>> <lit second>>]>`, `<b>`, `second`},
		{"or: none", `<or []>`, `<b>`, ``},
		{"unknown caveat rejects all", `<accept <_>>`, `<x>`, ``},
		{"malformed pattern rejects all", `<rewrite <bogus> <lit x>>`, `<x>`, ``},
		{"template dictionary", `<rewrite <rec a [<bind <_>>]> <dict {k: <ref 0>}>>`, `<a 1>`, `{k: 1}`},
		{"right to left", `<reject <rec hidden [<_>]>> <rewrite <rec g [<bind <_>>]> <rec hidden [<ref 0>]>>`, `<g 1>`, ``},
		{"right to left (passes)", `<rewrite <rec h [<bind <_>>]> <rec seen [<ref 0>]>> <rewrite <rec g [<bind <_>>]> <rec h [<ref 0>]>>`, `<g 1>`, `<seen 1>`},
		{"nested binds capture outer first", `<rewrite <bind <rec p [<bind <_>>]>> <arr [<ref 1> <ref 0>]>>`, `<p 1>`, `[1 <p 1>]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := eval.ParseCaveats(readValues(t, tc.caveats))
			require.NoError(t, err)
			out, ok := cs.Rewrite(nil, readValue(t, tc.in))
			if tc.out == "" {
				assert.False(t, ok, "passed as %s", lang.Format(out))
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.out, lang.Format(out))
		})
	}
}

// TestCaveatErrors pins rewrite.rs Caveat::validate: unbound template refs
// and bindings under negation are refused.
func TestCaveatErrors(t *testing.T) {
	for _, src := range []string{
		`<rewrite <_> <ref 0>>`,
		`<rewrite <bind <_>> <rec a [<ref 1>]>>`,
		`<rewrite <not <bind <_>>> <lit x>>`,
		`<or [<rewrite <bind <_>> <ref 0>> <rewrite <_> <ref 3>>]>`,
		`<rewrite <_> <ref -1>>`,
		`<rewrite <_> <attenuate <lit x> [<rewrite <_> <ref 0>>]>>`,
	} {
		_, err := eval.ParseCaveats(readValues(t, src))
		var ce *eval.CaveatError
		assert.ErrorAs(t, err, &ce, src)
	}
}

func TestCaveatsKeepValues(t *testing.T) {
	vs := readValues(t, `<reject <_>> <rewrite <bind <_>> <ref 0>>`)
	cs, err := eval.ParseCaveats(vs)
	require.NoError(t, err)
	assert.Equal(t, 2, cs.Len())
	assert.Equal(t, "<reject <_>>", lang.Format(cs.Values()[0]))
	more, err := eval.ParseCaveats(readValues(t, `<reject <lit 1>>`))
	require.NoError(t, err)
	both := cs.Then(more)
	assert.Equal(t, 3, both.Len())
	assert.Equal(t, 2, cs.Len(), "Then does not change its receiver")
}

// TestRefAttenuate: a ref keeps its caveats (oldest first) and its
// underlying ref; an <attenuate ...> template attenuates a captured ref
// (rewrite.rs Template::instantiate).
func TestRefAttenuate(t *testing.T) {
	s := newSystem()
	var space, inner *eval.Ref
	var seen []string
	s.Spawn("main", func(tn *eval.Turn) {
		space = tn.NewDataspace("ds")
		inner = tn.NewDataspace("inner")
		tn.During(space, capture("got"), func(tn *eval.Turn, caps []lang.Value) {
			seen = append(seen, lang.Format(caps[0]))
			r := lang.Unwrap(caps[0]).(lang.Embedded).Ref.(*eval.Ref)
			assert.Equal(t, 1, r.Caveats().Len())
			assert.Same(t, inner, r.Underlying())
		})
		c1, err := eval.ParseCaveats(readValues(t, `<rewrite <rec give [<bind <_>>]> <rec got [<attenuate <ref 0> [<reject <_>>]>]>>`))
		require.NoError(t, err)
		c2, err := eval.ParseCaveats(readValues(t, `<reject <rec nope [<_>]>>`))
		require.NoError(t, err)
		att := space.Attenuate(tn.System(), c1).Attenuate(tn.System(), c2)
		assert.Equal(t, 2, att.Caveats().Len())
		assert.Same(t, space, att.Underlying())
		assert.Equal(t, "<reject <rec nope [<_>]>>", lang.Format(att.Caveats().Values()[1]))
		tn.Assert(att, rec("give", inner.Value()))
		tn.Assert(att, rec("nope", inner.Value()))
	})
	run(t, s)
	assert.Len(t, seen, 1)
}

// FuzzCaveats: caveats arrive from peers, so parsing and running any list
// of values as caveats, on any value, must neither panic nor build a value
// deeper than MaxValueLevels.
func FuzzCaveats(f *testing.F) {
	for _, s := range []string{
		`[<rewrite <rec a [<bind <_>>]> <rec b [<ref 0>]>>] <a 1>`,
		`[<or [<rewrite <bind String> <ref 0>> <rewrite <_> <lit x>>]>] "s"`,
		`[<reject <and [<not <rec p [<_>]>> <arr [<_>]>]>>] [1]`,
		`[<rewrite <dict {k: <bind <_>>}> <attenuate <ref 0> [<reject <_>>]>>] {k: 1}`,
		`[<rewrite <bind <_>> <ref 99999999999999999999>>] 1`,
		`[<frob>] 1`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		vs, err := parser.ParseAll("fuzz", []byte(src), parser.Options{})
		if err != nil || len(vs) != 2 {
			return
		}
		list, ok := vs[0].(lang.Sequence)
		if !ok {
			return
		}
		cs, err := eval.ParseCaveats(list)
		if err != nil {
			return
		}
		_, _ = cs.Rewrite(nil, vs[1])
	})
}
