package eval

import (
	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// caveats builds the rewrite function of an attenuation: the caveats apply
// right to left (sturdy.prs); a value no caveat lets through is dropped.
func (x *interp) caveats(t *Turn, cs []parser.Caveat, env Env) (func(lang.Value) (lang.Value, bool), error) {
	fs := make([]func(lang.Value) (lang.Value, bool), len(cs))
	for i, c := range cs {
		f, err := x.caveat(t, c, env)
		if err != nil {
			return nil, err
		}
		fs[i] = f
	}
	return func(v lang.Value) (lang.Value, bool) {
		for i := len(fs) - 1; i >= 0; i-- {
			var ok bool
			if v, ok = fs[i](v); !ok {
				return nil, false
			}
		}
		return v, true
	}, nil
}

func (x *interp) caveat(t *Turn, c parser.Caveat, env Env) (func(lang.Value) (lang.Value, bool), error) {
	if c.Kind == parser.CaveatOr {
		alts := make([]func(lang.Value) (lang.Value, bool), len(c.Alts))
		for i, a := range c.Alts {
			f, err := x.caveat(t, a, env)
			if err != nil {
				return nil, err
			}
			alts[i] = f
		}
		return func(v lang.Value) (lang.Value, bool) {
			for _, f := range alts {
				if out, ok := f(v); ok {
					return out, true
				}
			}
			return nil, false
		}, nil
	}
	pat, err := x.pattern(c.Pattern, env)
	if err != nil {
		return nil, err
	}
	switch c.Kind {
	case parser.CaveatReject:
		return func(v lang.Value) (lang.Value, bool) {
			_, matched := dataspace.Match(pat, v, nil)
			return v, !matched
		}, nil
	case parser.CaveatAccept:
		return func(v lang.Value) (lang.Value, bool) {
			_, matched := dataspace.Match(pat, v, nil)
			return v, matched
		}, nil
	}
	names, tmpl := c.Pattern.Names, c.Template
	return func(v lang.Value) (lang.Value, bool) {
		caps, matched := dataspace.Match(pat, v, nil)
		if !matched {
			return nil, false
		}
		out, err := x.instantiate(t, tmpl, bind(env, names, caps))
		if err != nil {
			return nil, false
		}
		return out, true
	}, nil
}

// parseObserve recognises <Observe PATTERN #:observer> with a ref observer.
func parseObserve(v lang.Value) (dataspace.Pattern, *Ref, bool) {
	r, ok := lang.Unwrap(v).(*lang.Record)
	if !ok || len(r.Fields) != 2 || !lang.Equal(r.Label, dataspace.SymObserve) {
		return nil, nil, false
	}
	e, ok := lang.Unwrap(r.Fields[1]).(lang.Embedded)
	if !ok {
		return nil, nil, false
	}
	obs, ok := e.Ref.(*Ref)
	if !ok {
		return nil, nil, false
	}
	p, err := dataspace.ParsePattern(r.Fields[0])
	if err != nil {
		return nil, nil, false
	}
	return p, obs, true
}

// proxyObserve handles an Observe asserted through an attenuated ref: the
// observer must see only what the caveats let through, rewritten as they
// rewrite it. A proxy observes every value at the underlying entity, passes
// each through the caveats, matches the result against the pattern and tells
// the observer of distinct capture tuples.
func (t *Turn) proxyObserve(target *Ref, p dataspace.Pattern, observer *Ref) Handle {
	proxy := &observeProxy{
		via:      target,
		pattern:  p,
		observer: observer,
		tuples:   map[string]*proxyTuple{},
		byHandle: map[Handle]string{},
	}
	base := &Ref{id: t.sys.newRefID(), facet: target.facet, entity: target.entity, name: target.name}
	all := dataspace.Bind{Pattern: dataspace.Discard{}}
	return t.Assert(base, dataspace.Observe(all, t.NewRef("attenuated-observer", proxy)))
}

type proxyTuple struct {
	count  int
	handle Handle
}

type observeProxy struct {
	via      *Ref
	pattern  dataspace.Pattern
	observer *Ref
	tuples   map[string]*proxyTuple
	byHandle map[Handle]string
}

// view passes an underlying value through the caveats and the pattern.
func (p *observeProxy) view(v lang.Value) (lang.Sequence, bool) {
	caps := capturesOf(v)
	if len(caps) != 1 {
		return nil, false
	}
	out, ok := p.via.rewrite(caps[0])
	if !ok {
		return nil, false
	}
	m, ok := dataspace.Match(p.pattern, out, nil)
	return lang.Sequence(m), ok
}

func (p *observeProxy) Assert(t *Turn, v lang.Value, h Handle) error {
	caps, ok := p.view(v)
	if !ok {
		return nil
	}
	k := lang.Key(caps)
	p.byHandle[h] = k
	if pt := p.tuples[k]; pt != nil {
		pt.count++
		return nil
	}
	p.tuples[k] = &proxyTuple{count: 1, handle: t.Assert(p.observer, caps)}
	return nil
}

func (p *observeProxy) Retract(t *Turn, h Handle) error {
	k, ok := p.byHandle[h]
	if !ok {
		return nil
	}
	delete(p.byHandle, h)
	pt := p.tuples[k]
	if pt.count--; pt.count == 0 {
		delete(p.tuples, k)
		t.Retract(pt.handle)
	}
	return nil
}

func (p *observeProxy) Message(t *Turn, v lang.Value) error {
	if caps, ok := p.view(v); ok {
		t.Message(p.observer, caps)
	}
	return nil
}
