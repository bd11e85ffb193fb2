package eval_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// TestScriptValuesSurviveCollections: a script compiled from text (its
// constants, patterns and templates read into the text reader's arena,
// lang/arena.go, whose chunks the collector does not scan) reacts to
// values decoded from binary (the decoder's arena) that the host asserts
// and retracts; what the script binds lives in its environment frames and
// in capture tuples that alias fields of the asserted values, and what it
// asserts is built from both. The collector runs again and again (GOGC=1)
// over churned memory while this goes on; at the end everything the script
// asserted must read back exactly as computed from the host's own record
// of what it asserted. Run with GODEBUG=clobberfree=1 to make any use of
// freed memory loud.
func TestScriptValuesSurviveCollections(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	rounds := 30
	if testing.Short() {
		rounds = 6
	}
	constant := strings.Repeat("constant text kept by the script ", 100)
	script := func() *parser.Script {
		src := fmt.Sprintf(`
$config ? <item ?n ?s ?rest> [
  $config <seen $n $s $rest %q>
  let ?pair = [$n $rest <tag %q>]
  $config ? <ping $n> [
    $config <pong $pair $s>
  ]
]
`, constant, strings.Repeat("t", 300))
		sc, err := parser.CompileFile("gc.pr", []byte(src))
		require.NoError(t, err)
		return sc
	}()

	s := eval.NewSystem(nil)
	var errs []error
	s.OnError = func(f *eval.Facet, err error) { errs = append(errs, err) }
	var root *eval.Facet
	var config *eval.Ref
	ready := make(chan struct{})
	s.Spawn("host", func(tn *eval.Turn) {
		root = tn.Facet()
		root.PreventInert()
		config = tn.NewDataspace("config")
		sc := script
		tn.Spawn("script", func(tn *eval.Turn) {
			tn.RunScript(sc, eval.Env{}.With("config", config.Value()))
		})
		close(ready)
	})
	s.Hold()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	<-ready
	script = nil // only the running script holds it now
	in := func(f func(tn *eval.Turn)) {
		ch := make(chan struct{})
		s.Post(root, func(tn *eval.Turn) { f(tn); close(ch) })
		<-ch
	}
	held := func() []string {
		var out []string
		in(func(tn *eval.Turn) {
			for _, a := range config.Entity().(*eval.DataspaceEntity).DS.Assertions() {
				if r, ok := a.(*lang.Record); ok && (lang.Equal(r.Label, lang.Symbol("seen")) || lang.Equal(r.Label, lang.Symbol("pong"))) {
					out = append(out, lang.Format(a))
				}
			}
		})
		slices.Sort(out)
		return out
	}

	r := rand.New(rand.NewPCG(1, 2))
	type item struct {
		s, rest    string // as text, to compute what the script asserts
		item, ping eval.Handle
	}
	items := map[int]*item{}
	next := 0
	decode := func(text string) lang.Value {
		v, err := parser.Parse("host", []byte(text), parser.Options{})
		require.NoError(t, err)
		b, err := lang.Encode(v)
		require.NoError(t, err)
		d, err := lang.Decode(b)
		require.NoError(t, err)
		return d
	}
	want := func() []string {
		var out []string
		for n, it := range items {
			out = append(out, lang.Format(decode(fmt.Sprintf("<seen %d %s %s %q>", n, it.s, it.rest, constant))))
			if it.ping != 0 {
				out = append(out, lang.Format(decode(fmt.Sprintf("<pong [%d %s <tag %q>] %s>", n, it.rest, strings.Repeat("t", 300), it.s))))
			}
		}
		slices.Sort(out)
		return out
	}
	for round := 0; round < rounds; round++ {
		in(func(tn *eval.Turn) {
			for i := 0; i < 20; i++ {
				next++
				it := &item{
					s:    fmt.Sprintf("%q", strings.Repeat(fmt.Sprintf("s%d ", next), 1+r.IntN(900))),
					rest: fmt.Sprintf("{k: [%d %s] b: #[%s]}", r.Int64(), strings.Repeat("9", 20+r.IntN(40)), strings.Repeat("AAAA", r.IntN(300))),
				}
				it.item = tn.Assert(config, decode(fmt.Sprintf("<item %d %s %s>", next, it.s, it.rest)))
				items[next] = it
			}
			for n, it := range items {
				switch r.IntN(5) {
				case 0:
					tn.Retract(it.item)
					if it.ping != 0 {
						tn.Retract(it.ping)
					}
					delete(items, n)
				case 1:
					if it.ping == 0 {
						it.ping = tn.Assert(config, decode(fmt.Sprintf("<ping %d>", n)))
					}
				}
			}
		})
		w := want()
		if !waitFor(func() bool { return len(held()) == len(w) }) {
			t.Fatalf("round %d: the script holds %d values, want %d; errors: %v", round, len(held()), len(w), errs)
		}
		junk := make([][]byte, 0, 256)
		for i := 0; i < 256; i++ {
			junk = append(junk, make([]byte, 16+r.IntN(8<<10)))
		}
		_ = junk
		runtime.GC()
		runtime.GC()
		got := held()
		for i := range w {
			if i >= len(got) || got[i] != w[i] {
				g := "(nothing)"
				if i < len(got) {
					g = got[i]
				}
				t.Fatalf("round %d: the script holds\n%.300s\nwhere it should hold\n%.300s", round, g, w[i])
			}
		}
	}
	require.Empty(t, errs)
}

func waitFor(f func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if f() {
			return true
		}
	}
	return false
}
