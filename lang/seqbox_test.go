package lang

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A boxed sequence is the sequence, whatever is boxed after it, and boxing
// allocates one chunk per seqBoxChunk sequences.
func TestSequenceBoxes(t *testing.T) {
	var b SequenceBoxes
	var vs []Value
	for i := 0; i < 3*seqBoxChunk; i++ {
		vs = append(vs, b.Box(Sequence{Int(i), String("x")}))
	}
	for i, v := range vs {
		s, ok := v.(Sequence)
		require.True(t, ok)
		assert.True(t, Equal(Sequence{Int(i), String("x")}, v))
		assert.Equal(t, KindSequence, v.Kind())
		assert.Equal(t, "["+Format(Int(i))+` "x"]`, Format(s))
	}
	assert.True(t, Equal(Sequence{}, b.Box(nil)))
	one := Sequence{Int(1)}
	allocs := testing.AllocsPerRun(10*seqBoxChunk, func() { _ = b.Box(one) })
	assert.LessOrEqual(t, allocs, 1.0/seqBoxChunk+0.01)
}
