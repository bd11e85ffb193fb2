package dataspace_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	ds "github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/lang"
)

// TestObserveSharedPatternValue: observers whose Observe shares one pattern
// value (as a script's constant pattern site does) are each told of matches,
// before and after the compiled-shape cache is refilled; a different value
// is never confused with a cached one.
func TestObserveSharedPatternValue(t *testing.T) {
	d := ds.New()
	fx := newRecorder()
	shared := pat(t, `<group <rec a> {0: <bind <_>>}>`).Value()
	other := pat(t, `<group <rec b> {0: <bind <_>>}>`).Value()
	h := ds.Handle(1)
	assertV := func(v lang.Value) {
		h++
		assert.NoError(t, d.Assert(fx, v, h))
	}
	assertV(val(t, `<a 1>`))
	assertV(val(t, `<b 2>`))
	for i := 0; i < 2100; i++ { // more than the cache holds, to refill it
		p := shared
		if i%2 == 1 {
			p = other
		}
		if i%3 == 2 {
			p = pat(t, fmt.Sprintf(`<group <rec c%d> {}>`, i)).Value()
		}
		assertV(lang.NewRecord(ds.SymObserve, p, lang.Embedded{Ref: fmt.Sprintf("o%d", i)}))
		events := fx.take()
		switch {
		case i%3 == 2:
			assert.Empty(t, events)
		case i%2 == 1:
			assert.Equal(t, []string{fmt.Sprintf("o%d +[2]", i)}, events)
		default:
			assert.Equal(t, []string{fmt.Sprintf("o%d +[1]", i)}, events)
		}
	}
}
