package eval

import (
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// Attenuate returns a new ref to r's entity through which values pass
// first through cs and then through r's own caveats (the newest caveats run
// first, as in syndicate's Cap::attenuate). With no caveats it returns r.
func (r *Ref) Attenuate(sys *System, cs Caveats) *Ref {
	if cs.Len() == 0 {
		return r
	}
	base := r.base
	if base == nil {
		base = r
	}
	return &Ref{
		id:      sys.newRefID(),
		facet:   r.facet,
		entity:  r.entity,
		name:    r.name,
		caveats: r.caveats.Then(cs),
		base:    base,
	}
}

// Caveats returns the caveats of the ref, oldest first (empty for a ref that
// is not attenuated).
func (r *Ref) Caveats() Caveats { return r.caveats }

// Attenuated reports whether values sent through r are filtered.
func (r *Ref) Attenuated() bool { return r.caveats.Len() > 0 }

// Underlying returns the unattenuated ref r was derived from by Attenuate,
// or r itself when r is not attenuated. It grants more than r: hand it only
// to code that enforces r's caveats itself (a relay naming the object to the
// peer that exported it).
func (r *Ref) Underlying() *Ref {
	if r.base != nil {
		return r.base
	}
	return r
}

// rewrite applies the ref's caveats to a value on its way to the entity.
func (r *Ref) rewrite(sys *System, v lang.Value) (lang.Value, bool) {
	if r.caveats.Len() == 0 {
		return v, true
	}
	return r.caveats.Rewrite(sys, v)
}

// The sturdy.prs forms the script's caveats compile into.
var (
	sturdyDiscard = lang.NewRecord(symDiscard)
	sturdyRef0    = lang.NewRecord(symRef, lang.Int(0))
)

// attenuate evaluates `<* $cap [CAVEAT ...]>`: the script's caveats become
// sturdy.prs Caveat values, with the environment's variables filled in now,
// as syndicate-server's Env::eval_attenuation does.
func (x *interp) attenuate(t *Turn, tp *parser.TAttenuate, env Env) (lang.Value, error) {
	cv, err := x.instantiate(t, tp.Cap, env)
	if err != nil {
		return nil, err
	}
	e, ok := lang.Unwrap(cv).(lang.Embedded)
	r, isRef := e.Ref.(*Ref)
	if !ok || !isRef {
		return nil, rtErr(tp.P, "only a reference can be attenuated, not %s", lang.Format(cv))
	}
	if cs, ok := x.caveatSite(tp).fill(x, tp.Caveats, env); ok {
		return r.Attenuate(t.sys, cs).Value(), nil
	}
	vals, err := x.caveatValues(t, tp.Caveats, env)
	if err != nil {
		return nil, err
	}
	cs, err := ParseCaveats(vals)
	if err != nil {
		return nil, rtErr(tp.P, "attenuation of %s failed: %v", lang.Format(cv), err)
	}
	return r.Attenuate(t.sys, cs).Value(), nil
}

// caveatValues compiles a script's caveats into sturdy.prs Caveat values
// (syndicate-server script/mod.rs, Env::instantiate_caveat): <accept P> is
// <rewrite <bind P> <ref 0>>; <or [...]> of one alternative is that
// alternative.
func (x *interp) caveatValues(t *Turn, cs []parser.Caveat, env Env) ([]lang.Value, error) {
	out := make([]lang.Value, 0, len(cs))
	for i := range cs {
		c := &cs[i]
		switch c.Kind {
		case parser.CaveatReject:
			p, err := x.sturdyPattern(c.Pattern.Root, env)
			if err != nil {
				return nil, err
			}
			out = append(out, lang.NewRecord(symReject, p))
		case parser.CaveatAccept, parser.CaveatRewrite:
			rw, err := x.sturdyRewrite(t, c, env)
			if err != nil {
				return nil, err
			}
			out = append(out, rw)
		case parser.CaveatOr:
			alts := make(lang.Sequence, 0, len(c.Alts))
			for j := range c.Alts {
				rw, err := x.sturdyRewrite(t, &c.Alts[j], env)
				if err != nil {
					return nil, err
				}
				alts = append(alts, rw)
			}
			if len(alts) == 1 {
				out = append(out, alts[0])
			} else {
				out = append(out, lang.NewRecord(symOr, alts))
			}
		default:
			return nil, rtErr(c.P, "unknown caveat")
		}
	}
	return out, nil
}

// sturdyRewrite is the <rewrite P T> of an accept or rewrite caveat.
func (x *interp) sturdyRewrite(t *Turn, c *parser.Caveat, env Env) (lang.Value, error) {
	p, err := x.sturdyPattern(c.Pattern.Root, env)
	if err != nil {
		return nil, err
	}
	if c.Kind == parser.CaveatAccept {
		return lang.NewRecord(symRewrite, lang.NewRecord(symBind, p), sturdyRef0), nil
	}
	tv, err := x.sturdyTemplate(t, c.Template, c.Pattern.Names, env)
	if err != nil {
		return nil, err
	}
	return lang.NewRecord(symRewrite, p, tv), nil
}

// sturdyPattern is the sturdy.prs form of a pattern template, with `$x` and
// `$.` replaced by their values (embed_pattern of the instantiated dataspace
// pattern in syndicate-server).
func (x *interp) sturdyPattern(n parser.PNode, env Env) (lang.Value, error) {
	switch n := n.(type) {
	case parser.PDiscard:
		return sturdyDiscard, nil
	case parser.PBind:
		sub, err := x.sturdyPattern(n.Sub, env)
		if err != nil {
			return nil, err
		}
		return lang.NewRecord(symBind, sub), nil
	case parser.PLit:
		return liftLiteral(n.Value), nil
	case parser.PVar:
		v, ok := env.Lookup(n.Name)
		if !ok {
			return nil, rtErr(n.P, "undefined variable $%s", n.Name)
		}
		return liftLiteral(v), nil
	case parser.PEnv:
		return liftLiteral(env.Dictionary()), nil
	case parser.PGroup:
		items := make(lang.Sequence, len(n.Items))
		for i, it := range n.Items {
			p, err := x.sturdyPattern(it, env)
			if err != nil {
				return nil, err
			}
			items[i] = p
		}
		switch n.Kind {
		case 0:
			label, err := x.groupLabel(n, env)
			if err != nil {
				return nil, err
			}
			return lang.NewRecord(symRec, label, items), nil
		case 1:
			return lang.NewRecord(symArr, items), nil
		default:
			kvs := make([]lang.Value, 0, 2*len(items))
			for i, k := range n.Keys {
				kvs = append(kvs, k, items[i])
			}
			return lang.NewRecord(symDict, lang.DictionaryOf(kvs...)), nil
		}
	}
	return nil, rtErr(lang.Position{}, "unknown pattern node %T", n)
}

// liftLiteral is the sturdy.prs pattern matching v: compounds become
// compound patterns of literals (syndicate's pattern.rs lift_literal), so a
// literal dictionary matches dictionaries with more keys too.
func liftLiteral(v lang.Value) lang.Value {
	switch x := lang.Unwrap(v).(type) {
	case *lang.Record:
		fs := make(lang.Sequence, len(x.Fields))
		for i, f := range x.Fields {
			fs[i] = liftLiteral(f)
		}
		return lang.NewRecord(symRec, lang.Strip(x.Label), fs)
	case lang.Sequence:
		items := make(lang.Sequence, len(x))
		for i, f := range x {
			items[i] = liftLiteral(f)
		}
		return lang.NewRecord(symArr, items)
	case *lang.Dictionary:
		kvs := make([]lang.Value, 0, 2*x.Len())
		for _, e := range x.Entries() {
			kvs = append(kvs, lang.Strip(e.Key), liftLiteral(e.Value))
		}
		return lang.NewRecord(symDict, lang.DictionaryOf(kvs...))
	}
	return lang.NewRecord(symLit, lang.Strip(v))
}

// sturdyTemplate is the sturdy.prs form of a rewrite's template
// (syndicate-server script/mod.rs, Env::instantiate_template): a variable the
// pattern binds is <ref N> (its first binding), any other is the literal
// value it has now; record labels must be literal; dictionary keys are
// literal as written.
func (x *interp) sturdyTemplate(t *Turn, tp parser.Template, names []string, env Env) (lang.Value, error) {
	bound := func(name string) int {
		for i, n := range names {
			if n == name {
				return i
			}
		}
		return -1
	}
	switch tp := tp.(type) {
	case *parser.TLit:
		return lang.NewRecord(symLit, tp.Value), nil
	case *parser.TVar:
		if i := bound(tp.Name); i >= 0 {
			return lang.NewRecord(symRef, lang.Int(i)), nil
		}
		v, ok := env.Lookup(tp.Name)
		if !ok {
			return nil, rtErr(tp.P, "undefined variable $%s", tp.Name)
		}
		return lang.NewRecord(symLit, v), nil
	case *parser.TEnv:
		return lang.NewRecord(symLit, env.Dictionary()), nil
	case *parser.TRecord:
		lt, err := x.sturdyTemplate(t, tp.Label, names, env)
		if err != nil {
			return nil, err
		}
		lr := lt.(*lang.Record)
		if !lang.Equal(lr.Label, symLit) {
			return nil, rtErr(tp.Label.Pos(), "the label of a record template in a caveat must be literal, not a variable its pattern binds")
		}
		fs, err := x.sturdyTemplates(t, tp.Fields, names, env)
		if err != nil {
			return nil, err
		}
		return lang.NewRecord(symRec, lr.Fields[0], fs), nil
	case *parser.TSequence:
		items, err := x.sturdyTemplates(t, tp.Items, names, env)
		if err != nil {
			return nil, err
		}
		return lang.NewRecord(symArr, items), nil
	case *parser.TSet:
		return nil, rtErr(tp.P, "sets are not permitted in the template of a caveat")
	case *parser.TDictionary:
		kvs := make([]lang.Value, 0, 2*len(tp.Values))
		for i, vt := range tp.Values {
			v, err := x.sturdyTemplate(t, vt, names, env)
			if err != nil {
				return nil, err
			}
			kvs = append(kvs, tp.RawKeys[i], v)
		}
		return lang.NewRecord(symDict, lang.DictionaryOf(kvs...)), nil
	case *parser.TAttenuate:
		if tv, ok := tp.Cap.(*parser.TVar); ok {
			if i := bound(tv.Name); i >= 0 {
				cs, err := x.caveatValues(t, tp.Caveats, env)
				if err != nil {
					return nil, err
				}
				return lang.NewRecord(symAttenuate, lang.NewRecord(symRef, lang.Int(i)), lang.Sequence(cs)), nil
			}
		}
		v, err := x.attenuate(t, tp, env)
		if err != nil {
			return nil, err
		}
		return lang.NewRecord(symLit, v), nil
	}
	return nil, rtErr(tp.Pos(), "unknown template %T", tp)
}

func (x *interp) sturdyTemplates(t *Turn, ts []parser.Template, names []string, env Env) (lang.Sequence, error) {
	out := make(lang.Sequence, len(ts))
	for i, tp := range ts {
		v, err := x.sturdyTemplate(t, tp, names, env)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
