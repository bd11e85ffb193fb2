package eval

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/synd-lang/synd/lang"
)

// The outbound table behaves as a map from handle to assertion listed in
// handle order, whatever the order of retractions, and stays within a
// bounded multiple of its live size.
func TestOutboundsAgainstAMap(t *testing.T) {
	target := &Ref{id: 1}
	for _, tc := range []struct {
		name    string
		pattern func(r *rand.Rand, held []Handle) int // which held handle to retract
	}{
		{"oldest first", func(*rand.Rand, []Handle) int { return 0 }},
		{"newest first", func(_ *rand.Rand, held []Handle) int { return len(held) - 1 }},
		{"random", func(r *rand.Rand, held []Handle) int { return r.Intn(len(held)) }},
		{"middle", func(_ *rand.Rand, held []Handle) int { return len(held) / 2 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(1))
			var o outbounds
			model := map[Handle]lang.Value{}
			var held []Handle
			next := Handle(0)
			for step := 0; step < 20000; step++ {
				if len(held) == 0 || r.Intn(100) < 52 {
					next += Handle(1 + r.Intn(3))
					v := lang.Value(lang.Int(int64(next)))
					if r.Intn(10) == 0 {
						v = nil // dropped by attenuation
					}
					o.add(next, target, v)
					model[next] = v
					held = append(held, next)
				} else {
					k := tc.pattern(r, held)
					h := held[k]
					held = slices.Delete(held, k, k+1)
					i := o.find(h)
					require.GreaterOrEqual(t, i, 0, "handle %d lost", h)
					e := o.remove(i)
					assert.Equal(t, h, e.handle)
					assert.Equal(t, model[h], e.value)
					delete(model, h)
					assert.Equal(t, -1, o.find(h), "handle %d found after removal", h)
				}
				require.Equal(t, len(model), int(o.live))
				assert.LessOrEqual(t, len(o.list)-int(o.lo), 2*int(o.live)+9, "too many holes")
				assert.LessOrEqual(t, cap(o.list), 5*int(o.live)+2*shrinkAbove, "memory not given back")
				if step%997 == 0 {
					var got []Handle
					for _, e := range o.list[o.lo:] {
						if e.target != nil {
							got = append(got, e.handle)
						}
					}
					assert.Equal(t, held, got)
				}
			}
			assert.Equal(t, -1, o.find(next+1))
			for _, e := range o.take() {
				if e.target != nil {
					delete(model, e.handle)
				}
			}
			assert.Empty(t, model)
			assert.Zero(t, o.live)
		})
	}
}

// A table that held many assertions gives its memory back when most are
// retracted, from whichever end.
func TestOutboundsShrink(t *testing.T) {
	target := &Ref{id: 1}
	for _, oldestFirst := range []bool{true, false} {
		var o outbounds
		for h := Handle(1); h <= 10000; h++ {
			o.add(h, target, lang.Int(int64(h)))
		}
		for k := 0; k < 9990; k++ {
			h := Handle(10000 - k)
			if oldestFirst {
				h = Handle(k + 1)
			}
			o.remove(o.find(h))
		}
		assert.Equal(t, int32(10), o.live)
		assert.LessOrEqual(t, cap(o.list), 2*shrinkAbove, "oldest first: %v", oldestFirst)
	}
}
