package dataspace

import (
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
