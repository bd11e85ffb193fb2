// Package gatekeeper resolves steps of a route to objects, as syndicate's
// gatekeeper.prs describes: a gatekeeper entity answers <resolve STEP
// #:OBSERVER> with <ok #:OBJECT> or <error DETAIL>, drawing on <bind
// DESCRIPTION #:TARGET OBSERVER> assertions in its bindspace. Sturdy-ref
// steps (<ref {oid, sig, caveats}>) and Noise steps (<noise SERVICE>) are
// understood.
package gatekeeper

import (
	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/sturdy"
)

var (
	symResolve = lang.Symbol("resolve")
	symBind    = lang.Symbol("bind")
	symBound   = lang.Symbol("bound")
	symRef     = lang.Symbol("ref")
	symOK      = lang.Symbol("ok")
	symError   = lang.Symbol("error")
	symOID     = lang.Symbol("oid")
	symKey     = lang.Symbol("key")
)

var capture = dataspace.Bind{Pattern: dataspace.Discard{}}

func recPattern(label lang.Value, fields ...dataspace.Pattern) dataspace.Pattern {
	g := dataspace.Group{Kind: dataspace.GroupRecord, Label: label}
	for i, f := range fields {
		g.Entries = append(g.Entries, dataspace.GroupEntry{Key: lang.Int(i), Pattern: f})
	}
	return g
}

// Result values (rpc.prs).
func ok(v lang.Value) lang.Value          { return lang.NewRecord(symOK, v) }
func errorResult(d lang.Value) lang.Value { return lang.NewRecord(symError, d) }

// New starts a gatekeeper over bindspace in the active facet and returns a
// ref to it (syndicate-server's create_gatekeeper): sturdy and noise binds
// in the bindspace are answered with <bound ...>, and resolutions are served
// from them.
func New(t *eval.Turn, bindspace *eval.Ref) *eval.Ref {
	handleSturdyBinds(t, bindspace)
	handleNoiseBinds(t, bindspace)
	g := &entity{ds: bindspace, facets: map[eval.Handle]*eval.Facet{}}
	return t.NewRef("gatekeeper", g)
}

// entity is the gatekeeper: a facet per <resolve ...> assertion, stopped when
// it is retracted.
type entity struct {
	ds     *eval.Ref
	facets map[eval.Handle]*eval.Facet
}

func (g *entity) Assert(t *eval.Turn, v lang.Value, h eval.Handle) error {
	r, isRec := lang.Unwrap(v).(*lang.Record)
	if !isRec || !lang.Equal(r.Label, symResolve) || len(r.Fields) != 2 {
		return nil // not a Resolve: not for us
	}
	e, isEmb := lang.Unwrap(r.Fields[1]).(lang.Embedded)
	observer, isRef := e.Ref.(*eval.Ref)
	if !isEmb || !isRef {
		return nil
	}
	step := lang.Unwrap(r.Fields[0])
	g.facets[h] = t.NewFacetHeld(func(t *eval.Turn) { g.resolve(t, step, observer) })
	return nil
}

func (g *entity) Retract(t *eval.Turn, h eval.Handle) error {
	if f, ok := g.facets[h]; ok {
		delete(g.facets, h)
		t.StopFacet(f)
	}
	return nil
}

func (g *entity) Message(*eval.Turn, lang.Value) error { return nil }

// resolve answers one Resolve (gatekeeper.rs facet_handle_resolve): a step
// of a known type is taken; any other is <error unsupported>, and a known
// type with a detail it cannot read is <error invalid>.
func (g *entity) resolve(t *eval.Turn, step lang.Value, observer *eval.Ref) {
	r, isRec := step.(*lang.Record)
	var stepType lang.Symbol
	if isRec {
		stepType, _ = lang.Unwrap(r.Label).(lang.Symbol)
	}
	switch {
	case stepType == symRef:
		if len(r.Fields) == 1 {
			if sr, err := sturdy.ParseParameters(r.Fields[0]); err == nil {
				g.takeSturdyStep(t, step, sr, observer)
				return
			}
		}
		t.Assert(observer, errorResult(lang.Symbol("invalid")))
	case stepType == symNoise:
		if len(r.Fields) == 1 {
			g.takeNoiseStep(t, step, lang.Unwrap(r.Fields[0]), observer)
			return
		}
		t.Assert(observer, errorResult(lang.Symbol("invalid")))
	default:
		t.Assert(observer, errorResult(lang.Symbol("unsupported")))
	}
}

