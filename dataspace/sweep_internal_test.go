package dataspace

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
)

// A class's list keeps the values that left it only until the dead
// outnumber the living: churn leaves no more than that behind, the living
// are listed in the order they appeared, and an emptied class keeps none.
func TestClassListSwept(t *testing.T) {
	d := New()
	fx := &countingEffects{}
	rec := func(i int) lang.Value { return lang.NewRecord(lang.Symbol("P"), lang.Int(int64(i))) }
	h := Handle(0)
	var live []Handle
	var liveVals []int
	for i := 0; i < 5000; i++ {
		h++
		require.NoError(t, d.Assert(fx, rec(i), h))
		live = append(live, h)
		liveVals = append(liveVals, i)
		if i%3 != 0 { // retract the oldest but one
			d.Retract(fx, live[1])
			live = append(live[:1], live[2:]...)
			liveVals = append(liveVals[:1], liveVals[2:]...)
		}
		c := d.index.classOf(rec(i))
		require.NotNil(t, c)
		n, dead := 0, 0
		for e := c.first; e != nil; e = e.cnext {
			if e.dead() {
				dead++
			} else {
				n++
			}
		}
		require.Equal(t, len(live), n)
		require.Equal(t, c.ndead, dead)
		require.LessOrEqual(t, dead, max(minSweep, n))
	}
	var got []lang.Value
	d.index.eachValue(d.index.classOf(rec(0)), func(e *entry) { got = append(got, e.value) })
	want := make([]lang.Value, len(liveVals))
	for i, v := range liveVals {
		want[i] = rec(v)
	}
	assert.Equal(t, lang.Format(lang.Sequence(want)), lang.Format(lang.Sequence(got)))
	assert.Equal(t, want, d.Assertions())

	for _, h := range live {
		d.Retract(fx, h)
	}
	assert.Nil(t, d.index.classOf(rec(0)), "the emptied class is dropped")
	assert.Zero(t, d.Len())
}

// A handle asserted twice is an error that changes nothing: not the values
// present, not their counts, not the classes (none is left behind for the
// refused value's label), whether the value is new, present, or held under
// another handle.
func TestHandleAssertedTwice(t *testing.T) {
	d := New()
	fx := &countingEffects{}
	a := lang.NewRecord(lang.Symbol("A"), lang.Int(1))
	require.NoError(t, d.Assert(fx, a, 1))
	require.NoError(t, d.Assert(fx, a, 2)) // a second handle of a
	for _, tc := range []struct {
		name string
		v    lang.Value
		h    Handle
	}{
		{"a new value", lang.NewRecord(lang.Symbol("B"), lang.Int(1)), 1},
		{"a new value, under a further handle", lang.NewRecord(lang.Symbol("B"), lang.Int(1)), 2},
		{"the same value", a, 1},
		{"the same value, under its further handle", a, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.EqualError(t, d.Assert(fx, tc.v, tc.h), fmt.Sprintf("handle %d asserted twice", tc.h))
			assert.Equal(t, 1, d.Len())
			assert.Equal(t, 2, d.Count(a))
			assert.Nil(t, d.index.classOf(lang.NewRecord(lang.Symbol("B"))), "no class left for B")
		})
	}
	// a held under its further handle only: a handle of another value is
	// still refused.
	c := lang.NewRecord(lang.Symbol("C"))
	require.NoError(t, d.Assert(fx, c, 3))
	d.Retract(fx, 1)
	require.EqualError(t, d.Assert(fx, a, 3), "handle 3 asserted twice")
	assert.Equal(t, 1, d.Count(a))
	assert.Equal(t, 1, d.Count(c))
	require.NoError(t, d.Assert(fx, a, 1))
	assert.Equal(t, 2, d.Count(a))
	d.Retract(fx, 1)
	d.Retract(fx, 2)
	d.Retract(fx, 3)
	assert.Zero(t, d.Len())
	assert.Nil(t, d.index.classOf(a))
	require.NoError(t, d.Assert(fx, a, 1), "the handle is free again")
}
