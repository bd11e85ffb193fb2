package eval_test

import (
	"fmt"
	"runtime"
	"testing"

	ds "github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// The rows of bench/README.md that measure the scheduler and the dataspace,
// each beside its bare-Go yardstick.

// bagKey is what a bare-Go bag keys <Present N> by.
type bagKey struct {
	label string
	n     int64
}

// bareBag is the bare-Go yardstick of the dataspace: counted values, a
// handle table, and observers dispatched by label.
type bareBag struct {
	counts    map[bagKey]int
	byHandle  map[uint64]bagKey
	observers map[string][]func(bagKey)
}

func newBareBag() *bareBag {
	return &bareBag{counts: map[bagKey]int{}, byHandle: map[uint64]bagKey{}, observers: map[string][]func(bagKey){}}
}

func (b *bareBag) assert(h uint64, k bagKey) {
	b.byHandle[h] = k
	if b.counts[k]++; b.counts[k] == 1 {
		for _, o := range b.observers[k.label] {
			o(k)
		}
	}
}

func (b *bareBag) retract(h uint64) {
	k := b.byHandle[h]
	delete(b.byHandle, h)
	if b.counts[k]--; b.counts[k] == 0 {
		delete(b.counts, k)
	}
}

// BenchmarkBareBagChurn is the yardstick of BenchmarkChurn10Observers: the
// same assert+retract pairs into a bare-Go bag with ten observers of other
// labels and one of Present.
func BenchmarkBareBagChurn(b *testing.B) {
	bag := newBareBag()
	got := 0
	for i := 0; i < 10; i++ {
		bag.observers[fmt.Sprintf("Absent%d", i)] = []func(bagKey){func(bagKey) {}}
	}
	bag.observers["Present"] = []func(bagKey){func(bagKey) { got++ }}
	h := uint64(0)
	for i := 0; b.Loop(); i++ {
		h++
		bag.assert(h, bagKey{"Present", int64(i)})
		bag.retract(h)
	}
	if got != b.N {
		b.Fatalf("observer saw %d of %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
}

const liveAssertions = 1000000

// BenchmarkBareBagMemory is the yardstick of BenchmarkMemoryPerAssertion1M:
// heap bytes per live value of the bare-Go bag.
func BenchmarkBareBagMemory(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		bag := newBareBag()
		got := 0
		bag.observers["Present"] = []func(bagKey){func(bagKey) { got++ }}
		for i := 0; i < liveAssertions; i++ {
			bag.assert(uint64(i+1), bagKey{"Present", int64(i)})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/liveAssertions, "B/assertion")
		runtime.KeepAlive(bag)
	}
}

// BenchmarkMemoryPerAssertion1M: heap bytes per live assertion with a
// million of them and one matching observer (which is told of each).
func BenchmarkMemoryPerAssertion1M(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s, f, space := setup(b)
		got := 0
		s.Post(f, func(tn *eval.Turn) { tn.Assert(space, ds.Observe(capture("Present"), tn.NewRef("obs", counter(&got)))) })
		s.RunPending()
		for base := 0; base < liveAssertions; base += 10000 {
			s.Post(f, func(tn *eval.Turn) {
				for i := base; i < base+10000; i++ {
					tn.Assert(space, rec("Present", lang.Int(int64(i))))
				}
			})
			s.RunPending()
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if got != liveAssertions {
			b.Fatalf("observer saw %d of %d", got, liveAssertions)
		}
		// Everything counted is the system's own: the values themselves are
		// made inside it, as a relay or a script would make them.
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/liveAssertions, "B/assertion")
		runtime.KeepAlive(s)
	}
}

var fanOuts = []int{1, 10, 100, 1000, 10000}

// BenchmarkFanOut: one message matched by N observers of the same pattern;
// an op is one delivery, so ns/op should stay flat as N grows.
func BenchmarkFanOut(b *testing.B) {
	for _, n := range fanOuts {
		b.Run(fmt.Sprintf("observers=%d", n), func(b *testing.B) {
			s, f, space := setup(b)
			got := 0
			pat := ds.Group{Kind: ds.GroupRecord, Label: lang.Symbol("Says"), Entries: []ds.GroupEntry{
				{Key: lang.Int(0), Pattern: ds.Lit{Value_: lang.String("bench")}},
				{Key: lang.Int(1), Pattern: ds.Bind{Pattern: ds.Discard{}}},
			}}
			s.Post(f, func(tn *eval.Turn) {
				for i := 0; i < n; i++ {
					tn.Assert(space, ds.Observe(pat, tn.NewRef("obs", counter(&got))))
				}
			})
			s.RunPending()
			perTurn := max(1, 1000/n)
			msg := rec("Says", lang.String("bench"), lang.Int(1))
			msgs := (b.N + n - 1) / n
			b.ResetTimer()
			for sent := 0; sent < msgs; sent += perTurn {
				k := min(perTurn, msgs-sent)
				s.Post(f, func(tn *eval.Turn) {
					for i := 0; i < k; i++ {
						tn.Message(space, msg)
					}
				})
				s.RunPending()
			}
			b.StopTimer()
			if got != msgs*n {
				b.Fatalf("observers saw %d of %d", got, msgs*n)
			}
		})
	}
}

// BenchmarkBareFanOut is the yardstick of BenchmarkFanOut: a call through a
// slice of N functions per message.
func BenchmarkBareFanOut(b *testing.B) {
	for _, n := range fanOuts {
		b.Run(fmt.Sprintf("observers=%d", n), func(b *testing.B) {
			got := 0
			obs := make([]func(lang.Value), n)
			for i := range obs {
				obs[i] = func(lang.Value) { got++ }
			}
			msg := rec("Says", lang.String("bench"), lang.Int(1))
			msgs := (b.N + n - 1) / n
			for i := 0; i < msgs; i++ {
				for _, o := range obs {
					o(msg)
				}
			}
			if got != msgs*n {
				b.Fatal("lost calls")
			}
		})
	}
}

// BenchmarkFacetTree: N children of one facet, each holding an assertion,
// started in one turn and then stopped one by one, oldest first (as a
// during's matches go away); ns/child should stay flat as N grows.
func BenchmarkFacetTree(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("children=%d", n), func(b *testing.B) {
			for b.Loop() {
				s, f, space := setup(b)
				kids := make([]*eval.Facet, n)
				s.Post(f, func(tn *eval.Turn) {
					for i := range kids {
						kids[i] = tn.NewFacet(func(tn *eval.Turn) { tn.Assert(space, rec("kid", lang.Int(int64(i)))) })
					}
				})
				s.RunPending()
				s.Post(f, func(tn *eval.Turn) {
					for _, k := range kids {
						tn.StopFacet(k)
					}
				})
				s.RunPending()
				if len(f.Children()) != 0 {
					b.Fatal("children left")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/child")
		})
	}
}
