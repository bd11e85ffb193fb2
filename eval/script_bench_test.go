package eval_test

import (
	"testing"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// BenchmarkScriptObserve: a script's `?` instruction run once per message
// in the facet of a `??` body, which then stops: the pattern is filled in,
// asserted as an Observe, indexed by the dataspace, and retracted. Compare
// with BenchmarkBaseline.
func BenchmarkScriptObserve(b *testing.B) {
	benchObserve(b, `?? <tick> [? <item $n <detail ?x _> {k: ?y}> <seen $x $y> let ?f = facet $f ! stop]`)
}

// BenchmarkScriptObserveConstant is BenchmarkScriptObserve with a pattern
// that uses no variable (built once per script site).
func BenchmarkScriptObserveConstant(b *testing.B) {
	benchObserve(b, `?? <tick> [? <item 7 <detail ?x _> {k: ?y}> <seen $x $y> let ?f = facet $f ! stop]`)
}

func benchObserve(b *testing.B, src string) {
	s, f, space := setup(b)
	sc, err := parser.CompileFile("bench.pr", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	env := eval.Env{}.With("config", space.Value()).With("n", lang.Int(7))
	s.Post(f, func(tn *eval.Turn) { tn.RunScript(sc, env) })
	s.RunPending()
	tick := lang.NewRecord(lang.Symbol("tick"))
	for b.Loop() {
		s.Post(f, func(tn *eval.Turn) {
			for range batch {
				tn.Message(space, tick)
			}
		})
		s.RunPending()
	}
	if len(s.Errors) > 0 {
		b.Fatal(s.Errors)
	}
	if n := len(f.Children()); n != 0 {
		b.Fatalf("%d facets left", n)
	}
}
