package dataspace_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	ds "github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// The differential test of the dataspace: random sequences of assertions,
// retractions, observations and messages are run against the dataspace and
// against a naive model (a bag of handles, and ds.Match over every distinct
// value present). After every step each observer must have been told
// exactly the distinct capture tuples of the values present that its
// pattern matches (syndicate's skeleton index, syndicate-rs
// `syndicate/src/skeleton.rs` Index::add_observer/insert/remove: one
// assertion per distinct tuple, retracted when the last value producing it
// goes), and a message must reach each matching observer once. Values are
// drawn from a small alphabet so that patterns often match, and equal values
// are presented in different representations: built in Go, decoded from
// binary (in the decoder's arena), read from text, annotated, big integers
// that fit in an Int, Double ±0.0 and NaN, and strings beside symbols of the
// same text.

// target is an observer's host reference.
type target struct{ id uint64 }

func (t *target) EmbeddedID() uint64 { return t.id }
func (t *target) String() string     { return fmt.Sprintf("o%d", t.id) }

// modelFx records what the dataspace tells observers.
type modelFx struct {
	t    *testing.T
	next ds.Handle
	live map[ds.Handle]told
	msgs []told
}

type told struct {
	to   any
	caps lang.Value
}

func (fx *modelFx) Assert(o any, caps lang.Value) ds.Handle {
	fx.next++
	fx.live[fx.next] = told{o, caps}
	return fx.next
}

func (fx *modelFx) Retract(h ds.Handle) {
	if _, ok := fx.live[h]; !ok {
		fx.t.Fatalf("retraction of handle %d, which is not asserted", h)
	}
	delete(fx.live, h)
}

func (fx *modelFx) Message(o any, caps lang.Value) {
	fx.msgs = append(fx.msgs, told{o, caps})
}

// gen draws choices from the fuzzer's bytes (then from a seeded source).
type gen struct {
	b []byte
	r *rand.Rand
}

func (g *gen) n(k int) int {
	if len(g.b) > 0 {
		c := g.b[0]
		g.b = g.b[1:]
		return int(c) % k
	}
	return g.r.IntN(k)
}

var bigOne = lang.NewInteger(big.NewInt(1))

func (g *gen) atom() lang.Value {
	switch g.n(16) {
	case 0:
		return lang.Int(0)
	case 1:
		return lang.Int(1)
	case 2:
		return bigOne
	case 3:
		return lang.Double(0)
	case 4:
		return lang.Double(math.Copysign(0, -1))
	case 5:
		return lang.Double(math.NaN())
	case 6:
		return lang.String("a")
	case 7:
		return lang.Symbol("a")
	case 8:
		return lang.ByteString("a")
	case 9:
		return lang.Symbol("b")
	case 10:
		return lang.Bool(true)
	case 11:
		return lang.NewInteger(new(big.Int).Lsh(big.NewInt(3), 70))
	case 12:
		return lang.SetOf(lang.Int(1), lang.Symbol("a"))
	case 13:
		return lang.Embedded{Ref: lang.Symbol("a")}
	case 14:
		return lang.Double(1)
	}
	return lang.String("")
}

func (g *gen) label() lang.Value {
	switch g.n(4) {
	case 0:
		return lang.Symbol("a")
	case 1:
		return lang.Symbol("b")
	case 2:
		return lang.String("a")
	}
	return ds.SymObserve
}

func (g *gen) value(depth int) lang.Value {
	k := g.n(6)
	if depth <= 0 || k < 2 {
		return g.atom()
	}
	switch k {
	case 2, 3:
		fields := make([]lang.Value, g.n(3))
		for i := range fields {
			fields[i] = g.value(depth - 1)
		}
		return lang.NewRecord(g.label(), fields...)
	case 4:
		s := make(lang.Sequence, g.n(3))
		for i := range s {
			s[i] = g.value(depth - 1)
		}
		return s
	}
	var kvs []lang.Value
	keys := []lang.Value{lang.Symbol("a"), lang.String("a"), lang.Int(1)}
	for _, k := range keys {
		if g.n(2) == 0 {
			kvs = append(kvs, k, g.value(depth-1))
		}
	}
	return lang.DictionaryOf(kvs...)
}

