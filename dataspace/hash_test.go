package dataspace

import (
	"fmt"
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
)

type hostRef struct{ id uint64 }

func (r *hostRef) EmbeddedID() uint64 { return r.id }

// hashCases are values some of which are Equal to each other in ways that do
// not show in their Go representation.
func hashCases() []lang.Value {
	big1, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	big2, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	ref := &hostRef{7}
	return []lang.Value{
		lang.Bool(true), lang.Bool(false),
		lang.Double(0), lang.Double(math.Copysign(0, -1)), lang.Double(math.NaN()), lang.Double(1.5),
		lang.Int(0), lang.Int(1), lang.Int(-1), lang.Int(1 << 40),
		lang.NewInteger(big1), lang.NewInteger(big2), lang.NewInteger(new(big.Int).Neg(big1)),
		lang.String(""), lang.String("a"), lang.Symbol("a"), lang.ByteString("a"),
		lang.NewRecord(lang.Symbol("a")), lang.NewRecord(lang.Symbol("a"), lang.Int(1)),
		lang.NewRecord(lang.Symbol("a"), lang.Int(1)), lang.NewRecord(lang.String("a"), lang.Int(1)),
		lang.Sequence{}, lang.Sequence{lang.Int(1)}, lang.Sequence{lang.Int(1)},
		lang.SetOf(lang.Int(1)), lang.SetOf(lang.Int(2), lang.Int(1)), lang.SetOf(lang.Int(1), lang.Int(2)),
		lang.DictionaryOf(lang.Symbol("k"), lang.Int(1)), lang.DictionaryOf(lang.Symbol("k"), lang.Int(1)),
		lang.DictionaryOf(lang.Symbol("k"), lang.Int(2)),
		lang.Embedded{Ref: ref}, lang.Embedded{Ref: &hostRef{7}}, lang.Embedded{Ref: &hostRef{8}},
		lang.Embedded{Ref: lang.Int(1)}, lang.Embedded{Ref: lang.Int(1)},
		&lang.Annotated{Annotations: []lang.Value{lang.Symbol("note")}, Value: lang.Int(1)},
		lang.NewRecord(lang.Symbol("a"), &lang.Annotated{Annotations: []lang.Value{lang.Int(0)}, Value: lang.Int(1)}),
	}
}

// Equal values hash alike (annotations, set order and host references
// included); the unequal ones of these cases do not collide.
func TestHashAgreesWithEqual(t *testing.T) {
	cs := hashCases()
	for _, a := range cs {
		for _, b := range cs {
			ha, hb := hashValue(a), hashValue(b)
			assert.Equal(t, lang.Equal(a, b), fastEqual(a, b), "fastEqual(%s, %s)", lang.Format(a), lang.Format(b))
			if lang.Equal(a, b) {
				assert.Equal(t, ha, hb, "%s and %s are equal", lang.Format(a), lang.Format(b))
			} else {
				assert.NotEqual(t, ha, hb, "%s and %s differ", lang.Format(a), lang.Format(b))
			}
		}
	}
}

// FuzzHashAgreesWithEqual: two decoded values that are Equal hash alike,
// and a value hashes as its re-encoded copy does.
func FuzzHashAgreesWithEqual(f *testing.F) {
	for _, v := range hashCases() {
		if _, ok := lang.Unwrap(v).(lang.Embedded); ok {
			continue // host references do not encode
		}
		b, err := lang.Encode(v)
		require.NoError(f, err)
		f.Add(b, b)
	}
	f.Fuzz(func(t *testing.T, x, y []byte) {
		a, err := lang.Decode(x)
		if err != nil {
			return
		}
		b, err := lang.Decode(y)
		if err != nil {
			return
		}
		if lang.Equal(a, b) && hashValue(a) != hashValue(b) {
			t.Fatalf("%s and %s are equal but hash differently", lang.Format(a), lang.Format(b))
		}
		again, err := lang.Encode(a)
		require.NoError(t, err)
		c, err := lang.Decode(again)
		require.NoError(t, err)
		assert.Equal(t, hashValue(a), hashValue(c))
	})
}

