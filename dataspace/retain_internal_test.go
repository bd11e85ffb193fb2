package dataspace

import (
	"runtime"
	"testing"
	"weak"

	"github.com/stretchr/testify/assert"

	"github.com/synd-lang/synd/lang"
)

// observerHeld stands for what an observer's reference keeps alive: in the
// actor system, its entity and the (stopped) facet behind it.
type observerHeld struct{ _ [64]byte } // not a tiny allocation, which would share its block

// TestRetractedValuesAreNotKept: a value retracted while others of its class
// stay (so that its entry waits in the class's list for a sweep) is not kept
// alive by the dataspace — not a plain record's embedded reference, nor an
// Observe's observer.
func TestRetractedValuesAreNotKept(t *testing.T) {
	d := New()
	fx := &countingEffects{}
	h := Handle(0)
	assertV := func(v lang.Value) Handle {
		h++
		assert.NoError(t, d.Assert(fx, v, h))
		return h
	}
	for i := 0; i < 20; i++ { // living values of both classes, so no sweep is due
		assertV(lang.NewRecord(lang.Symbol("a"), lang.Int(i)))
		assertV(Observe(Group{Kind: GroupRecord, Label: lang.Symbol("b"), Entries: []GroupEntry{{lang.Int(0), Lit{lang.Int(int64(i))}}}}, lang.String("o")))
	}
	var gone []weak.Pointer[observerHeld]
	for i := 0; i < 3; i++ {
		held, observer := &observerHeld{}, &observerHeld{}
		gone = append(gone, weak.Make(held), weak.Make(observer))
		ha := assertV(lang.NewRecord(lang.Symbol("a"), lang.Embedded{Ref: held}))
		ho := assertV(Observe(Group{Kind: GroupRecord, Label: lang.Symbol("b"), Entries: []GroupEntry{{lang.Int(0), Bind{Discard{}}}}}, lang.Embedded{Ref: observer}))
		d.Retract(fx, ha)
		d.Retract(fx, ho)
	}
	runtime.GC()
	for i, p := range gone {
		assert.Nil(t, p.Value(), "retracted value %d is still reachable", i)
	}
	runtime.KeepAlive(d)
}
