package parser_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/sample"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

func compile(t *testing.T, src string) (*parser.Script, error) {
	t.Helper()
	return parser.CompileFile("s.pr", []byte(src))
}

func TestCompileForms(t *testing.T) {
	s, err := compile(t, `
<a 1>
+= sym
! <m>
$other <b>
[<c> <d>]
? <x ?v> <y $v>
?? <p ?v> ! <q $v>
?- ! <bye>
let ?n = 1
$n =~ 1 <one> <not-one>
`)
	require.NoError(t, err)
	kinds := make([]string, len(s.Body))
	for i, in := range s.Body {
		kinds[i] = fmt.Sprintf("%T", in)
	}
	assert.Equal(t, []string{"*parser.Assert", "*parser.Assert", "*parser.Send", "*parser.Assert", "*parser.Block",
		"*parser.During", "*parser.OnMessage", "*parser.OnStop", "*parser.Let", "*parser.Cond"}, kinds)
	assert.Equal(t, "other", s.Body[3].(*parser.Assert).Target, "$var INSTR changes the target")
	cond := s.Body[9].(*parser.Cond)
	assert.Len(t, cond.Else, 1, "the rest of the block is the else branch")
	assert.Equal(t, "s.pr:2:1", s.Body[0].Pos().String())
}

// TestCompileConformanceForms: forms syndicate-server's Parser accepts
// (script/mod.rs) that synd once refused.
func TestCompileConformanceForms(t *testing.T) {
	s, err := compile(t, `
let ?c = <* $config [<or [<rewrite <require-service ?s> <require-core-service $s>> <accept _>]>]>
$. =~ {c: _} <has-c>
$c [=~ _ <matched>]
? <$label ?x> <y>
let ?j = join stringify <sep> [a b]
? {=k: ?v, $x: ?w} <z>
`)
	require.NoError(t, err)
	att := s.Body[0].(*parser.Let).Expr.(*parser.ETemplate).Template.(*parser.TAttenuate)
	require.Len(t, att.Caveats, 1)
	assert.Equal(t, parser.CaveatOr, att.Caveats[0].Kind)
	assert.Equal(t, parser.CaveatRewrite, att.Caveats[0].Alts[0].Kind)
	assert.Equal(t, parser.CaveatAccept, att.Caveats[0].Alts[1].Kind)

	cond := s.Body[1].(*parser.Cond)
	assert.Equal(t, ".", cond.Var, "$. =~ matches the environment")
	require.Len(t, cond.Else, 4)
	bare := cond.Else[0].(*parser.Block).Body[0].(*parser.Cond)
	assert.Equal(t, "c", bare.Var, "a bare =~ matches the current target's variable")
	assert.Equal(t, "config", bare.Then.(*parser.Assert).Target, "its branch runs on the outer target")

	g := cond.Else[1].(*parser.During).Pattern.Root.(parser.PGroup)
	require.NotNil(t, g.LabelVar)
	assert.Equal(t, "label", g.LabelVar.Name)

	_, isStringify := cond.Else[2].(*parser.Let).Expr.(*parser.EJoin).Sep.(*parser.EStringify)
	assert.True(t, isStringify, "join's separator is an expression")

	d := cond.Else[3].(*parser.During).Pattern.Root.(parser.PGroup)
	assert.Equal(t, "[$x =k]", fmt.Sprint(d.Keys), "dictionary pattern keys are literal as written")
}

// TestBareSigilsInPatterns: a bare ? binds the empty name (script/mod.rs
// analyze: Binder("")); a bare $ names no variable and is an error.
func TestBareSigilsInPatterns(t *testing.T) {
	s, err := compile(t, `? <q ?> <r>`)
	require.NoError(t, err)
	assert.Equal(t, []string{""}, s.Body[0].(*parser.During).Pattern.Names)
	_, err = compile(t, `? <q $> <r>`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "s.pr:1:6: syntax error: $ needs a variable name")
}

func TestPatternNamesInCaptureOrder(t *testing.T) {
	s, err := compile(t, `? <?all <r ?a {z: ?z, b: ?b} [?c <?d <e ?f>>]>> <x>`)
	require.NoError(t, err)
	assert.Equal(t, []string{"all", "a", "b", "z", "c", "d", "f"}, s.Body[0].(*parser.During).Pattern.Names,
		"outer binder first, dictionary keys in Preserves order")
}

