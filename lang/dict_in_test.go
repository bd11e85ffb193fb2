package lang

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDictionaryOfEntriesIn: entries in key order are laid out in the
// caller's dictionary; out of order, the result is DictionaryOfEntries's.
func TestDictionaryOfEntriesIn(t *testing.T) {
	var d Dictionary
	es := []DictEntry{{Key: Int(0), Value: Symbol("a")}, {Key: Int(1), Value: Symbol("b")}}
	got := DictionaryOfEntriesIn(&d, es)
	assert.Same(t, &d, got)
	assert.True(t, Equal(got, DictionaryOfEntries(es)))

	var e Dictionary
	out := []DictEntry{{Key: Int(1), Value: Symbol("b")}, {Key: Int(0), Value: Symbol("a")}}
	got = DictionaryOfEntriesIn(&e, out)
	assert.NotSame(t, &e, got)
	assert.Equal(t, 0, e.Len())
	assert.True(t, Equal(got, DictionaryOfEntries(es)))
}
