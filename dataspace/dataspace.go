package dataspace

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/synd-lang/synd/lang"
)

// Handle identifies one assertion from the moment it is made until it is
// retracted. Handles are issued by the caller (the actor system).
type Handle uint64

// Effects is how a dataspace tells observers of matches. Each observer is the
// host reference embedded in its Observe assertion; the dataspace asserts
// capture tuples (as lang.Sequence values) to it and later retracts them by
// the handles Assert returned, and sends it matching messages' captures.
type Effects interface {
	Assert(observer any, captures lang.Value) Handle
	Retract(h Handle)
	Message(observer any, captures lang.Value)
}

// Dataspace is a bag of assertions with indexed observation.
type Dataspace struct {
	// byHandle finds an entry by its first live handle (entry.h0); the
	// further handles of an entry (an equal value asserted again) are in
	// moreHandles.
	byHandle    htab[handleKeyed, *handleKeyed]
	moreHandles map[Handle]*entry
	observers   map[*entry]*observer // of the Observe entries present
	index       index
	// shapes compiles the patterns of Observe assertions, remembering
	// them (shared with other dataspaces, or made on the first Observe).
	shapes *Shapes
}

// entry is one distinct value in the bag (hash-consed: asserting an equal
// value again counts it here), linked into its class's list.
// 48 bytes: the hash is kept as its low half (the key of the table of
// values), beside the count; the order of appearance shares a word with the
// flags; the class is found again from the value when it leaves, and its
// list of values is singly linked (see index.unlink).
type entry struct {
	value    lang.Value
	hash     uint32 // the low half of the value's hash: see entryHash
	count    int32
	h0       Handle // a handle it is asserted under, if held
	seqFlags uint64 // order of appearance << entryFlags | entryHeld | entryObserve | entryDead
	cnext    *entry // in its class's list
}

const (
	entryHeld    = 1 << iota // it is filed in Dataspace.byHandle under h0
	entryObserve             // a valid Observe, whose observer is registered while it is present
	entryDead                // it has left the bag, and waits in its class's list to be swept out
	entryFlags   = 3         // bits taken by the flags
)

func (e *entry) held() bool    { return e.seqFlags&entryHeld != 0 }
func (e *entry) observe() bool { return e.seqFlags&entryObserve != 0 }
func (e *entry) dead() bool    { return e.seqFlags&entryDead != 0 }
func (e *entry) seq() uint64   { return e.seqFlags >> entryFlags }
func (e *entry) setFlag(f uint64, on bool) {
	if on {
		e.seqFlags |= f
	} else {
		e.seqFlags &^= f
	}
}

// entryHash is the part of a value's hash that its entry keeps and the
// table of values is keyed by.
func entryHash(h uint64) uint64 { return uint64(uint32(h)) }

func (e *entry) hashKey() uint64 { return uint64(e.hash) }

// handleKeyed is an entry as filed by its handle h0.
type handleKeyed entry

func (e *handleKeyed) hashKey() uint64 { return hashHandle(e.h0) }

func hashHandle(h Handle) uint64 { return mix(uint64(h), 0x68616e646c65) }

// byHandleFirst returns the entry whose first handle is h.
func (d *Dataspace) byHandleFirst(h Handle) *handleKeyed {
	return d.byHandle.find(hashHandle(h), func(x *handleKeyed) bool { return x.h0 == h })
}

// New returns an empty dataspace.
func New() *Dataspace {
	return &Dataspace{
		observers: map[*entry]*observer{},
		index:     newIndex(),
	}
}

// find returns the entry of v, of hash h, if v is present.
func (d *Dataspace) find(v lang.Value, h uint64) *entry {
	return d.index.entries.find(entryHash(h), func(e *entry) bool { return fastEqual(e.value, v) })
}

// Assert adds v under handle h. If v is <Observe PATTERN #:observer> with a
// valid pattern, the observer is registered and told of the matches already
// present. Any other value, a malformed Observe included (<Observe foo bar>),
// is plain data, as in syndicate-server's dataspace; the only error is a
// handle asserted twice.
func (d *Dataspace) Assert(fx Effects, v lang.Value, h Handle) error {
	v = strip(v)
	if d.moreHandles[h] != nil {
		return errTwice(h)
	}
	hv, c := d.index.keysOf(v)
	e, hole := d.index.entries.findOrHole(entryHash(hv), func(e *entry) bool { return fastEqual(e.value, v) })
	if e != nil && e.held() {
		if d.byHandleFirst(h) != nil {
			return errTwice(h)
		}
		if d.moreHandles == nil {
			d.moreHandles = map[Handle]*entry{}
		}
		d.moreHandles[h] = e
	} else {
		// Filed under h, unless h is taken: one probe for both.
		fresh := e == nil
		if fresh {
			e = d.index.entryPool.get()
			e.value, e.hash = v, uint32(hv)
		}
		e.h0 = h
		if !d.byHandle.insertNew((*handleKeyed)(e), func(x *handleKeyed) bool { return x.h0 == h }) {
			if fresh {
				d.index.entryPool.put(e)
				d.index.dropClassIfEmpty(c) // keysOf may have made it
			}
			return errTwice(h)
		}
		e.setFlag(entryHeld, true)
		if fresh {
			d.index.link(e, c, hole)
		}
	}
	e.count++
	if e.count == 1 {
		d.index.addValue(fx, e, c)
		// An Observe registers its observer when it appears, not per
		// handle: asserted again, it is only counted (syndicate-rs
		// Dataspace::assert adds the observer only if index.insert says
		// the assertion is new).
		if target, sh, ok := d.parseObserve(v); ok {
			e.setFlag(entryObserve, true)
			o := &observer{target: target}
			d.observers[e] = o
			d.index.addObserver(fx, o, sh)
		}
	}
	return nil
}

