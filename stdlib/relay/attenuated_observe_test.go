package relay_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib/relay"
)

// TestObserveThroughAttenuatedExport (issue 17.9, as 11.10 for a peer): a
// peer holding a ref that may only assert <pub _> asserts an Observe through
// it like any value; the caveats drop it, so the peer learns nothing of the
// <pub ...> and <secret ...> assertions present, while its <pub 2> lands.
// Pins syndicate actor.rs Cap::assert (the caveats see the Observe record).
func TestObserveThroughAttenuatedExport(t *testing.T) {
	n := newNode(t)
	caveats, err := parser.ParseAll("caveats", []byte(`<rewrite <bind <rec pub [<_>]>> <ref 0>>`), parser.Options{})
	require.NoError(t, err)
	cs, err := eval.ParseCaveats(caveats)
	require.NoError(t, err)
	var att *eval.Ref
	n.in(func(t *eval.Turn) {
		att = n.ds.Attenuate(t.System(), cs)
		t.Assert(n.ds, lang.NewRecord(lang.Symbol("pub"), lang.Int(1)))
		t.Assert(n.ds, lang.NewRecord(lang.Symbol("secret"), lang.Int(1)))
	})
	a, b := socketPair(t)
	n.in(func(t *eval.Turn) {
		relay.Start(t, a, a, func() { _ = a.Close() }, relay.Options{Initial: att, Name: "test"})
	})
	p := &peer{conn: b}
	p.send(t, `[[0 <A <Observe <group <rec pub> {0: <bind <_>>}> #:[0 5]> 1>]
	            [0 <A <Observe <bind <_>> #:[0 6]> 2>]
	            [0 <A <pub 2> 3>]
	            [0 <A <secret 2> 4>]
	            [0 <S #:[0 7]>]]`)
	// The sync's answer is the first thing the peer hears: neither Observe
	// reached the dataspace.
	require.Equal(t, `[[7 <M #t>]]`, lang.Format(p.next(t)))
	require.Contains(t, n.contents(), `<pub 2>`)
	require.NotContains(t, n.contents(), `<secret 2>`)
}