func (g *gen) pattern(depth int) ds.Pattern {
	k := g.n(7)
	if depth <= 0 && k >= 3 {
		k = g.n(3)
	}
	switch k {
	case 0:
		return ds.Discard{}
	case 1:
		return ds.Bind{Pattern: g.pattern(depth - 1)}
	case 2:
		return ds.Literal(g.value(1))
	case 3, 4:
		var es []ds.GroupEntry
		for i := 0; i < 3; i++ {
			if g.n(2) == 0 {
				es = append(es, ds.GroupEntry{Key: lang.Int(i), Pattern: g.pattern(depth - 1)})
			}
		}
		return ds.Group{Kind: ds.GroupRecord, Label: g.label(), Entries: es}
	case 5:
		var es []ds.GroupEntry
		for i := 0; i < 3; i++ {
			if g.n(2) == 0 {
				es = append(es, ds.GroupEntry{Key: lang.Int(i), Pattern: g.pattern(depth - 1)})
			}
		}
		return ds.Group{Kind: ds.GroupSequence, Entries: es}
	}
	var es []ds.GroupEntry
	for _, key := range []lang.Value{lang.Symbol("a"), lang.String("a"), lang.Int(1)} {
		if g.n(2) == 0 {
			es = append(es, ds.GroupEntry{Key: key, Pattern: g.pattern(depth - 1)})
		}
	}
	return ds.Group{Kind: ds.GroupDictionary, Entries: es}
}

// rawPattern draws the wire form of a pattern, often malformed in one
// place (a key that is not a field index, a missing or extra field, a
// group type that is not one), so that the dataspace's compiler of wire
// patterns is checked against ParsePattern on what it rejects too.
func (g *gen) rawPattern(depth int) lang.Value {
	rec := lang.NewRecord
	sym := func(s string) lang.Value { return lang.Symbol(s) }
	if depth <= 0 {
		switch g.n(4) {
		case 0:
			return rec(sym("_"))
		case 1:
			return rec(sym("lit"), g.value(1))
		case 2:
			return rec(sym("bind"), rec(sym("_")))
		}
		return g.atom() // not a pattern
	}
	keys := func(field bool) lang.Value {
		var kvs []lang.Value
		cands := []lang.Value{lang.Int(0), lang.Int(1), lang.Int(2)}
		if !field || g.n(6) == 0 {
			cands = append(cands, lang.Int(-1), lang.Symbol("a"), lang.String("a"), lang.NewInteger(new(big.Int).Lsh(big.NewInt(1), 70)))
		}
		for _, k := range cands {
			if g.n(3) == 0 {
				kvs = append(kvs, k, g.rawPattern(depth-1))
			}
		}
		return lang.DictionaryOf(kvs...)
	}
	switch g.n(12) {
	case 0:
		return rec(sym("_"))
	case 1:
		return rec(sym("_"), lang.Int(1))
	case 2:
		return rec(sym("bind"), g.rawPattern(depth-1))
	case 3:
		return rec(sym("bind"))
	case 4:
		return rec(sym("lit"), g.value(2))
	case 5:
		return rec(sym("lit"), g.value(1), g.value(1))
	case 6, 7:
		return rec(sym("group"), rec(sym("rec"), g.label()), keys(true))
	case 8:
		return rec(sym("group"), rec(sym("arr")), keys(true))
	case 9:
		return rec(sym("group"), rec(sym("dict")), keys(false))
	case 10:
		switch g.n(4) {
		case 0:
			return rec(sym("group"), rec(sym("rec")), keys(true))
		case 1:
			return rec(sym("group"), rec(sym("rec"), g.label()), lang.Sequence{g.rawPattern(depth - 1)})
		case 2:
			return rec(sym("group"), rec(sym("other")), keys(true))
		}
		return rec(sym("group"), rec(sym("arr")))
	}
	return rec(lang.String("bind"), g.rawPattern(depth-1))
}

// hasHostRef reports whether v embeds a host reference (which does not
// encode).
func hasHostRef(v lang.Value) bool {
	found := false
	lang.Walk(v, func(x lang.Value) bool {
		if e, ok := x.(lang.Embedded); ok {
			if _, plain := e.Ref.(lang.Value); !plain {
				found = true
			}
		}
		return !found
	})
	return found
}

// dress presents v in another representation equal to it.
func (g *gen) dress(t *testing.T, v lang.Value) lang.Value {
	switch g.n(4) {
	case 1:
		if hasHostRef(v) {
			return v
		}
		b, err := lang.Encode(v)
		if err != nil {
			t.Fatalf("encode %s: %v", lang.Format(v), err)
		}
		x, err := lang.Decode(b)
		if err != nil {
			t.Fatalf("decode %s: %v", lang.Format(v), err)
		}
		return x
	case 2:
		if hasHostRef(v) {
			return v
		}
		x, err := parser.Parse("model", []byte(lang.Format(v)), parser.Options{Positions: g.n(2) == 0})
		if err != nil {
			t.Fatalf("read back %s: %v", lang.Format(v), err)
		}
		return x
	case 3:
		return &lang.Annotated{Annotations: []lang.Value{lang.Symbol("note")}, Value: v}
	}
	return v
}

