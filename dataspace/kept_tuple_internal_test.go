package dataspace

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/synd-lang/synd/lang"
)

// A capture tuple of all of a record's fields is the record's own Fields;
// any other is a sequence of the captures, and none lets an append write
// into the value.
func TestKeptTuple(t *testing.T) {
	f0 := []lang.Value{lang.Int(0)}
	f1 := []lang.Value{lang.Int(1)}
	rec := func(fields ...lang.Value) *lang.Record { return lang.NewRecord(lang.Symbol("P"), fields...) }
	roomy := make([]lang.Value, 2, 4)
	roomy[0], roomy[1] = lang.Int(7), lang.Int(8)
	for _, tc := range []struct {
		name  string
		v     *lang.Record
		paths [][]lang.Value
		want  string
		alias bool
	}{
		{"one field", rec(lang.Int(1)), [][]lang.Value{f0}, "[1]", true},
		{"all fields", rec(lang.Int(1), lang.String("a")), [][]lang.Value{f0, f1}, `[1 "a"]`, true},
		{"fields swapped", rec(lang.Int(1), lang.String("a")), [][]lang.Value{f1, f0}, `["a" 1]`, false},
		{"some fields", rec(lang.Int(1), lang.String("a")), [][]lang.Value{f1}, `["a"]`, false},
		{"room to append", lang.NewRecord(lang.Symbol("P"), roomy...), [][]lang.Value{f0, f1}, "[7 8]", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf [4]lang.Value
			w, _ := fieldWindow(tc.v, tc.paths)
			caps := project(buf[:0], tc.v, tc.paths)
			got := lang.SequenceAt(keptTuple(tc.v, tc.paths, caps, w))
			assert.Equal(t, tc.want, lang.Format(got))
			s := got.(lang.Sequence)
			assert.Equal(t, tc.alias, &s[0] == &tc.v.Fields[0], "aliases the record's fields")
			assert.Equal(t, len(s), cap(s), "no room to append into the value")
			if tc.alias {
				n := testing.AllocsPerRun(100, func() { keptTuple(tc.v, tc.paths, caps, w) })
				assert.Zero(t, n)
			}
		})
	}
}
