package eval

import (
	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/lang"
)

// DataspaceEntity is the entity behind a dataspace ref: it keeps the
// assertions sent to it and tells observers (refs embedded in Observe
// assertions) of matches.
type DataspaceEntity struct {
	DS *dataspace.Dataspace
}

// NewDataspace makes a new, empty dataspace owned by the active facet and
// returns a ref to it.
func (t *Turn) NewDataspace(name string) *Ref {
	s := t.sys
	if s.shapes == nil {
		s.shapes = dataspace.NewShapes()
	}
	return t.NewRef(name, &DataspaceEntity{DS: dataspace.NewShared(s.shapes)})
}

// turnEffects lets a dataspace act through a turn.
type turnEffects struct{ t *Turn }

func (e turnEffects) Assert(o any, caps lang.Value) Handle {
	if r, ok := o.(*Ref); ok {
		return e.t.Assert(r, caps)
	}
	return 0
}

func (e turnEffects) Retract(h Handle) {
	if h != 0 {
		e.t.Retract(h)
	}
}

func (e turnEffects) Message(o any, caps lang.Value) {
	r, ok := o.(*Ref)
	if !ok {
		return
	}
	if t := e.t; t.relaying && r.caveats.Len() == 0 {
		// Relaying a delivery (the dataspace's own turn always is), to
		// an observer that is not attenuated: Message would check nothing.
		t.deliver(evMessage, r, caps, 0, t.from)
		return
	}
	e.t.Message(r, caps)
}

// Assert implements Entity.
func (d *DataspaceEntity) Assert(t *Turn, v lang.Value, h Handle) error {
	return d.DS.Assert(turnEffects{t}, v, h)
}

// Retract implements Entity.
func (d *DataspaceEntity) Retract(t *Turn, h Handle) error {
	d.DS.Retract(turnEffects{t}, h)
	return nil
}

// Message implements Entity.
func (d *DataspaceEntity) Message(t *Turn, v lang.Value) error {
	d.DS.Message(turnEffects{t}, v)
	return nil
}

// duringEntity starts a facet per distinct match and stops it when the match
// goes away; it also runs a handler per matching message.
type duringEntity struct {
	owner     *Facet
	onAssert  func(t *Turn, captures []lang.Value)
	onMessage func(t *Turn, captures []lang.Value)
	// The facets of the matches present, by the handle of their
	// assertion: one in h0/f0 (most observers see one match at a time, a
	// literal pattern's never more), the others in a map made when needed.
	h0     Handle
	f0     *Facet
	facets map[Handle]*Facet
}

func capturesOf(v lang.Value) []lang.Value {
	if s, ok := v.(lang.Sequence); ok {
		return s
	}
	return nil
}

func (e *duringEntity) Assert(t *Turn, v lang.Value, h Handle) error {
	if e.onAssert == nil {
		return nil
	}
	caps := capturesOf(v)
	var child *Facet
	t.InFacet(e.owner, func() {
		child = t.NewFacetHeld(func(t *Turn) { e.onAssert(t, caps) })
	})
	if child.alive {
		switch {
		case e.f0 == nil:
			e.h0, e.f0 = h, child
		case e.facets == nil:
			e.facets = map[Handle]*Facet{h: child}
		default:
			e.facets[h] = child
		}
	}
	return nil
}

func (e *duringEntity) Retract(t *Turn, h Handle) error {
	if e.f0 != nil && e.h0 == h {
		f := e.f0
		e.h0, e.f0 = 0, nil
		t.StopFacet(f)
	} else if f, ok := e.facets[h]; ok {
		delete(e.facets, h)
		t.StopFacet(f)
	}
	return nil
}

func (e *duringEntity) Message(t *Turn, v lang.Value) error {
	if e.onMessage == nil {
		return nil
	}
	caps := capturesOf(v)
	t.InFacet(e.owner, func() {
		t.NewFacet(func(t *Turn) { e.onMessage(t, caps) })
	})
	return nil
}

// observeWire is During (during) or OnMessage with the pattern in its wire
// form already.
func (t *Turn) observeWire(ds *Ref, pattern lang.Value, during bool, body func(t *Turn, captures []lang.Value)) {
	e := &duringEntity{owner: t.facet}
	name := "on-message"
	if during {
		e.onAssert, name = body, "during"
	} else {
		e.onMessage = body
	}
	t.Assert(ds, newRecord2(valObserve, pattern, lang.Embedded{Ref: t.NewRef(name, e)}))
}

// During observes p at ds from the active facet: for each distinct capture
// tuple that appears, body runs in a new child facet, which stops when the
// tuple disappears. The observation lasts as long as the active facet.
func (t *Turn) During(ds *Ref, p dataspace.Pattern, body func(t *Turn, captures []lang.Value)) {
	e := &duringEntity{owner: t.facet, onAssert: body}
	t.Assert(ds, dataspace.Observe(p, t.NewRef("during", e)))
}

// OnMessage observes messages matching p at ds from the active facet: body
// runs, in a fresh child facet, for each one.
func (t *Turn) OnMessage(ds *Ref, p dataspace.Pattern, body func(t *Turn, captures []lang.Value)) {
	e := &duringEntity{owner: t.facet, onMessage: body}
	t.Assert(ds, dataspace.Observe(p, t.NewRef("on-message", e)))
}

// Handler is an Entity built from functions; nil fields ignore their event.
type Handler struct {
	OnAssert  func(t *Turn, v lang.Value, h Handle) error
	OnRetract func(t *Turn, h Handle) error
	OnMessage func(t *Turn, v lang.Value) error
}

// Assert implements Entity.
func (h *Handler) Assert(t *Turn, v lang.Value, hd Handle) error {
	if h.OnAssert == nil {
		return nil
	}
	return h.OnAssert(t, v, hd)
}

// Retract implements Entity.
func (h *Handler) Retract(t *Turn, hd Handle) error {
	if h.OnRetract == nil {
		return nil
	}
	return h.OnRetract(t, hd)
}

// Message implements Entity.
func (h *Handler) Message(t *Turn, v lang.Value) error {
	if h.OnMessage == nil {
		return nil
	}
	return h.OnMessage(t, v)
}