// fixed is a table element with a chosen hash, to force collisions.
type fixed struct {
	h    uint64
	name string
}

func (x *fixed) hashKey() uint64 { return x.h }

// The table finds, inserts and removes elements whatever their hashes
// share: all equal, runs of equal home slots that wrap around the end, and
// spread out; it grows and shrinks and stays consistent.
func TestTableCollisions(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(i int) uint64
	}{
		{"all equal", func(int) uint64 { return 42 }},
		{"same home slot", func(i int) uint64 { return uint64(i) << 32 }},
		{"wrapping", func(i int) uint64 { return uint64(1<<20 - 1 - i%3) }},
		{"wrapping at the end", func(i int) uint64 { return uint64(1<<32 - 1 - i%3) }},
		{"spread", func(i int) uint64 { return mix(uint64(i), 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tab htab[fixed, *fixed]
			live := map[string]*fixed{}
			find := func(name string, h uint64) *fixed {
				return tab.find(h, func(x *fixed) bool { return x.name == name })
			}
			for round := 0; round < 3; round++ {
				for i := 0; i < 300; i++ {
					x := &fixed{h: tc.hash(i), name: fmt.Sprint(i)}
					if find(x.name, x.h) == nil {
						tab.insert(x)
						live[x.name] = x
					}
				}
				for i := 0; i < 300; i += 1 + round {
					name := fmt.Sprint(i)
					x := find(name, tc.hash(i))
					require.NotNil(t, x, name)
					require.Same(t, live[name], x)
					tab.remove(x)
					delete(live, name)
					require.Nil(t, find(name, tc.hash(i)))
				}
				require.Equal(t, len(live), tab.n)
				for name, x := range live {
					require.Same(t, x, find(name, x.h), name)
				}
				n := 0
				tab.each(func(*fixed) { n++ })
				require.Equal(t, len(live), n)
			}
			tab.remove(&fixed{h: 42, name: "absent"}) // a no-op
			require.Equal(t, len(live), tab.n)
		})
	}
}

// Leaves, classes and capture tuples of equal hashes are told apart by
// their values.
func TestIndexHashCollisions(t *testing.T) {
	sig := &signature{leaves: map[uint64]*leaf{}}
	a := sig.findLeaf([]lang.Value{lang.Symbol("a")}, 1, true)
	b := sig.findLeaf([]lang.Value{lang.Symbol("b")}, 1, true)
	assert.NotSame(t, a, b)
	assert.Same(t, a, sig.findLeaf([]lang.Value{lang.Symbol("a")}, 1, false))
	assert.Same(t, b, sig.findLeaf([]lang.Value{lang.Symbol("b")}, 1, false))
	assert.Nil(t, sig.findLeaf([]lang.Value{lang.Symbol("c")}, 1, false))
	sig.dropLeafIfEmpty(b) // the head of the chain
	assert.Same(t, a, sig.findLeaf([]lang.Value{lang.Symbol("a")}, 1, false))
	assert.Nil(t, sig.findLeaf([]lang.Value{lang.Symbol("b")}, 1, false))
	c := sig.findLeaf([]lang.Value{lang.Symbol("c")}, 1, true)
	sig.dropLeafIfEmpty(a) // not the head
	assert.Same(t, c, sig.findLeaf([]lang.Value{lang.Symbol("c")}, 1, false))
	assert.Nil(t, sig.findLeaf([]lang.Value{lang.Symbol("a")}, 1, false))

	ix := newIndex()
	kx := classKey{kind: cRecord, val: lang.Symbol("x"), hash: 9}
	ky := classKey{kind: cRecord, val: lang.Symbol("y"), hash: 9}
	kl := classKey{kind: cLiteral, val: lang.Symbol("x"), hash: 9}
	cx, cy, cl := ix.class(kx, true), ix.class(ky, true), ix.class(kl, true)
	assert.NotSame(t, cx, cy)
	assert.NotSame(t, cx, cl)
	assert.Same(t, cy, ix.class(ky, false))
	ix.dropClassIfEmpty(cy)
	assert.Nil(t, ix.class(ky, false))
	assert.Same(t, cx, ix.class(kx, false))
	assert.Same(t, cl, ix.class(kl, false))

	g := &captureGroup{}
	t1 := &tuple{seq: &lang.Sequence{lang.Int(1)}, hash: 5, count: 1}
	t2 := &tuple{seq: &lang.Sequence{lang.Int(2)}, hash: 5, count: 1}
	g.tuples.insert(t1)
	g.tuples.insert(t2)
	assert.Same(t, t1, g.findTuple([]lang.Value{lang.Int(1)}, 5))
	assert.Same(t, t2, g.findTuple([]lang.Value{lang.Int(2)}, 5))
	assert.Nil(t, g.findTuple([]lang.Value{lang.Int(3)}, 5))
}

