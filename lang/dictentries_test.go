package lang_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/synd-lang/synd/lang"
)

// TestDictionaryOfEntries: entries in order are kept as they are; any
// others give what DictionaryOf gives (sorted, a later duplicate winning).
func TestDictionaryOfEntries(t *testing.T) {
	e := func(k, v lang.Value) lang.DictEntry { return lang.DictEntry{Key: k, Value: v} }
	for _, tc := range []struct {
		in   []lang.DictEntry
		want *lang.Dictionary
	}{
		{nil, lang.DictionaryOf()},
		{[]lang.DictEntry{e(lang.Int(0), lang.Symbol("a")), e(lang.Int(1), lang.Symbol("b"))}, lang.DictionaryOf(lang.Int(0), lang.Symbol("a"), lang.Int(1), lang.Symbol("b"))},
		{[]lang.DictEntry{e(lang.Int(1), lang.Symbol("b")), e(lang.Int(0), lang.Symbol("a"))}, lang.DictionaryOf(lang.Int(0), lang.Symbol("a"), lang.Int(1), lang.Symbol("b"))},
		{[]lang.DictEntry{e(lang.Int(0), lang.Symbol("a")), e(lang.Int(0), lang.Symbol("b"))}, lang.DictionaryOf(lang.Int(0), lang.Symbol("b"))},
	} {
		got := lang.DictionaryOfEntries(tc.in)
		assert.True(t, lang.Equal(tc.want, got), "%s, want %s", lang.Format(got), lang.Format(tc.want))
		assert.Equal(t, tc.want.Len(), got.Len())
	}
}