// direct asks the bindspace about the step itself, as resolution/mod.rs's
// handle_direct_resolution does: it asserts <resolve STEP #:k> there, and
// if something answers k before a bind is found, that answer goes to the
// observer and the search for a bind ends. It returns the facet of the
// search, which the caller stops once a bind is found.
func (g *entity) direct(t *eval.Turn, step lang.Value, observer *eval.Ref, search func(t *eval.Turn)) {
	outer := t.Facet()
	var inner *eval.Facet
	inner = t.NewFacetHeld(func(t *eval.Turn) {
		k := t.NewRef("direct-resolution", &eval.Handler{OnAssert: func(t *eval.Turn, a lang.Value, _ eval.Handle) error {
			t.StopFacet(inner)
			t.InFacet(outer, func() { t.Assert(observer, a) })
			return nil
		}})
		t.Assert(g.ds, lang.NewRecord(symResolve, step, k.Value()))
		search(t)
	})
}

// takeSturdyStep waits for <bind <ref {oid: OID, key: KEY}> #:TARGET _>
// with the step's oid, then answers with the target attenuated by the
// ref's caveats, or <error sturdyref-failed-validation> if the signature is
// wrong (resolution/sturdy.rs await_bind_sturdyref). An oid nobody binds is
// never answered, unless something answers the direct resolution.
func (g *entity) takeSturdyStep(t *eval.Turn, step lang.Value, sr *sturdy.Ref, observer *eval.Ref) {
	outer := t.Facet()
	g.direct(t, step, observer, func(t *eval.Turn) {
		search := t.Facet()
		desc := dataspace.Group{Kind: dataspace.GroupDictionary, Entries: []dataspace.GroupEntry{
			{Key: symOID, Pattern: dataspace.Literal(sr.OID)},
			{Key: symKey, Pattern: capture},
		}}
		answered := false
		t.During(g.ds, recPattern(symBind, recPattern(symRef, desc), capture, dataspace.Discard{}), func(t *eval.Turn, caps []lang.Value) {
			if answered {
				return
			}
			answered = true
			key, isBytes := lang.Unwrap(caps[0]).(lang.ByteString)
			e, isEmb := lang.Unwrap(caps[1]).(lang.Embedded)
			target, isRef := e.Ref.(*eval.Ref)
			var answer lang.Value
			if !isBytes || !isEmb || !isRef {
				answer = errorResult(lang.Symbol("sturdyref-failed-validation"))
			} else if err := sr.Validate([]byte(key)); err != nil {
				answer = errorResult(lang.Symbol("sturdyref-failed-validation"))
			} else if att, err := sturdy.Attenuate(t.System(), target, sr.Caveats); err != nil {
				answer = errorResult(lang.Symbol("sturdyref-failed-validation"))
			} else {
				answer = ok(att.Value())
			}
			// The answer outlives the bind: it stands while the Resolve does.
			t.InFacet(outer, func() { t.Assert(observer, answer) })
			t.StopFacet(search)
		})
	})
}

// handleSturdyBinds answers each sturdy bind's observer with <bound <ref
// PARAMETERS>>: the root sturdy ref of the bound object
// (resolution/sturdy.rs handle_sturdy_binds).
func handleSturdyBinds(t *eval.Turn, ds *eval.Ref) {
	t.During(ds, recPattern(symBind, recPattern(symRef, capture), capture, capture), func(t *eval.Turn, caps []lang.Value) {
		if _, ok := lang.Unwrap(caps[1]).(lang.Embedded); !ok {
			return
		}
		desc, err := sturdy.ParseDescription(caps[0])
		if err != nil {
			t.System().Report(t.Facet(), err)
			return
		}
		e, isEmb := lang.Unwrap(caps[2]).(lang.Embedded)
		observer, isRef := e.Ref.(*eval.Ref)
		if !isEmb || !isRef {
			return // #f: nobody asked
		}
		sr, err := sturdy.Mint(desc.OID, desc.Key)
		if err != nil {
			t.System().Report(t.Facet(), err)
			return
		}
		t.Assert(observer, lang.NewRecord(symBound, lang.NewRecord(symRef, sr.Parameters())))
	})
}