// The bag keeps distinct values apart even when they collide: a dataspace
// whose entries all share one hash behaves as any other.
func TestBagCollisions(t *testing.T) {
	d := New()
	fx := &countingEffects{}
	vals := hashCases()
	for i, v := range vals {
		require.NoError(t, d.Assert(fx, v, Handle(i+1)))
	}
	distinct := d.Len()
	// Re-file every entry under one hash.
	var all []*entry
	d.index.entries.each(func(e *entry) { all = append(all, e) })
	for _, e := range all {
		d.index.entries.remove(e)
		e.hash = 77
		d.index.entries.insert(e)
	}
	for _, v := range vals {
		e := d.find(lang.Strip(v), 77)
		require.NotNil(t, e, lang.Format(v))
		assert.True(t, lang.Equal(e.value, v))
	}
	assert.Equal(t, distinct, d.index.entries.n)
}

type countingEffects struct{ n int }

func (c *countingEffects) Assert(any, lang.Value) Handle { c.n++; return Handle(c.n) }
func (c *countingEffects) Retract(Handle)                {}
func (c *countingEffects) Message(any, lang.Value)       {}

// liveEffects keeps, per observer, the capture tuples it is currently told
// of (by their text), failing on a retraction of an unknown handle.
type liveEffects struct {
	t    *testing.T
	next Handle
	live map[Handle][2]string
}

func (l *liveEffects) Assert(o any, caps lang.Value) Handle {
	l.next++
	l.live[l.next] = [2]string{fmt.Sprint(o), lang.Format(caps)}
	return l.next
}

func (l *liveEffects) Retract(h Handle) {
	if _, ok := l.live[h]; !ok {
		l.t.Fatalf("retraction of unknown handle %d", h)
	}
	delete(l.live, h)
}

func (l *liveEffects) Message(any, lang.Value) {}

