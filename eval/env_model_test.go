package eval_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// TestEnvAgreesWithModel: Env is a persistent map (frames over a trie that
// flatten changes in place for the nodes it copied). Random extensions of
// random earlier environments — so that old ones are extended again after
// newer ones were flattened from them — are checked against plain maps:
// every lookup, Len, the order of Names and Dictionary, of every
// environment ever made, at the end (anything changed in place that an
// older Env shares shows up there).
func TestEnvAgreesWithModel(t *testing.T) {
	type model struct {
		vals  map[string]int64
		order []string // names, in the order they were last bound
	}
	runs, steps := 40, 400
	if testing.Short() {
		runs = 8
	}
	for run := 0; run < runs; run++ {
		r := rand.New(rand.NewPCG(uint64(run), 77))
		names := make([]string, 5+r.IntN(60))
		for i := range names {
			names[i] = fmt.Sprintf("v%d", i)
		}
		envs := []eval.Env{{}}
		models := []model{{vals: map[string]int64{}}}
		for step := 0; step < steps; step++ {
			i := len(envs) - 1
			if r.IntN(3) == 0 {
				i = r.IntN(len(envs)) // extend an older one
			}
			name, v := names[r.IntN(len(names))], r.Int64N(1000)
			e := envs[i].With(name, lang.Int(v))
			m := model{vals: make(map[string]int64, len(models[i].vals)+1)}
			for k, x := range models[i].vals {
				m.vals[k] = x
			}
			m.vals[name] = v
			m.order = append(slices.DeleteFunc(slices.Clone(models[i].order), func(s string) bool { return s == name }), name)
			envs, models = append(envs, e), append(models, m)
		}
		for i, e := range envs {
			m := models[i]
			if e.Len() != len(m.vals) {
				t.Fatalf("run %d env %d: Len %d, want %d", run, i, e.Len(), len(m.vals))
			}
			for _, name := range names {
				got, ok := e.Lookup(name)
				want, bound := m.vals[name]
				if ok != bound || bound && !lang.Equal(got, lang.Int(want)) {
					t.Fatalf("run %d env %d: %s is %v (%v), want %d (%v)", run, i, name, got, ok, want, bound)
				}
			}
			if got := e.Names(); !slices.Equal(got, m.order) {
				t.Fatalf("run %d env %d: Names %v, want %v", run, i, got, m.order)
			}
			var kvs []lang.Value
			for k, x := range m.vals {
				kvs = append(kvs, lang.Symbol(k), lang.Int(x))
			}
			if got, want := e.Dictionary(), lang.DictionaryOf(kvs...); !lang.Equal(got, want) {
				t.Fatalf("run %d env %d: Dictionary %s, want %s", run, i, lang.Format(got), lang.Format(want))
			}
		}
	}
}