func TestCompileErrorsAllReported(t *testing.T) {
	_, err := compile(t, "?x\n_\n<ok>\n! \"fine\"\nlet ?a\n")
	require.Error(t, err)
	list, ok := err.(parser.ErrorList)
	require.True(t, ok)
	var lines []string
	for _, e := range list {
		lines = append(lines, e.Pos.String())
	}
	assert.Equal(t, []string{"s.pr:1:1", "s.pr:2:1", "s.pr:5:1"}, lines)
	assert.True(t, strings.Contains(err.Error(), "binder ?x cannot stand as an instruction"))
}

// FuzzCompile checks that the script compiler never panics and that a
// script it rejects always says where.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"<a 1>", "? <x ?v> [<y $v> ?- ! <z>]", "let <p ?a> = <p 1>", "$v =~ [?a] <b> <c>",
		"<* $ds [<reject <a _>> <rewrite <b ?x> <c $x>> <or [<rewrite ?x $x>]>]>", "?x", "let ?a", "!",
		"let ?j = join \", \" [a b]", "let ?s = stringify dataspace",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		s, err := parser.CompileFile("fuzz.pr", []byte(src))
		if err == nil {
			if s == nil {
				t.Fatal("no script and no error")
			}
			return
		}
		list, ok := err.(parser.ErrorList)
		if !ok || len(list) == 0 {
			t.Fatalf("error is not a list: %v", err)
		}
		for _, e := range list {
			if !e.Pos.IsValid() {
				t.Fatalf("error without a position: %v", e)
			}
		}
	})
}

// BenchmarkCompileLoad compiles a generated 10,000-line script of mixed
// instructions.
func BenchmarkCompileLoad(b *testing.B) {
	src := sample.Script(10000)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := parser.CompileFile("big.pr", src); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConstTemplates: a template that uses no variable is built once, when
// compiled (without the annotations of its text); one that does is not.
func TestConstTemplates(t *testing.T) {
	for _, tc := range []struct {
		src, want string // want "" means not constant
	}{
		{`<a 1 @note "s" =x>`, `<a 1 "s" x>`},
		{`<a [1 {k: <b>}] #{2}>`, `<a [1 {k: <b>}] #{2}>`},
		{`<a $v>`, ""},
		{`<a [<b $.>]>`, ""},
		{`<a <* $r [<accept _>]>>`, ""},
		{`<a []>`, `<a []>`},
		{`<a {k: $v}>`, ""},
		{`<a {$k: 1}>`, ""},
	} {
		s, err := compile(t, tc.src)
		require.NoError(t, err, tc.src)
		v, ok := parser.ConstValue(s.Body[0].(*parser.Assert).Template)
		if tc.want == "" {
			assert.False(t, ok, tc.src)
			continue
		}
		require.True(t, ok, tc.src)
		assert.Equal(t, tc.want, lang.Format(v), tc.src)
	}
}

// TestPlainTemplatesAreLiterals: an instruction's template with nothing to
// fill in is one literal; one with a variable keeps its structure, and so
// does a caveat's rewrite template however constant (sturdyTemplate makes
// a TCompound of its records).
func TestPlainTemplatesAreLiterals(t *testing.T) {
	s, err := compile(t, `<a <b c> [d]>
<a $x <b c>>
let ?r = <* $ds [<rewrite <p ?v> <q <r s>>>]>
`)
	require.NoError(t, err)
	lit, ok := s.Body[0].(*parser.Assert).Template.(*parser.TLit)
	require.True(t, ok)
	assert.Equal(t, "<a <b c> [d]>", lang.Format(lit.Value))
	assert.Equal(t, "s.pr:1:1", lit.P.String())
	rec, ok := s.Body[1].(*parser.Assert).Template.(*parser.TRecord)
	require.True(t, ok)
	assert.Nil(t, rec.Const)
	assert.NotNil(t, rec.Fields[1].(*parser.TRecord).Const, "a constant part is built once")
	att := s.Body[2].(*parser.Let).Expr.(*parser.ETemplate).Template.(*parser.TAttenuate)
	rw, ok := att.Caveats[0].Template.(*parser.TRecord)
	require.True(t, ok, "a caveat's template keeps its records")
	_, ok = rw.Fields[0].(*parser.TRecord)
	assert.True(t, ok)
}