// TestIndexAgreesWithMatch: after every step of a random run of assertions
// and retractions (observers among them), each observer has been told of
// exactly the distinct capture tuples that Match finds in the bag.
func TestIndexAgreesWithMatch(t *testing.T) {
	vals := []lang.Value{
		lang.NewRecord(lang.Symbol("a"), lang.Int(1)), lang.NewRecord(lang.Symbol("a"), lang.Int(2)),
		lang.NewRecord(lang.Symbol("a"), lang.Int(1), lang.Int(2)), lang.NewRecord(lang.Symbol("b"), lang.Int(1)),
		lang.NewRecord(lang.Symbol("a"), lang.NewRecord(lang.Symbol("b"), lang.Int(1))),
		lang.Sequence{lang.Int(1), lang.Int(2)}, lang.Sequence{lang.Int(2)},
		lang.DictionaryOf(lang.Symbol("k"), lang.Int(1)), lang.Int(1), lang.Symbol("a"),
	}
	rec := func(label string, es ...GroupEntry) Pattern {
		return Group{Kind: GroupRecord, Label: lang.Symbol(label), Entries: es}
	}
	bind := Bind{Discard{}}
	pats := []Pattern{
		rec("a", GroupEntry{lang.Int(0), bind}),
		rec("a", GroupEntry{lang.Int(0), Lit{lang.Int(1)}}),
		rec("a", GroupEntry{lang.Int(1), bind}),
		rec("a", GroupEntry{lang.Int(0), Bind{rec("b", GroupEntry{lang.Int(0), bind})}}),
		Group{Kind: GroupSequence, Entries: []GroupEntry{{lang.Int(0), bind}}},
		Group{Kind: GroupDictionary, Entries: []GroupEntry{{lang.Symbol("k"), bind}}},
		Bind{Discard{}},
		Lit{lang.Int(1)},
		Discard{},
	}
	seed := uint64(1)
	rnd := func(n int) int {
		seed = mix(seed, 12345)
		return int(seed % uint64(n))
	}
	d := New()
	fx := &liveEffects{t: t, live: map[Handle][2]string{}}
	asserted := map[Handle]lang.Value{}
	var next Handle
	for step := 0; step < 3000; step++ {
		if len(asserted) > 0 && (rnd(5) < 2 || len(asserted) > 60) {
			for h := range asserted { // any one
				d.Retract(fx, h)
				delete(asserted, h)
				break
			}
		} else {
			next++
			var v lang.Value
			if rnd(4) == 0 {
				v = Observe(pats[rnd(len(pats))], lang.String(fmt.Sprintf("o%d", next)))
			} else {
				v = vals[rnd(len(vals))]
			}
			require.NoError(t, d.Assert(fx, v, next))
			asserted[next] = v
		}
		// What each observer should have been told.
		want := map[[2]string]bool{}
		for _, ov := range asserted {
			o, ok := ObserverOf(ov)
			if !ok {
				continue
			}
			p, err := ParsePattern(ov.(*lang.Record).Fields[0])
			require.NoError(t, err)
			for _, v := range asserted {
				if caps, ok := Match(p, v, nil); ok {
					want[[2]string{fmt.Sprint(o), lang.Format(lang.Sequence(caps))}] = true
				}
			}
		}
		got := map[[2]string]bool{}
		for _, x := range fx.live {
			require.False(t, got[x], "told twice: %v", x)
			got[x] = true
		}
		require.Equal(t, want, got, "step %d", step)
	}
}

// TestManyObserversOfOneGroup: observers of one pattern come and go (enough
// for the group to compact its slots); each is told and untold exactly what
// it should be, with the handles it was given.
func TestManyObserversOfOneGroup(t *testing.T) {
	d := New()
	fx := &liveEffects{t: t, live: map[Handle][2]string{}}
	p := Group{Kind: GroupRecord, Label: lang.Symbol("a"), Entries: []GroupEntry{{lang.Int(0), Bind{Discard{}}}}}
	var next Handle = 1000
	obs := map[Handle]string{}
	addObs := func(name string) {
		next++
		require.NoError(t, d.Assert(fx, Observe(p, lang.String(name)), next))
		obs[next] = name
	}
	for i := 0; i < 50; i++ {
		addObs(fmt.Sprintf("o%d", i))
	}
	for i := 1; i <= 3; i++ {
		require.NoError(t, d.Assert(fx, lang.NewRecord(lang.Symbol("a"), lang.Int(int64(i))), Handle(i)))
	}
	check := func(values int) {
		t.Helper()
		want := map[[2]string]bool{}
		for _, name := range obs {
			for i := 1; i <= values; i++ {
				want[[2]string{name, fmt.Sprintf("[%d]", i)}] = true
			}
		}
		got := map[[2]string]bool{}
		for _, x := range fx.live {
			got[x] = true
		}
		require.Equal(t, want, got)
		require.Len(t, fx.live, len(want))
	}
	check(3)
	for h := Handle(1001); h <= 1040; h++ {
		if h%5 != 0 {
			d.Retract(fx, h)
			delete(obs, h)
		}
	}
	check(3)
	addObs("late")
	require.NoError(t, d.Assert(fx, lang.NewRecord(lang.Symbol("a"), lang.Int(4)), 4))
	check(4)
	for h := Handle(1); h <= 4; h++ {
		d.Retract(fx, h)
	}
	check(0)
}

