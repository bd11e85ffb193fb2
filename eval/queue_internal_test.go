package eval

import (
	"unsafe"

	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The queue hands actions out in order across wrap-around and growth, and
// sweep clears exactly the taken slots, never a queued one.
func TestEventQueueOrderAndSweep(t *testing.T) {
	for _, tc := range []struct {
		name        string
		pushes      int // pushed before each round of takes
		takes       int
		rounds      int
		sweepEvery  int
		wantMaxLive int
	}{
		{"steady", 10, 10, 50, 1, 10},
		{"growing", 40, 30, 20, 3, 210},
		{"wrapping", 50, 50, 20, 7, 50},
		{"sweep rarely", 63, 60, 30, 100, 153},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var q eventQueue
			next, want := 0, 0
			for r := 0; r < tc.rounds; r++ {
				for i := 0; i < tc.pushes; i++ {
					p := q.slot()
					*p = runAction(nil, func(*Turn) {}, nil)
					p.handle = Handle(next)
					next++
				}
				for i := 0; i < tc.takes && q.len() > 0; i++ {
					a := q.take()
					require.Equal(t, Handle(want), a.handle)
					want++
				}
				if r%tc.sweepEvery == 0 {
					q.sweep()
					// Every slot not queued now is clear.
					live := map[int]bool{}
					for i := 0; i < q.n; i++ {
						live[(q.head+i)&(len(q.buf)-1)] = true
					}
					for i := range q.buf {
						if !live[i] {
							assert.Nil(t, q.buf[i].value, "slot %d kept a taken action", i)
						} else {
							assert.NotNil(t, q.buf[i].value, "slot %d lost a queued action", i)
						}
					}
				}
				assert.LessOrEqual(t, q.len(), tc.wantMaxLive)
			}
			for q.len() > 0 {
				require.Equal(t, Handle(want), q.take().handle)
				want++
			}
			assert.Equal(t, next, want)
		})
	}
}

// An action is seven words: the function of a run and the peer of a sync
// share the value's place.
func TestActionSize(t *testing.T) {
	assert.Equal(t, uintptr(56), unsafe.Sizeof(action{}))
	assert.Equal(t, uintptr(8), unsafe.Sizeof(syncPeer{}))
	fn, peer := func(*Turn) {}, &Ref{}
	var q eventQueue
	q.push(action{}) // the buffer is made
	q.take()
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		q.push(runAction(nil, fn, nil))
		q.push(action{kind: evSync, value: syncPeer{peer}})
		q.take()
		q.take()
	}), "boxing a run's function or a sync's peer allocates")
}
