package dataspace

import (
	"fmt"

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
	byHandle  map[Handle]*entry
	byKey     map[string]*entry
	observers map[Handle]*observer
	index     index
	seq       uint64
	// shapes remembers the compiled form of recent Observe patterns by the
	// identity of their (immutable) wire value, so that an observer whose
	// pattern value is reused — a script's constant pattern is built once
	// per site — is not parsed and compiled again. Bounded by maxShapes.
	shapes map[*lang.Record]*shape
}

// maxShapes bounds the compiled-pattern cache of a dataspace.
const maxShapes = 1024

// entry is one distinct value in the bag.
type entry struct {
	key   string
	value lang.Value
	count int
	seq   uint64 // when it last appeared, for a stable iteration order
	class *class
}

// New returns an empty dataspace.
func New() *Dataspace {
	return &Dataspace{
		byHandle:  map[Handle]*entry{},
		byKey:     map[string]*entry{},
		observers: map[Handle]*observer{},
		index:     newIndex(),
	}
}

// Assert adds v under handle h. If v is <Observe PATTERN #:observer> with a
// valid pattern, the observer is registered and told of the matches already
// present. Any other value, a malformed Observe included (<Observe foo bar>),
// is plain data, as in syndicate-server's dataspace; the only error is a
// handle asserted twice.
func (d *Dataspace) Assert(fx Effects, v lang.Value, h Handle) error {
	v = lang.Strip(v)
	if _, dup := d.byHandle[h]; dup {
		return fmt.Errorf("handle %d asserted twice", h)
	}
	key := lang.Key(v)
	e := d.byKey[key]
	if e == nil {
		d.seq++
		c := d.index.classOf(v, true)
		e = &entry{key: key, value: v, seq: d.seq, class: c}
		c.entries[key] = e
		d.byKey[key] = e
	}
	d.byHandle[h] = e
	e.count++
	if e.count == 1 {
		d.index.addValue(fx, v, key, e.class)
	}
	if target, sh, ok := d.parseObserve(v); ok {
		o := &observer{handle: h, target: target}
		d.observers[h] = o
		d.index.addObserver(fx, o, sh)
	}
	return nil
}

// Retract removes the assertion made under h; an unknown handle is ignored.
func (d *Dataspace) Retract(fx Effects, h Handle) {
	e, ok := d.byHandle[h]
	if !ok {
		return
	}
	delete(d.byHandle, h)
	if o, ok := d.observers[h]; ok {
		delete(d.observers, h)
		d.index.removeObserver(fx, o)
	}
	if e.count--; e.count == 0 {
		delete(d.byKey, e.key)
		delete(e.class.entries, e.key)
		d.index.removeValue(fx, e.value, e.key, e.class)
		d.index.dropClassIfEmpty(e.class)
	}
}

// Message routes v to every observer it matches.
func (d *Dataspace) Message(fx Effects, v lang.Value) {
	d.index.message(fx, lang.Strip(v))
}

// Len is the number of distinct values present.
func (d *Dataspace) Len() int { return len(d.byKey) }

// Count is how many times v is asserted.
func (d *Dataspace) Count(v lang.Value) int {
	if e := d.byKey[lang.Key(v)]; e != nil {
		return e.count
	}
	return 0
}

// Assertions returns the distinct values present, in the order they appeared.
func (d *Dataspace) Assertions() []lang.Value {
	var out []lang.Value
	d.each(func(_ string, v lang.Value) { out = append(out, v) })
	return out
}

// each calls f for every distinct value, in the order they appeared.
func (d *Dataspace) each(f func(key string, v lang.Value)) { d.index.eachValue(d.index.star, f) }

// parseObserve recognises <Observe PATTERN #:observer> with a valid pattern
// and an embedded observer, and returns the compiled pattern; anything else
// is not an observation.
func (d *Dataspace) parseObserve(v lang.Value) (target any, sh *shape, ok bool) {
	r, isRec := v.(*lang.Record)
	if !isRec || len(r.Fields) != 2 || !lang.Equal(r.Label, SymObserve) {
		return nil, nil, false
	}
	emb, isEmb := r.Fields[1].(lang.Embedded)
	if !isEmb {
		return nil, nil, false
	}
	pr, _ := r.Fields[0].(*lang.Record)
	if sh := d.shapes[pr]; sh != nil {
		return emb.Ref, sh, true
	}
	p, err := ParsePattern(r.Fields[0])
	if err != nil {
		return nil, nil, false
	}
	sh = compile(p)
	if pr != nil {
		if len(d.shapes) >= maxShapes || d.shapes == nil {
			d.shapes = make(map[*lang.Record]*shape)
		}
		d.shapes[pr] = sh
	}
	return emb.Ref, sh, true
}
