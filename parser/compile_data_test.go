package parser

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
)

// TestCompileDataSameScript: a file of plain records compiles, by the data
// fast path, to the script the general compiler makes of it — the same
// assertions, of equal values, at the same positions — and any other file
// is left to the general compiler.
func TestCompileDataSameScript(t *testing.T) {
	for _, src := range []string{
		"",
		"# only a comment\n",
		"<a>",
		"<depends-on <milestone m1-0> <service-state <milestone m0-0> up>>\n<require-service <milestone m1-0>>\n",
		"#!/usr/bin/env synd\n# comment\r\n\t<a 1 \"two\" [3 4] {k: v}>  <b #{x y}>\r\n\n   <c <d @ann 1> @\"note\" e>\n",
		"<a # inside\n 1>\n\u00a0<b 2>\u2003<c 3>",
		"<x =y>", // `=y` is a symbol's escape: not plain, left to the compiler
	} {
		vals, err := ParseAll("f.pr", []byte(src), Options{Positions: true, Annotations: true})
		require.NoError(t, err, src)
		want, err := CompileValues("f.pr", vals)
		require.NoError(t, err, src)
		got, ok := compileData("f.pr", []byte(src))
		if !ok {
			assert.Contains(t, src, "=y", "%q: not compiled as data", src)
			continue
		}
		assert.Equal(t, want.File, got.File)
		assert.Equal(t, want.Dir, got.Dir)
		require.Len(t, got.Body, len(want.Body), src)
		for i := range want.Body {
			w, g := want.Body[i].(*Assert), got.Body[i].(*Assert)
			assert.Equal(t, w.Pos(), g.Pos(), "%q: instruction %d", src, i)
			assert.Equal(t, w.Target, g.Target)
			wv, _ := ConstValue(w.Template)
			gv, _ := ConstValue(g.Template)
			assert.True(t, lang.Equal(wv, gv), "%q: %s vs %s", src, lang.Format(wv), lang.Format(gv))
			assert.Equal(t, w.Template.Pos(), g.Template.Pos())
		}
	}
	for _, src := range []string{
		"! <a>", "<a $x>", "? <a ?x> <b $x>", "{a: 1}", "[<a>]", "@ann <a>", "<a> let ?x = <b>",
		"<a", "<* $r [<rewrite _ _>]>", "<a> <b ?x>",
	} {
		_, ok := compileData("f.pr", []byte(src))
		assert.False(t, ok, "%q compiled as data", src)
	}
}

// FuzzCompileData: whatever the data fast path accepts, the general
// compiler accepts too and makes the same script of.
func FuzzCompileData(f *testing.F) {
	for _, s := range []string{
		"<a>", "<a 1 \"two\" [3 4] {k: v}>\n<b #{x y}>", "# c\n<a @x 1>\r\n<b>", "#!synd\n<a <b c>>",
		"<a # in\n 1>\u00a0<b 2>", "<x =y>", "<a $x>", "! <a>", "<a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		got, ok := compileData("f.pr", []byte(src))
		if !ok {
			return
		}
		vals, err := ParseAll("f.pr", []byte(src), Options{Positions: true, Annotations: true})
		if err != nil {
			t.Fatalf("%q: compiled as data, but reading it fails: %v", src, err)
		}
		want, err := CompileValues("f.pr", vals)
		if err != nil {
			t.Fatalf("%q: compiled as data, but compiling it fails: %v", src, err)
		}
		if len(got.Body) != len(want.Body) {
			t.Fatalf("%q: %d instructions as data, %d compiled", src, len(got.Body), len(want.Body))
		}
		for i := range want.Body {
			w, okw := want.Body[i].(*Assert)
			g := got.Body[i].(*Assert)
			if !okw || w.Pos() != g.Pos() || w.Target != g.Target {
				t.Fatalf("%q: instruction %d differs", src, i)
			}
			wv, okw := ConstValue(w.Template)
			gv, _ := ConstValue(g.Template)
			if !okw || !lang.Equal(wv, gv) {
				t.Fatalf("%q: instruction %d: %v vs %v", src, i, wv, gv)
			}
		}
	})
}
