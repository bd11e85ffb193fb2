package eval_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	ds "github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// TestMessagesReachObserversStripped: a message reaches a dataspace's
// observer of <Says "x" ?v> with its annotations stripped, whether the
// publisher's size check found it plain (a record of atoms, handed to the
// dataspace without its annotation walk) or not, and whether that check
// runs at all (MaxValueNodes and MaxValueDepth off). synd's dataspaces
// hold and route values without their annotations (dataspace.strip), a
// choice older than this test; syndicate-rs's Dataspace::message hands the
// value as it is to Index::send (syndicate/src/skeleton.rs), whose matching
// ignores annotations as lang.Equal does.
func TestMessagesReachObserversStripped(t *testing.T) {
	ann := func(v lang.Value, notes ...lang.Value) lang.Value {
		return &lang.Annotated{Annotations: notes, Value: v}
	}
	x := lang.String("x")
	for _, tc := range []struct {
		name string
		msg  lang.Value
		want lang.Value // the capture; nil: no delivery
	}{
		{"plain record of atoms", rec("Says", x, lang.Int(1)), lang.Int(1)},
		{"annotated captured field", rec("Says", x, ann(lang.Int(2), lang.Symbol("note"))), lang.Int(2)},
		{"annotated literal field", rec("Says", ann(x, lang.Int(0)), lang.Int(3)), lang.Int(3)},
		{"annotated whole", ann(rec("Says", x, lang.Int(4)), lang.String("n")), lang.Int(4)},
		{"annotation inside a captured record", rec("Says", x, rec("p", ann(lang.Int(5), lang.Int(9)))), rec("p", lang.Int(5))},
		{"a literal that does not match", rec("Says", lang.String("y"), lang.Int(6)), nil},
		{"a plain message of another label", rec("Hears", x, lang.Int(7)), nil},
		{"no field to capture", rec("Says", x), nil},
		{"no fields", rec("Says"), nil},
	} {
		for _, checks := range []bool{true, false} {
			name := tc.name
			if !checks {
				name += ", size checks off"
			}
			t.Run(name, func(t *testing.T) {
				s := newSystem()
				if !checks {
					s.MaxValueNodes, s.MaxValueDepth = 0, 0
				}
				var got []lang.Value
				obs := &eval.Handler{OnMessage: func(_ *eval.Turn, v lang.Value) error {
					got = append(got, v)
					return nil
				}}
				pat := ds.Group{Kind: ds.GroupRecord, Label: lang.Symbol("Says"), Entries: []ds.GroupEntry{
					{Key: lang.Int(0), Pattern: ds.Lit{Value_: x}},
					{Key: lang.Int(1), Pattern: ds.Bind{Pattern: ds.Discard{}}},
				}}
				var space *eval.Ref
				s.Spawn("t", func(tn *eval.Turn) {
					tn.Facet().PreventInert()
					space = tn.NewDataspace("ds")
					tn.Assert(space, ds.Observe(pat, tn.NewRef("obs", obs)))
				})
				s.RunPending()
				s.Spawn("publisher", func(tn *eval.Turn) { tn.Message(space, tc.msg) })
				s.RunPending()
				if tc.want == nil {
					assert.Empty(t, got)
					return
				}
				if assert.Len(t, got, 1) {
					assert.Equal(t, withAnnotations(lang.Sequence{tc.want}), withAnnotations(got[0]), "the captures, annotations shown")
				}
			})
		}
	}
}

// withAnnotations is v's text with its annotations.
func withAnnotations(v lang.Value) string {
	return string((&lang.TextWriter{Annotations: true}).Append(nil, v))
}
