package eval_test

import (
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
)

// A cancelled timer lets go of its function at once, though the system
// keeps the timer until its time would have come: a cleared two-second
// answer delay held its connection's identity, and so the connection's
// facets, that long.
func TestCancelledTimerLetsGoOfItsFunction(t *testing.T) {
	s := newSystem()
	var cancel func()
	held := func() weak.Pointer[[64]byte] {
		payload := new([64]byte)
		s.Spawn("t", func(tn *eval.Turn) {
			tn.Facet().PreventInert()
			cancel = tn.After(time.Hour, func(*eval.Turn) { _ = payload[0] })
		})
		s.RunPending()
		return weak.Make(payload)
	}()
	runtime.GC()
	require.NotNil(t, held.Value(), "a pending timer keeps its function")
	cancel()
	runtime.GC()
	assert.Nil(t, held.Value(), "a cancelled timer does not")
	runtime.KeepAlive(s)
}