type modelObserver struct {
	handle ds.Handle
	pat    ds.Pattern
	to     any
}

// observersOf lists the observers the bag's assertions register: every
// distinct valid <Observe PATTERN #:ref> registers one, however many
// handles assert it (syndicate-rs Dataspace::assert adds the observer only
// when the assertion is new, and retract removes it with the last).
func observersOf(handles []ds.Handle, bag map[ds.Handle]lang.Value) []modelObserver {
	var out []modelObserver
	var seen []lang.Value
	for _, h := range handles {
		if containsEqual(seen, bag[h]) {
			continue
		}
		seen = append(seen, bag[h])
		r, ok := bag[h].(*lang.Record)
		if !ok || len(r.Fields) != 2 || !lang.Equal(r.Label, ds.SymObserve) {
			continue
		}
		e, ok := r.Fields[1].(lang.Embedded)
		if !ok {
			continue
		}
		p, err := ds.ParsePattern(r.Fields[0])
		if err != nil {
			continue
		}
		out = append(out, modelObserver{h, p, e.Ref})
	}
	return out
}

// runModel plays the operations the generator draws and checks the
// dataspace against the model after each.
func runModel(t *testing.T, g *gen, steps int) (matches int) {
	d := ds.New()
	fx := &modelFx{t: t, next: 1 << 40, live: map[ds.Handle]told{}}
	bag := map[ds.Handle]lang.Value{} // what the model holds, stripped
	var handles []ds.Handle
	var patterns []lang.Value // pattern values, reused to hit the shape cache
	var next ds.Handle
	var nextTarget uint64
	var trace []string
	fail := func(format string, args ...any) {
		t.Helper()
		for _, s := range trace {
			t.Log(s)
		}
		t.Fatalf(format, args...)
	}
	for step := 0; step < steps; step++ {
		fx.msgs = nil
		var msg lang.Value
		switch op := g.n(10); {
		case op < 4: // assert a value, sometimes one already present
			var v lang.Value
			if len(handles) > 0 && g.n(3) == 0 {
				v = bag[handles[g.n(len(handles))]]
			} else {
				v = g.value(3)
			}
			next++
			dressed := g.dress(t, v)
			trace = append(trace, fmt.Sprintf("assert %d %s", next, lang.Format(dressed)))
			if err := d.Assert(fx, dressed, next); err != nil {
				fail("assert: %v", err)
			}
			bag[next] = lang.Strip(v)
			handles = append(handles, next)
		case op < 6: // observe
			var pv lang.Value
			if len(patterns) > 0 && g.n(3) == 0 {
				pv = patterns[g.n(len(patterns))]
			} else if g.n(3) == 0 {
				pv = g.dress(t, g.rawPattern(3)) // maybe not a pattern: then plain data
				patterns = append(patterns, pv)
			} else {
				pv = g.dress(t, g.pattern(3).Value())
				patterns = append(patterns, pv)
				if _, err := ds.ParsePattern(pv); err != nil {
					fail("pattern %s: %v", lang.Format(pv), err)
				}
			}
			nextTarget++
			next++
			to := &target{nextTarget}
			ov := lang.NewRecord(ds.SymObserve, pv, lang.Embedded{Ref: to})
			trace = append(trace, fmt.Sprintf("observe %d %s", next, lang.Format(ov)))
			if err := d.Assert(fx, ov, next); err != nil {
				fail("assert: %v", err)
			}
			bag[next] = lang.Strip(ov)
			handles = append(handles, next)
		case op < 8: // retract
			if len(handles) == 0 {
				continue
			}
			i := g.n(len(handles))
			h := handles[i]
			handles = append(handles[:i], handles[i+1:]...)
			delete(bag, h)
			trace = append(trace, fmt.Sprintf("retract %d", h))
			d.Retract(fx, h)
		default: // message
			if len(handles) > 0 && g.n(3) == 0 {
				msg = bag[handles[g.n(len(handles))]]
			} else {
				msg = g.value(3)
			}
			dressed := g.dress(t, msg)
			trace = append(trace, fmt.Sprintf("message %s", lang.Format(dressed)))
			d.Message(fx, dressed)
		}

		// The distinct values present, with their counts.
		var distinct []lang.Value
		var counts []int
		for _, h := range handles {
			v := bag[h]
			found := false
			for i, x := range distinct {
				if lang.Equal(x, v) {
					counts[i]++
					found = true
					break
				}
			}
			if !found {
				distinct = append(distinct, v)
				counts = append(counts, 1)
			}
		}
		if d.Len() != len(distinct) {
			fail("step %d: %d distinct values, the model has %d", step, d.Len(), len(distinct))
		}
		for i, v := range distinct {
			if c := d.Count(g.dress(t, v)); c != counts[i] {
				fail("step %d: Count(%s) = %d, the model says %d", step, lang.Format(v), c, counts[i])
			}
		}
		if got := len(d.Assertions()); got != len(distinct) {
			fail("step %d: Assertions lists %d values, want %d", step, got, len(distinct))
		}

		// What each observer was told, against the matches present.
		observers := observersOf(handles, bag)
		told := map[any][]lang.Value{}
		for _, x := range fx.live {
			told[x.to] = append(told[x.to], x.caps)
		}
		want := map[any][]lang.Value{}
		for _, o := range observers {
			var mine []lang.Value
			for _, v := range distinct {
				caps, ok := ds.Match(o.pat, v, nil)
				if ok && !containsEqual(mine, lang.Sequence(caps)) {
					mine = append(mine, lang.Sequence(caps))
				}
			}
			want[o.to] = append(want[o.to], mine...)
		}
		for to, w := range want {
			matches += len(w)
			if !sameMultiset(w, told[to]) {
				fail("step %d: observer %v was told %s, want %s", step, to, formatAll(told[to]), formatAll(w))
			}
			delete(told, to)
		}
		for to, caps := range told {
			if len(caps) > 0 {
				fail("step %d: retracted observer %v still holds %s", step, to, formatAll(caps))
			}
		}
		if msg == nil {
			if len(fx.msgs) != 0 {
				fail("step %d: messages without a message", step)
			}
			continue
		}
		got := map[any][]lang.Value{}
		for _, m := range fx.msgs {
			got[m.to] = append(got[m.to], m.caps)
		}
		wantMsgs := map[any][]lang.Value{}
		for _, o := range observers {
			if caps, ok := ds.Match(o.pat, lang.Strip(msg), nil); ok {
				wantMsgs[o.to] = append(wantMsgs[o.to], lang.Sequence(caps))
			}
		}
		for to, w := range wantMsgs {
			if !sameMultiset(w, got[to]) {
				fail("step %d: observer %v got messages %s, want %s", step, to, formatAll(got[to]), formatAll(w))
			}
			delete(got, to)
		}
		for to, caps := range got {
			fail("step %d: observer %v got unexpected messages %s", step, to, formatAll(caps))
		}
	}
	// Retracting everything leaves nothing told and nothing held.
	for _, h := range handles {
		d.Retract(fx, h)
	}
	if d.Len() != 0 {
		fail("after retracting everything, %d values remain", d.Len())
	}
	if len(fx.live) != 0 {
		fail("after retracting everything, %d capture assertions remain", len(fx.live))
	}
	return matches
}

