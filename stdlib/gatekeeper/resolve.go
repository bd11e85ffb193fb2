package gatekeeper

import (
	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

func rec(label string, fields ...lang.Value) *lang.Record {
	return lang.NewRecord(lang.Symbol(label), fields...)
}

// StartResolution runs the client side of gatekeeper.prs on config, as
// syndicate-server's resolution/client.rs does:
//
//   - <q <resolve-path <route [TRANSPORT ...] STEP ...>>> asks each
//     transport to be connected (<q <connect-transport ADDR>>), takes the
//     first connected one in the route's order, follows the steps from the
//     peer's initial object, and answers <a <resolve-path ROUTE> <ok
//     <resolved-path ADDR #:CONTROL #:OBJECT>>> (or <error ...> from the
//     step that failed). When a link drops, everything built on it is
//     withdrawn and the path is followed again on the next link.
//   - <q <resolve-path-step #:ORIGIN <ref PARAMETERS>>> is answered with the
//     result of <resolve <ref PARAMETERS> #:k> asserted at ORIGIN; a <noise
//     SPEC> step runs a Noise handshake with the service (see noise.go).
func StartResolution(t *eval.Turn, config *eval.Ref) {
	handleNoisePathSteps(t, config)
	t.During(config, recPattern(lang.Symbol("q"), recPattern(lang.Symbol("resolve-path"), capture)), func(t *eval.Turn, caps []lang.Value) {
		route := lang.Unwrap(caps[0])
		r, isRec := route.(*lang.Record)
		if !isRec || !lang.Equal(r.Label, lang.Symbol("route")) || len(r.Fields) < 1 {
			return // a bogus route is ignored, as client.rs ignores it
		}
		transports, ok := lang.Unwrap(r.Fields[0]).(lang.Sequence)
		if !ok {
			return
		}
		p := &pathResolver{config: config, route: route, steps: r.Fields[1:], transports: transports,
			candidates: make([]lang.Value, len(transports))}
		for i, addr := range transports {
			t.Assert(config, rec("q", rec("connect-transport", addr)))
			t.During(config, recPattern(lang.Symbol("a"),
				recPattern(lang.Symbol("connect-transport"), dataspace.Literal(addr)),
				recPattern(lang.Symbol("ok"), capture)), func(t *eval.Turn, caps []lang.Value) {
				p.candidates[i] = caps[0]
				p.update(t)
				t.OnStop(func(t *eval.Turn) {
					p.candidates[i] = nil
					p.update(t)
				})
			})
		}
		p.facet = t.Facet()
	})

	t.During(config, recPattern(lang.Symbol("q"), recPattern(lang.Symbol("resolve-path-step"), capture, recPattern(symRef, capture))), func(t *eval.Turn, caps []lang.Value) {
		e, isEmb := lang.Unwrap(caps[0]).(lang.Embedded)
		origin, isRef := e.Ref.(*eval.Ref)
		if !isEmb || !isRef {
			return
		}
		step := rec("ref", caps[1])
		question := rec("resolve-path-step", caps[0], step)
		answers := map[eval.Handle]eval.Handle{}
		k := t.NewRef("path-step", &eval.Handler{
			OnAssert: func(t *eval.Turn, v lang.Value, h eval.Handle) error {
				answers[h] = t.Assert(config, rec("a", question, v))
				return nil
			},
			OnRetract: func(t *eval.Turn, h eval.Handle) error {
				if a, ok := answers[h]; ok {
					delete(answers, h)
					t.Retract(a)
				}
				return nil
			},
		})
		t.Assert(origin, rec("resolve", step, k.Value()))
	})
}

type pathResolver struct {
	config     *eval.Ref
	route      lang.Value
	steps      []lang.Value
	transports lang.Sequence
	candidates []lang.Value // per transport, its <connected-transport ...> if connected
	facet      *eval.Facet
	best       int
	chain      *eval.Facet
}

// update follows the path from the first connected transport, if that has
// changed.
func (p *pathResolver) update(t *eval.Turn) {
	best := -1
	for i, c := range p.candidates {
		if c != nil {
			best = i
			break
		}
	}
	if p.chain != nil && p.chain.Alive() && best == p.best {
		return
	}
	if p.chain != nil {
		t.StopFacet(p.chain)
		p.chain = nil
	}
	p.best = best
	if best < 0 {
		return
	}
	ct, ok := p.candidates[best].(*lang.Record)
	if !ok || !lang.Equal(ct.Label, lang.Symbol("connected-transport")) || len(ct.Fields) != 3 {
		return
	}
	e, isEmb := lang.Unwrap(ct.Fields[2]).(lang.Embedded)
	session, isRef := e.Ref.(*eval.Ref)
	if !isEmb || !isRef {
		return
	}
	parent := p.facet
	if parent == nil || !parent.Alive() {
		parent = t.Facet()
	}
	t.InFacet(parent, func() {
		p.chain = t.NewFacetHeld(func(t *eval.Turn) { p.follow(t, 0, session, ct) })
	})
}

// follow takes step i from origin; after the last, the path is answered.
func (p *pathResolver) follow(t *eval.Turn, i int, origin *eval.Ref, ct *lang.Record) {
	question := rec("resolve-path", p.route)
	if i == len(p.steps) {
		t.Assert(p.config, rec("a", question, rec("ok", rec("resolved-path", ct.Fields[0], ct.Fields[1], origin.Value()))))
		return
	}
	stepQ := rec("resolve-path-step", origin.Value(), p.steps[i])
	t.Assert(p.config, rec("q", stepQ))
	t.During(p.config, recPattern(lang.Symbol("a"), dataspace.Literal(stepQ), capture), func(t *eval.Turn, caps []lang.Value) {
		res, isRec := lang.Unwrap(caps[0]).(*lang.Record)
		if !isRec || len(res.Fields) != 1 {
			return
		}
		switch {
		case lang.Equal(res.Label, symError):
			t.Assert(p.config, rec("a", question, res))
		case lang.Equal(res.Label, symOK):
			e, isEmb := lang.Unwrap(res.Fields[0]).(lang.Embedded)
			next, isRef := e.Ref.(*eval.Ref)
			if !isEmb || !isRef {
				t.Assert(p.config, rec("a", question, rec("error", lang.Symbol("invalid-path-step-result"))))
				return
			}
			p.follow(t, i+1, next, ct)
		}
	})
}
