package lang_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/synd-lang/synd/lang"
)

func TestMap(t *testing.T) {
	double := func(v lang.Value) (lang.Value, bool) {
		if n, ok := v.(lang.Int); ok {
			return n * 2, true
		}
		return nil, false
	}
	in := lang.NewRecord(lang.Symbol("r"), lang.Int(1),
		lang.Sequence{lang.Int(2), lang.String("s")},
		lang.SetOf(lang.Int(3), lang.Int(6)),
		lang.DictionaryOf(lang.Int(4), lang.Int(5)),
		&lang.Annotated{Annotations: []lang.Value{lang.Symbol("note")}, Value: lang.Int(7), Pos: lang.Position{Line: 3}})
	got := lang.Map(in, double)
	assert.Equal(t, `<r 2 [4 "s"] #{6 12} {8: 10} 14>`, lang.Format(got))
	ann := got.(*lang.Record).Fields[4].(*lang.Annotated)
	assert.Equal(t, 3, ann.Pos.Line, "an annotated value keeps its position")
	assert.Equal(t, []lang.Value{lang.Symbol("note")}, ann.Annotations)
	assert.Equal(t, `<r 1 [2 "s"] #{3 6} {4: 5} 7>`, lang.Format(in), "the input is not modified")

	whole := lang.Map(in, func(v lang.Value) (lang.Value, bool) {
		if _, ok := v.(lang.Sequence); ok {
			return lang.Symbol("seq"), true // not looked into
		}
		return nil, false
	})
	assert.Equal(t, `<r 1 seq #{3 6} {4: 5} 7>`, lang.Format(whole))
}
