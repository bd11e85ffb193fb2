package lang_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/synd-lang/synd/lang"
)

// TestWalk: every value inside a record (label too), sequence, set and
// dictionary (keys too) is visited once, parents first and in order, as it
// stands (annotations kept); returning false skips what is inside.
func TestWalk(t *testing.T) {
	set, err := NewSet(Symbol("s1"), Symbol("s2"))
	require.NoError(t, err)
	dict, err := NewDictionary(DictEntry{Key: Symbol("k"), Value: Symbol("v")})
	require.NoError(t, err)
	annotated := &Annotated{Value: Symbol("a"), Annotations: []Value{Symbol("note")}}
	skipped := NewRecord(Symbol("skip"), Symbol("hidden"))
	v := NewRecord(NewRecord(Symbol("l")), Sequence{annotated, set}, dict, skipped)

	var got []string
	Walk(v, func(x Value) bool {
		got = append(got, Format(Unwrap(x)))
		if x == Value(annotated) {
			got = append(got, "(annotated)")
		}
		return !Equal(x, skipped)
	})
	assert.Equal(t, []string{
		Format(v), "<l>", "l", `[a #{s1 s2}]`, "a", "(annotated)", "#{s1 s2}", "s1", "s2",
		"{k: v}", "k", "v", "<skip hidden>",
	}, got)
}
