package eval_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

func TestEnvPersistent(t *testing.T) {
	var e eval.Env
	versions := []eval.Env{e}
	const n = 5000
	for i := 0; i < n; i++ {
		e = e.With(fmt.Sprintf("v%d", i), lang.Int(i))
		versions = append(versions, e)
	}
	require.Equal(t, n, e.Len())
	for i := 0; i < n; i++ {
		v, ok := e.Lookup(fmt.Sprintf("v%d", i))
		require.True(t, ok)
		require.Equal(t, lang.Int(i), v)
	}
	// Older versions are unchanged.
	for _, k := range []int{0, 1, 17, 1000, n} {
		assert.Equal(t, k, versions[k].Len())
		_, ok := versions[k].Lookup(fmt.Sprintf("v%d", k))
		assert.False(t, ok)
		if k > 0 {
			v, ok := versions[k].Lookup(fmt.Sprintf("v%d", k-1))
			assert.True(t, ok)
			assert.Equal(t, lang.Int(k-1), v)
		}
	}
	// Rebinding replaces, in the new version only.
	e2 := e.With("v3", lang.String("new"))
	v, _ := e2.Lookup("v3")
	assert.Equal(t, lang.String("new"), v)
	v, _ = e.Lookup("v3")
	assert.Equal(t, lang.Int(3), v)
	assert.Equal(t, n, e2.Len())
	names := e2.Names()
	assert.Equal(t, "v3", names[len(names)-1], "Names orders by last binding")
	assert.Equal(t, "v0", names[0])
	assert.Equal(t, n, e2.Dictionary().Len())
	_, ok := eval.Env{}.Lookup("x")
	assert.False(t, ok)
}

// TestEnvBigScript: extending the environment does not copy it, so a script
// of 100,000 lets runs in little time and memory (issue 17.12).
func TestEnvBigScript(t *testing.T) {
	n := 100000
	if testing.Short() {
		n = 20000
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "let ?v%d = [%d $v%d]\n", i+1, i, i/2)
	}
	fmt.Fprintf(&b, "<last $v%d>\n", n)
	s, err := parser.CompileFile("big.pr", []byte(b.String()))
	require.NoError(t, err)
	sys := newSystem()
	var got lang.Value
	start := time.Now()
	sys.Spawn("main", func(tn *eval.Turn) {
		ds := tn.NewDataspace("ds")
		tn.During(ds, capture("last"), func(_ *eval.Turn, caps []lang.Value) { got = caps[0] })
		tn.RunScript(s, eval.Env{}.With("config", ds.Value()).With("v0", lang.Int(-1)))
	})
	run(t, sys)
	assert.Less(t, time.Since(start), 30*time.Second)
	require.NotNil(t, got)
	assert.Equal(t, lang.Int(n-1), got.(lang.Sequence)[0])
}

// BenchmarkEnvWith: extending a 1,000-binding environment by one name and
// looking one up, as a let in a large script does. BenchmarkEnvMapClone is
// the bare-Go way to keep the old version (clone a map, then add).
func BenchmarkEnvWith(b *testing.B) {
	var e eval.Env
	for i := 0; i < 1000; i++ {
		e = e.With(fmt.Sprintf("v%d", i), lang.Int(i))
	}
	for b.Loop() {
		e2 := e.With("extra", lang.Int(1))
		if _, ok := e2.Lookup("v500"); !ok {
			b.Fatal("lost a binding")
		}
	}
}

func BenchmarkEnvMapClone(b *testing.B) {
	m := map[string]lang.Value{}
	for i := 0; i < 1000; i++ {
		m[fmt.Sprintf("v%d", i)] = lang.Int(i)
	}
	for b.Loop() {
		m2 := maps.Clone(m)
		m2["extra"] = lang.Int(1)
		if _, ok := m2["v500"]; !ok {
			b.Fatal("lost a binding")
		}
	}
}

// TestEnvShadowing: a name bound again hides its older binding whether both
// are among the newest bindings or one has moved into the older ones, in
// Lookup, Len, Names and Dictionary alike.
func TestEnvShadowing(t *testing.T) {
	for _, gap := range []int{0, 1, 7, 8, 9, 20} {
		var e eval.Env
		e = e.With("x", lang.Int(1))
		for i := 0; i < gap; i++ {
			e = e.With(fmt.Sprintf("f%d", i), lang.Int(i))
		}
		old := e
		e = e.With("x", lang.Int(2)).With("y", lang.Int(3))
		v, ok := e.Lookup("x")
		require.True(t, ok)
		assert.Equal(t, lang.Int(2), v, "gap %d", gap)
		v, _ = old.Lookup("x")
		assert.Equal(t, lang.Int(1), v, "gap %d: the older Env is unchanged", gap)
		assert.Equal(t, gap+2, e.Len(), "gap %d", gap)
		names := e.Names()
		assert.Equal(t, []string{"x", "y"}, names[len(names)-2:], "gap %d", gap)
		assert.Len(t, names, gap+2)
		d := e.Dictionary()
		assert.Equal(t, gap+2, d.Len())
		got, _ := d.Get(lang.Symbol("x"))
		assert.Equal(t, lang.Int(2), got, "gap %d", gap)
	}
}
