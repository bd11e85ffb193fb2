package dataspace_test

import (
	"fmt"
	"testing"

	ds "github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/lang"
)

// nopEffects counts what it is told and does nothing else.
type nopEffects struct{ asserts, messages int }

func (n *nopEffects) Assert(any, lang.Value) ds.Handle { n.asserts++; return ds.Handle(n.asserts) }
func (n *nopEffects) Retract(ds.Handle)                {}
func (n *nopEffects) Message(any, lang.Value)          { n.messages++ }

func capture(label string) ds.Pattern {
	return ds.Group{Kind: ds.GroupRecord, Label: lang.Symbol(label), Entries: []ds.GroupEntry{{Key: lang.Int(0), Pattern: ds.Bind{Pattern: ds.Discard{}}}}}
}

// BenchmarkBagChurn is the dataspace's own share of eval's
// BenchmarkChurn10Observers: assert and retract distinct <Present N> with
// ten observers of other labels and one of Present, without the actor
// system around it.
func BenchmarkBagChurn(b *testing.B) {
	d := ds.New()
	fx := &nopEffects{}
	for i := 0; i < 10; i++ {
		if err := d.Assert(fx, ds.Observe(capture(fmt.Sprintf("Absent%d", i)), fmt.Sprint(i)), ds.Handle(1<<40+i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := d.Assert(fx, ds.Observe(capture("Present"), "obs"), 1<<41); err != nil {
		b.Fatal(err)
	}
	const batch = 100
	vals := make([]lang.Value, batch)
	for i := range vals {
		vals[i] = lang.NewRecord(lang.Symbol("Present"), lang.Int(int64(i)+1000))
	}
	h := ds.Handle(0)
	for done := 0; b.Loop(); done++ {
		if done%batch == 0 && done > 0 {
			for i := 0; i < batch; i++ {
				d.Retract(fx, h-ds.Handle(batch-1-i))
			}
		}
		h++
		if err := d.Assert(fx, vals[done%batch], h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBagMessage is the dataspace's own share of eval's
// BenchmarkMessageRouting: one observer of <Says "bench" ?x>.
func BenchmarkBagMessage(b *testing.B) {
	d := ds.New()
	fx := &nopEffects{}
	pat := ds.Group{Kind: ds.GroupRecord, Label: lang.Symbol("Says"), Entries: []ds.GroupEntry{
		{Key: lang.Int(0), Pattern: ds.Lit{Value_: lang.String("bench")}},
		{Key: lang.Int(1), Pattern: ds.Bind{Pattern: ds.Discard{}}},
	}}
	if err := d.Assert(fx, ds.Observe(pat, "obs"), 1); err != nil {
		b.Fatal(err)
	}
	msgs := make([]lang.Value, 100)
	for i := range msgs {
		msgs[i] = lang.NewRecord(lang.Symbol("Says"), lang.String("bench"), lang.Int(int64(i)+1000))
	}
	for i := 0; b.Loop(); i++ {
		d.Message(fx, msgs[i%len(msgs)])
	}
	if fx.messages != b.N {
		b.Fatalf("observer saw %d of %d", fx.messages, b.N)
	}
}
