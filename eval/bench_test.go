package eval_test

import (
	"fmt"
	"runtime"
	"testing"

	ds "github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// BenchmarkBaseline is the plain Go yardstick: a map lookup and a function
// call per event.
func BenchmarkBaseline(b *testing.B) {
	count := 0
	handlers := map[string]func(lang.Value){"Says": func(lang.Value) { count++ }}
	v := rec("Says", lang.String("bench"), lang.Int(1))
	for b.Loop() {
		handlers[string(v.(*lang.Record).Label.(lang.Symbol))](v)
	}
	if count == 0 {
		b.Fatal("no events")
	}
}

// setup makes a system with one dataspace held by a long-lived facet.
func setup(b *testing.B) (*eval.System, *eval.Facet, *eval.Ref) {
	s := newSystem()
	var f *eval.Facet
	var space *eval.Ref
	s.Spawn("bench", func(tn *eval.Turn) {
		f = tn.Facet()
		f.PreventInert()
		space = tn.NewDataspace("ds")
	})
	s.RunPending()
	return s, f, space
}

// counter is an observer entity that counts what it is told.
func counter(n *int) *eval.Handler {
	return &eval.Handler{
		OnAssert:  func(*eval.Turn, lang.Value, eval.Handle) error { *n++; return nil },
		OnRetract: func(*eval.Turn, eval.Handle) error { return nil },
		OnMessage: func(*eval.Turn, lang.Value) error { *n++; return nil },
	}
}

const batch = 100 // events a publisher emits per turn

// BenchmarkMessageRouting: one publisher, one observer on <Says "bench" ?x>.
func BenchmarkMessageRouting(b *testing.B) {
	s, f, space := setup(b)
	got := 0
	pat := ds.Group{Kind: ds.GroupRecord, Label: lang.Symbol("Says"), Entries: []ds.GroupEntry{
		{Key: lang.Int(0), Pattern: ds.Lit{Value_: lang.String("bench")}},
		{Key: lang.Int(1), Pattern: ds.Bind{Pattern: ds.Discard{}}},
	}}
	s.Post(f, func(tn *eval.Turn) { tn.Assert(space, ds.Observe(pat, tn.NewRef("obs", counter(&got)))) })
	s.RunPending()
	msgs := make([]lang.Value, batch)
	for i := range msgs {
		msgs[i] = rec("Says", lang.String("bench"), lang.Int(int64(i)))
	}
	b.ResetTimer()
	sent := 0
	for sent < b.N {
		n := min(batch, b.N-sent)
		s.Post(f, func(tn *eval.Turn) {
			for _, m := range msgs[:n] {
				tn.Message(space, m)
			}
		})
		s.RunPending()
		sent += n
	}
	b.StopTimer()
	if got != b.N {
		b.Fatalf("observer saw %d of %d messages", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// churn asserts and retracts distinct <Present N> with `others` observers of
// other labels and one observer of Present.
func churn(b *testing.B, others int) {
	s, f, space := setup(b)
	got := 0
	s.Spawn("observers", func(tn *eval.Turn) {
		for i := 0; i < others; i++ {
			tn.Assert(space, ds.Observe(capture(fmt.Sprintf("Absent%d", i)), tn.NewRef("other", counter(new(int)))))
		}
		tn.Assert(space, ds.Observe(capture("Present"), tn.NewRef("obs", counter(&got))))
	})
	s.RunPending()
	vals := make([]lang.Value, batch)
	b.ResetTimer()
	done := 0
	for done < b.N {
		n := min(batch, b.N-done)
		base := done
		s.Post(f, func(tn *eval.Turn) {
			for i := 0; i < n; i++ {
				vals[i] = rec("Present", lang.Int(int64(base+i)))
			}
			hs := make([]eval.Handle, n)
			for i := 0; i < n; i++ {
				hs[i] = tn.Assert(space, vals[i])
			}
			for _, h := range hs {
				tn.Retract(h)
			}
		})
		s.RunPending()
		done += n
	}
	b.StopTimer()
	if got != b.N {
		b.Fatalf("observer saw %d of %d assertions", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
}

func BenchmarkAssertionChurn(b *testing.B)      { churn(b, 9) }
func BenchmarkChurn10Observers(b *testing.B)    { churn(b, 10) }
func BenchmarkChurn10000Observers(b *testing.B) { churn(b, 10000) }

// BenchmarkMemoryPerAssertion reports heap bytes per live assertion with one
// matching observer (an entity told of each one).
func BenchmarkMemoryPerAssertion(b *testing.B) {
	const n = 100000
	for b.Loop() {
		s, f, space := setup(b)
		got := 0
		s.Post(f, func(tn *eval.Turn) { tn.Assert(space, ds.Observe(capture("Present"), tn.NewRef("obs", counter(&got)))) })
		s.RunPending()
		vals := make([]lang.Value, n)
		for i := range vals {
			vals[i] = rec("Present", lang.Int(int64(i)))
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s.Post(f, func(tn *eval.Turn) {
			for _, v := range vals {
				tn.Assert(space, v)
			}
		})
		s.RunPending()
		runtime.GC()
		runtime.ReadMemStats(&after)
		if got != n {
			b.Fatalf("observer saw %d of %d", got, n)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/assertion")
		runtime.KeepAlive(vals)
		runtime.KeepAlive(s)
	}
}
