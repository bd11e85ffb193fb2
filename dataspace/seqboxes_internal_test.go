package dataspace

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/synd-lang/synd/lang"
)

// Message capture boxes come from chunks of 4, then 16, then 42 headers,
// and every box keeps the tuple it was given whatever chunk it is in.
func TestSeqBoxesGrow(t *testing.T) {
	var b seqBoxes
	var boxed []lang.Value
	var sizes []int
	for i := range 4 + 16 + 42 + 42 + 1 {
		if b.next == len(b.chunk) {
			sizes = append(sizes, 0)
		}
		boxed = append(boxed, b.box(lang.Sequence{lang.Int(int64(i))}))
		sizes[len(sizes)-1] = len(b.chunk)
	}
	assert.Equal(t, []int{4, 16, 42, 42, 42}, sizes)
	for i, v := range boxed {
		assert.Equal(t, lang.Format(lang.Sequence{lang.Int(int64(i))}), lang.Format(v))
	}
}