func errTwice(h Handle) error { return fmt.Errorf("handle %d asserted twice", h) }

// Retract removes the assertion made under h; an unknown handle is ignored.
func (d *Dataspace) Retract(fx Effects, h Handle) {
	var e *entry
	if x, i := d.byHandle.findAt(hashHandle(h), func(x *handleKeyed) bool { return x.h0 == h }); x != nil {
		d.byHandle.removeAt(i)
		e = (*entry)(x)
		e.setFlag(entryHeld, false)
	} else if e = d.moreHandles[h]; e != nil {
		delete(d.moreHandles, h)
		if len(d.moreHandles) == 0 {
			d.moreHandles = nil // a map does not shrink: let it go
		}
	} else {
		return
	}
	if e.count--; e.count == 0 {
		// The last handle of an Observe goes: so does its observer
		// (syndicate-rs Dataspace::retract, on index.remove's is_last).
		if e.observe() {
			if o, ok := d.observers[e]; ok {
				delete(d.observers, e)
				d.index.removeObserver(fx, o)
			}
		}
		c := d.index.classOf(e.value)
		d.index.unlink(e, c)
		d.index.removeValue(fx, e, c)
		// A dead entry waits in its class's list for the sweep: it must
		// not keep its value (an Observe's holds its observer, and with it
		// a stopped facet's whole graph) alive until then.
		e.value = nil
		d.index.sweepIfDue(c)
		d.index.dropClassIfEmpty(c)
	}
}

// Message routes v to every observer it matches.
func (d *Dataspace) Message(fx Effects, v lang.Value) {
	d.index.message(fx, strip(v))
}

// MessagePlain is Message for a value its caller has found free of
// annotations (as a publisher's size check sees a record of atoms): it
// skips the walk that looks for them.
func (d *Dataspace) MessagePlain(fx Effects, v lang.Value) {
	d.index.message(fx, v)
}

// Len is the number of distinct values present.
func (d *Dataspace) Len() int { return d.index.entries.n }

// Count is how many times v is asserted.
func (d *Dataspace) Count(v lang.Value) int {
	v = strip(v)
	if e := d.find(v, hashValue(v)); e != nil {
		return int(e.count)
	}
	return 0
}

// Assertions returns the distinct values present, in the order they appeared.
func (d *Dataspace) Assertions() []lang.Value {
	es := make([]*entry, 0, d.index.entries.n)
	d.index.entries.each(func(e *entry) { es = append(es, e) })
	slices.SortFunc(es, func(a, b *entry) int { return cmp.Compare(a.seq(), b.seq()) })
	out := make([]lang.Value, len(es))
	for i, e := range es {
		out[i] = e.value
	}
	return out
}

// observeLabel is SymObserve boxed once: passing the Symbol to fastEqual
// boxed it on every assertion.
var observeLabel lang.Value = SymObserve

// parseObserve recognises <Observe PATTERN #:observer> with a valid pattern
// and an embedded observer, and returns the compiled pattern; anything else
// is not an observation.
func (d *Dataspace) parseObserve(v lang.Value) (target any, sh *shape, ok bool) {
	r, isRec := v.(*lang.Record)
	if !isRec || len(r.Fields) != 2 || !fastEqual(r.Label, observeLabel) {
		return nil, nil, false
	}
	emb, isEmb := r.Fields[1].(lang.Embedded)
	if !isEmb {
		return nil, nil, false
	}
	if d.shapes == nil {
		d.shapes = NewShapes()
	}
	sh, ok = d.shapes.shape(r.Fields[0])
	if !ok {
		return nil, nil, false
	}
	return emb.Ref, sh, true
}

// strip removes annotations from v, without rebuilding or even comparing
// anything when v has none — the usual case, as values built by scripts and
// decoded by the relay carry none.
func strip(v lang.Value) lang.Value {
	if annotated(v) {
		return lang.Strip(v)
	}
	return v
}

// annotated reports whether v has an annotation anywhere.
func annotated(v lang.Value) bool {
	switch x := v.(type) {
	case *lang.Annotated:
		return true
	case *lang.Record:
		return annotated(x.Label) || anyAnnotated(x.Fields)
	case lang.Sequence:
		return anyAnnotated(x)
	case *lang.Set:
		return anyAnnotated(x.Elements())
	case *lang.Dictionary:
		for _, e := range x.Entries() {
			if annotated(e.Key) || annotated(e.Value) {
				return true
			}
		}
	}
	return false
}

func anyAnnotated(vs []lang.Value) bool {
	for _, v := range vs {
		switch v.(type) {
		case *lang.Annotated, *lang.Record, lang.Sequence, *lang.Set, *lang.Dictionary:
			if annotated(v) {
				return true
			}
		}
	}
	return false
}
