package dataspace_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ds "github.com/synd-lang/synd/dataspace"
)

// TestObserveAssertedTwiceObservesOnce: an Observe assertion made under
// two handles is one observer, told each match once, and it stays until
// the last handle is retracted — as syndicate-rs's Dataspace::assert adds
// the observer only when index.insert reports the assertion new, and
// Dataspace::retract removes it only when index.remove reports it gone
// (syndicate/src/dataspace.rs). A peer that asserts the same Observe twice
// must not be told everything twice.
func TestObserveAssertedTwiceObservesOnce(t *testing.T) {
	d, fx := ds.New(), newRecorder()
	require.NoError(t, d.Assert(fx, val(t, "<a 1>"), 1))
	obs := ds.Observe(pat(t, "<group <rec a> {0: <bind <_>>}>"), obsName("o"))
	require.NoError(t, d.Assert(fx, obs, 2))
	assert.Equal(t, []string{"o +[1]"}, fx.take())
	require.NoError(t, d.Assert(fx, obs, 3))
	assert.Empty(t, fx.take(), "the same Observe again is only counted")
	require.NoError(t, d.Assert(fx, val(t, "<a 2>"), 4))
	assert.Equal(t, []string{"o +[2]"}, fx.take(), "a new match is told once")
	d.Message(fx, val(t, "<a 3>"))
	assert.Equal(t, []string{"o ![3]"}, fx.take(), "a message is sent once")
	d.Retract(fx, 2)
	assert.Empty(t, fx.take(), "one handle of the Observe remains")
	d.Retract(fx, 4)
	assert.Equal(t, []string{"-o +[2]"}, fx.take())
	d.Retract(fx, 3)
	assert.Equal(t, []string{"-o +[1]"}, fx.take(), "the last handle takes the observer with it")
	d.Message(fx, val(t, "<a 3>"))
	assert.Empty(t, fx.take())
}
