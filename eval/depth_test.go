package eval_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// TestTemplateDepthLimit (issue 17.2): a message loop that nests its value
// one level deeper each time stops, with a positioned error, when the value
// would outgrow what a reader accepts; only the facet that built it stops,
// and a value that deep never exists to overflow anyone's stack.
func TestTemplateDepthLimit(t *testing.T) {
	// Start near the limit, so the test takes a few steps, not thousands.
	seed := strings.Repeat("[", eval.MaxValueLevels-20) + "0" + strings.Repeat("]", eval.MaxValueLevels-20)
	src := "let ?seed = " + seed + `
? <start> [
  ?? <grow ?x> ! <grow [$x]>
  ! <grow $seed>
]
<start>
<sibling-alive>
`
	s, err := parser.CompileFile("grow.pr", []byte(src))
	require.NoError(t, err)
	sys := newSystem()
	var errs []error
	sys.OnError = func(_ *eval.Facet, err error) { errs = append(errs, err) }
	var space *eval.Ref
	deepest := 0
	sys.Spawn("main", func(tn *eval.Turn) {
		space = tn.NewDataspace("ds")
		tn.OnMessage(space, capture("grow"), func(_ *eval.Turn, caps []lang.Value) {
			n := 0
			for v := caps[0]; ; n++ {
				s, ok := v.(lang.Sequence)
				if !ok {
					break
				}
				v = s[0]
			}
			deepest = max(deepest, n)
		})
		tn.RunScript(s, eval.Env{}.With("config", space.Value()))
	})
	run(t, sys)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "grow.pr:3:25: the value built here would nest deeper than")
	// <grow [...]> may hold eval.MaxValueLevels-1 levels.
	assert.Equal(t, eval.MaxValueLevels-2, deepest)
	assert.Equal(t, 1, space.Entity().(*eval.DataspaceEntity).DS.Count(rec("sibling-alive")))
	assert.Equal(t, 1, space.Entity().(*eval.DataspaceEntity).DS.Count(rec("start")))
}

// TestCaveatDepthLimit: a caveat's rewrite that would nest a value too deep
// drops it rather than build it.
func TestCaveatDepthLimit(t *testing.T) {
	cs, err := eval.ParseCaveats(readValues(t, `<rewrite <bind <_>> <arr [<ref 0>]>>`))
	require.NoError(t, err)
	var v lang.Value = lang.Int(0)
	n := 1
	for ; n < eval.MaxValueLevels-10; n++ {
		v = lang.Sequence{v}
	}
	for ; ; n++ {
		out, ok := cs.Rewrite(nil, v)
		if !ok {
			break
		}
		v = out
	}
	assert.Equal(t, eval.MaxValueLevels, n)
}