// Observe patterns built anew that differ only in their constants share
// one skeleton and keep their own constants; a pattern whose skeleton's hash
// collides with another's is not given the other's skeleton.
func TestShapesBySkeleton(t *testing.T) {
	d := New()
	mk := func(label string, field lang.Value) lang.Value {
		return Observe(Group{Kind: GroupRecord, Label: lang.Symbol(label), Entries: []GroupEntry{{lang.Int(0), Lit{field}}, {lang.Int(1), Bind{Discard{}}}}}, lang.String("o"))
	}
	_, a1, ok := d.parseObserve(mk("a", lang.Int(1)))
	require.True(t, ok)
	_, a2, ok := d.parseObserve(mk("a", lang.Int(2)))
	require.True(t, ok)
	assert.Same(t, a1.skeleton, a2.skeleton, "a pattern with another constant, built anew")
	assert.Equal(t, []lang.Value{lang.Symbol("a"), lang.Int(1)}, a1.consts)
	assert.Equal(t, []lang.Value{lang.Symbol("a"), lang.Int(2)}, a2.consts)
	assert.NotEqual(t, a1.leafHash, a2.leafHash)
	same := mk("a", lang.Int(1))
	_, a3, ok := d.parseObserve(same)
	require.True(t, ok)
	sameCompiled(t, compile(mustPattern(t, same.(*lang.Record).Fields[0])), a3)
	_, a4, ok := d.parseObserve(same)
	require.True(t, ok)
	assert.Same(t, a3, a4, "the same pattern value again")

	b := mk("b", lang.Int(1))
	var scratch Shapes
	bsk, _, ok := scratch.walk(b.(*lang.Record).Fields[0])
	require.True(t, ok)
	d.shapes.skels[bsk.hash] = a1.skeleton // a collision
	_, bs, ok := d.parseObserve(b)
	require.True(t, ok)
	assert.NotSame(t, a1.skeleton, bs.skeleton)
	assert.Equal(t, lang.Symbol("b"), bs.root.val)
	sameCompiled(t, compile(mustPattern(t, b.(*lang.Record).Fields[0])), bs)
}

// sameCompiled: got files its observer as want does.
func sameCompiled(t *testing.T, want, got *shape) {
	t.Helper()
	assert.Equal(t, want.sigID, got.sigID)
	assert.Equal(t, want.capsID, got.capsID)
	assert.Equal(t, want.captures, got.captures)
	assert.Equal(t, want.root, got.root)
	assert.Equal(t, want.consts, got.consts)
	assert.Equal(t, want.leafHash, got.leafHash)
	require.Equal(t, len(want.tests), len(got.tests))
	for i := range want.tests {
		assert.Equal(t, want.tests[i].kind, got.tests[i].kind)
		assert.Equal(t, want.tests[i].path, got.tests[i].path)
	}
}

func mustPattern(t *testing.T, v lang.Value) Pattern {
	p, err := ParsePattern(v)
	require.NoError(t, err)
	return p
}

// TestHandles: equal values asserted under many handles, retracted in any
// order and their handles reused, are counted right; a live handle cannot be
// asserted again, a retracted one can.
func TestHandles(t *testing.T) {
	d := New()
	fx := &countingEffects{}
	vals := []lang.Value{lang.Int(1), lang.Symbol("a"), lang.NewRecord(lang.Symbol("r"), lang.Int(1))}
	live := map[Handle]lang.Value{}
	seed := uint64(7)
	rnd := func(n int) int {
		seed = mix(seed, 99)
		return int(seed % uint64(n))
	}
	for step := 0; step < 5000; step++ {
		h := Handle(rnd(40)) // handle 0 included
		if _, ok := live[h]; ok {
			require.Error(t, d.Assert(fx, vals[rnd(len(vals))], h), "handle %d is live", h)
			if rnd(2) == 0 {
				d.Retract(fx, h)
				delete(live, h)
			}
		} else {
			v := vals[rnd(len(vals))]
			require.NoError(t, d.Assert(fx, v, h))
			live[h] = v
			d.Retract(fx, h+1000) // unknown: ignored
		}
		for _, v := range vals {
			n := 0
			for _, w := range live {
				if lang.Equal(v, w) {
					n++
				}
			}
			require.Equal(t, n, d.Count(v), "step %d: count of %s", step, lang.Format(v))
		}
	}
	for h := range live {
		d.Retract(fx, h)
	}
	assert.Equal(t, 0, d.Len())
	assert.Equal(t, 0, d.byHandle.n)
	assert.Nil(t, d.moreHandles)
}
