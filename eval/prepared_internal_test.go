package eval

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// TestPreparedRunsShareSites: two runs of one prepared script each do the
// script's work, and share what was learnt of its patterns and
// attenuations (one site each, not one per run).
func TestPreparedRunsShareSites(t *testing.T) {
	s, err := parser.CompileFile("p.pr", []byte("? <x ?v> $config <seen $v $who>\nlet ?cap = <* $config [<accept <seen _ _>>]>\n$cap <seen cap $who>\n"))
	require.NoError(t, err)
	p := Prepare(s)
	sys := NewSystem(nil)
	var ds *Ref
	sys.Spawn("test", func(t *Turn) {
		ds = t.NewDataspace("config")
		for _, who := range []string{"a", "b"} {
			t.RunPrepared(p, Env{}.With("config", ds.Value()).With("who", lang.Symbol(who)))
		}
		t.Assert(ds, lang.NewRecord(lang.Symbol("x"), lang.Int(1)))
	})
	require.NoError(t, sys.Run(context.Background()))
	var seen []string
	for _, v := range ds.entity.(*DataspaceEntity).DS.Assertions() {
		if r, ok := v.(*lang.Record); ok && lang.Equal(r.Label, lang.Symbol("seen")) {
			seen = append(seen, lang.Format(v))
		}
	}
	assert.ElementsMatch(t, []string{"<seen 1 a>", "<seen 1 b>", "<seen cap a>", "<seen cap b>"}, seen)
	assert.Len(t, p.sites, 2) // the ? pattern and the let's
	assert.Len(t, p.caveatSites, 1)
	assert.Empty(t, sys.Errors)
}