func containsEqual(vs []lang.Value, v lang.Value) bool {
	for _, x := range vs {
		if lang.Equal(x, v) {
			return true
		}
	}
	return false
}

// sameMultiset reports whether a and b hold the same values, counting
// repeats.
func sameMultiset(a, b []lang.Value) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
next:
	for _, x := range a {
		for j, y := range b {
			if !used[j] && lang.Equal(x, y) {
				used[j] = true
				continue next
			}
		}
		return false
	}
	return true
}

func formatAll(vs []lang.Value) string {
	return lang.Format(lang.Sequence(vs))
}

// TestDataspaceAgreesWithModel runs seeded random sequences.
func TestDataspaceAgreesWithModel(t *testing.T) {
	seeds := 200
	if testing.Short() {
		seeds = 10
	}
	matches := 0
	for seed := 0; seed < seeds; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			matches += runModel(t, &gen{r: rand.New(rand.NewPCG(uint64(seed), 12))}, 150)
		})
	}
	// The alphabet is small enough that observers see matches often.
	if matches < 20*seeds {
		t.Errorf("only %d matches over %d runs: the test exercises too little", matches, seeds)
	}
	t.Logf("%d observer-matches checked", matches)
}

// FuzzDataspaceModel lets the fuzzer choose the operations.
func FuzzDataspaceModel(f *testing.F) {
	for i := 0; i < 8; i++ {
		r := rand.New(rand.NewPCG(uint64(i), 3))
		b := make([]byte, 200)
		for j := range b {
			b[j] = byte(r.IntN(256))
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1000 {
			return
		}
		runModel(t, &gen{b: b, r: rand.New(rand.NewPCG(uint64(len(b)), 5))}, 60)
	})
}
