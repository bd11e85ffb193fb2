package dataspace_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ds "github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// recorder is an Effects that writes every event as a line.
type recorder struct {
	next   ds.Handle
	events []string
	live   map[ds.Handle]string
}

func newRecorder() *recorder { return &recorder{next: 1000, live: map[ds.Handle]string{}} }

func (r *recorder) Assert(o any, caps lang.Value) ds.Handle {
	r.next++
	s := fmt.Sprintf("%v +%s", o, lang.Format(caps))
	r.live[r.next] = s
	r.events = append(r.events, s)
	return r.next
}

func (r *recorder) Retract(h ds.Handle) {
	s, ok := r.live[h]
	if !ok {
		r.events = append(r.events, fmt.Sprintf("retract of unknown handle %d", h))
		return
	}
	delete(r.live, h)
	r.events = append(r.events, "-"+s)
}

func (r *recorder) Message(o any, caps lang.Value) {
	r.events = append(r.events, fmt.Sprintf("%v !%s", o, lang.Format(caps)))
}

func (r *recorder) take() []string {
	e := r.events
	r.events = nil
	return e
}

func val(t *testing.T, s string) lang.Value {
	t.Helper()
	v, err := parser.Parse("t", []byte(s), parser.Options{})
	require.NoError(t, err)
	return v
}

func pat(t *testing.T, s string) ds.Pattern {
	t.Helper()
	p, err := ds.ParsePattern(val(t, s))
	require.NoError(t, err)
	return p
}

type obsName string

func (o obsName) String() string { return string(o) }

func TestBagSemantics(t *testing.T) {
	d, fx := ds.New(), newRecorder()
	v := val(t, "<a 1>")
	require.NoError(t, d.Assert(fx, v, 1))
	require.NoError(t, d.Assert(fx, v, 2))
	d.Retract(fx, 1)
	assert.Equal(t, 1, d.Count(v), "asserted twice, retracted once: still present")
	d.Retract(fx, 2)
	assert.Equal(t, 0, d.Count(v))
	d.Retract(fx, 99) // unknown handles are ignored
	require.NoError(t, d.Assert(fx, v, 3))
	assert.Error(t, d.Assert(fx, v, 3), "a handle may not be reused while live")
}

func TestDistinctCaptures(t *testing.T) {
	d, fx := ds.New(), newRecorder()
	require.NoError(t, d.Assert(fx, ds.Observe(pat(t, "<group <rec Present> {0: <bind <_>>}>"), obsName("O")), 1))
	assert.Empty(t, fx.take())
	require.NoError(t, d.Assert(fx, val(t, "<Present 1 a>"), 2))
	require.NoError(t, d.Assert(fx, val(t, "<Present 1 b>"), 3))
	assert.Equal(t, []string{"O +[1]"}, fx.take(), "two assertions with equal captures notify once")
	d.Retract(fx, 2)
	assert.Empty(t, fx.take(), "retracting one of them notifies nothing")
	d.Retract(fx, 3)
	assert.Equal(t, []string{"-O +[1]"}, fx.take())
}

func TestLateObserverSeesExisting(t *testing.T) {
	d, fx := ds.New(), newRecorder()
	for i, s := range []string{"<Present 3>", "<Present 1>", "<Other 2>", "<Present 2>"} {
		require.NoError(t, d.Assert(fx, val(t, s), ds.Handle(i+1)))
	}
	require.NoError(t, d.Assert(fx, ds.Observe(pat(t, "<group <rec Present> {0: <bind <_>>}>"), obsName("O")), 10))
	assert.Equal(t, []string{"O +[1]", "O +[2]", "O +[3]"}, fx.take())
	d.Retract(fx, 10)
	assert.Len(t, fx.take(), 3, "retracting the Observe retracts what it was told")
}

func TestMessagesReachCurrentObservers(t *testing.T) {
	d, fx := ds.New(), newRecorder()
	d.Message(fx, val(t, `<Says "bench" 0>`))
	require.NoError(t, d.Assert(fx, ds.Observe(pat(t, `<group <rec Says> {0: <lit "bench"> 1: <bind <_>>}>`), obsName("O")), 1))
	d.Message(fx, val(t, `<Says "bench" 1>`))
	d.Message(fx, val(t, `<Says "other" 2>`))
	d.Message(fx, val(t, `<Says "bench">`))
	d.Retract(fx, 1)
	d.Message(fx, val(t, `<Says "bench" 3>`))
	assert.Equal(t, []string{"O ![1]"}, fx.take())
	assert.Equal(t, 0, d.Len(), "messages leave nothing behind")
}

func TestPatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern, value string
		captures       string // "" for no match
	}{
		{"<_>", "anything", "[]"},
		{"<bind <_>>", "<x 1>", "[<x 1>]"},
		{"<lit 1>", "1", "[]"},
		{"<lit 1>", "1.0", ""},
		{"<lit <a 1>>", "<a 1>", "[]"},
		{"<lit <a 1>>", "<a 1 2>", "[]"},
		{"<group <rec a> {0: <bind <_>>}>", "<a 1 2 3>", "[1]"},
		{"<group <rec a> {1: <bind <_>>}>", "<a 1>", ""},
		{"<group <rec a> {0: <_>}>", "<a>", ""},
		{"<group <rec a> {}>", "<b>", ""},
		{"<group <arr> {0: <bind <_>>}>", "[1 2]", "[1]"},
		{"<group <arr> {0: <bind <_>>}>", "<arr 1>", ""},
		{"<group <dict> {k: <bind <_>>}>", "{k: 1 j: 2}", "[1]"},
		{"<group <dict> {k: <bind <_>>}>", "{j: 2}", ""},
		{"<bind <group <rec a> {0: <bind <_>>}>>", "<a <b>>", "[<a <b>> <b>]"},
		{"<group <rec x> {0: <bind <_>> 1: <group <rec y> {0: <bind <_>>}>}>", "<x 1 <y 2>>", "[1 2]"},
	} {
		t.Run(tc.pattern+" "+tc.value, func(t *testing.T) {
			p := pat(t, tc.pattern)
			caps, ok := ds.Match(p, val(t, tc.value), nil)
			if tc.captures == "" {
				assert.False(t, ok)
			} else {
				require.True(t, ok)
				assert.Equal(t, tc.captures, lang.Format(lang.Sequence(caps)))
			}
			if tc.pattern == "<_>" {
				return // its own Observe already produced the one empty tuple
			}
			// The index agrees with Match.
			d, fx := ds.New(), newRecorder()
			require.NoError(t, d.Assert(fx, ds.Observe(p, obsName("O")), 1))
			fx.take() // a catch-all pattern sees its own Observe
			require.NoError(t, d.Assert(fx, val(t, tc.value), 2))
			if tc.captures == "" {
				assert.Empty(t, fx.take())
			} else {
				assert.Equal(t, []string{"O +" + tc.captures}, fx.take())
			}
			again, err := ds.ParsePattern(p.Value())
			require.NoError(t, err)
			assert.Equal(t, lang.Format(p.Value()), lang.Format(again.Value()), "wire form round trip")
		})
	}
}

func TestObserveIsAnAssertion(t *testing.T) {
	d, fx := ds.New(), newRecorder()
	meta := `<group <rec Observe> {0: <group <rec group> {0: <group <rec rec> {0: <bind <_>>}>}>}>`
	require.NoError(t, d.Assert(fx, ds.Observe(pat(t, meta), obsName("M")), 1))
	require.NoError(t, d.Assert(fx, ds.Observe(pat(t, "<group <rec wanted> {}>"), obsName("O")), 2))
	assert.Equal(t, []string{"M +[Observe]", "M +[wanted]"}, fx.take(), "observers can react to demand (M sees its own Observe too)")
	// A malformed Observe is plain data, as in syndicate-server's
	// dataspace (<Dataspace as Entity>::assert in syndicate/src/dataspace.rs
	// registers an observer only if Observe::parse succeeds).
	require.NoError(t, d.Assert(fx, val(t, "<Observe <nonsense> 1>"), 3))
	require.NoError(t, d.Assert(fx, val(t, "<Observe foo bar>"), 4))
	assert.Equal(t, 1, d.Count(val(t, "<Observe foo bar>")))
	assert.Empty(t, fx.take(), "they observe nothing, and M's pattern does not match them")
}

func TestObserverOnlyVisitsMatchingLeaves(t *testing.T) {
	d, fx := ds.New(), newRecorder()
	for i := 0; i < 1000; i++ {
		p := pat(t, fmt.Sprintf("<group <rec Other%d> {0: <bind <_>>}>", i))
		require.NoError(t, d.Assert(fx, ds.Observe(p, obsName("X")), ds.Handle(i+1)))
	}
	require.NoError(t, d.Assert(fx, ds.Observe(pat(t, "<group <rec Present> {0: <bind <_>>}>"), obsName("O")), 5000))
	require.NoError(t, d.Assert(fx, val(t, "<Present 1>"), 5001))
	require.NoError(t, d.Assert(fx, val(t, "<Other7 1>"), 5002))
	assert.Equal(t, []string{"O +[1]", "X +[1]"}, fx.take())
}
