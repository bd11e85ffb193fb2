package eval

import (
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// A caveatSite is the compiled form of one `<* $cap [CAVEAT ...]>` of a
// script, made the first time it runs and kept by the interpreter: the
// checked caveats with holes where the environment's variables go. Filling
// it in builds the checked caveats directly, without first building their
// sturdy.prs values and parsing those back (the values are built only if
// asked for, by Caveats.Values). Parts without variables are built once.
//
// It gives what ParseCaveats(caveatValues(...)) gives for the caveats it
// handles: rejects, accepts, rewrites and ors of record and sequence
// patterns and templates, literals, binds, discards and variables. Any
// other form (dictionaries, whose bindings are numbered in key order; $.;
// record labels from variables; nested attenuations), and any error, takes
// the general path, which reports errors as before.
type caveatSite struct {
	direct bool
	cavs   []siteCaveat
	vars   []string // the variables of its holes, each once
	// litParts are the outermost parts of templates with holes that use
	// no binding of their pattern: built once per filling-in.
	litParts []*siteTmpl

	// The caveats last filled in, and the values of vars they were filled
	// in with: a site run again with the same values (the processes of one
	// user, say) shares them, as Caveats never change.
	last     Caveats
	lastVals []lang.Value
	filled   bool
}

type siteCaveat struct {
	reject *sitePat // a reject caveat
	alts   []siteRewrite
}

type siteRewrite struct {
	n    int // bindings the pattern makes
	pat  *sitePat
	tmpl *siteTmpl
}

// sitePat is a pattern with holes: fixed when it has no variable.
type sitePat struct {
	fixed cpat
	kind  uint8 // siteVar, siteBind, siteRec, siteArr
	label lang.Value
	subs  []*sitePat
	name  string
}

// siteTmpl is a template with holes: fixed when it uses no variable of the
// environment.
type siteTmpl struct {
	fixed ctmpl
	kind  uint8 // siteVar, siteRec, siteArr
	label lang.Value
	subs  []*siteTmpl
	name  string
	slot  int  // a variable's index in its site's vars
	lits  bool // no binding of the pattern under it: built whole when filled
	lit   int  // such a part's index in its site's litParts (if outermost)
}

const (
	siteVar uint8 = iota + 1
	siteBind
	siteRec
	siteArr
)

// caveatSite returns the compiled site of tp, compiling it on first use.
func (x *interp) caveatSite(tp *parser.TAttenuate) *caveatSite {
	if s, ok := x.caveatSites[tp]; ok {
		return s
	}
	s := compileCaveatSite(tp.Caveats)
	if x.caveatSites == nil {
		x.caveatSites = map[*parser.TAttenuate]*caveatSite{}
	}
	x.caveatSites[tp] = s
	return s
}

func compileCaveatSite(cs []parser.Caveat) *caveatSite {
	s := &caveatSite{cavs: make([]siteCaveat, len(cs))}
	for i := range cs {
		c := &cs[i]
		switch c.Kind {
		case parser.CaveatReject:
			p, _, ok := compileSitePat(c.Pattern.Root)
			if !ok {
				return &caveatSite{}
			}
			s.cavs[i].reject = p
		case parser.CaveatAccept, parser.CaveatRewrite:
			rw, ok := compileSiteRewrite(c)
			if !ok {
				return &caveatSite{}
			}
			s.cavs[i].alts = []siteRewrite{rw}
		case parser.CaveatOr:
			for j := range c.Alts {
				rw, ok := compileSiteRewrite(&c.Alts[j])
				if !ok {
					return &caveatSite{}
				}
				s.cavs[i].alts = append(s.cavs[i].alts, rw)
			}
		default:
			return &caveatSite{}
		}
	}
	s.direct = true
	for _, c := range s.cavs {
		if c.reject != nil {
			s.vars = c.reject.collectVars(s.vars)
		}
		for _, a := range c.alts {
			s.vars = a.pat.collectVars(s.vars)
			s.vars = a.tmpl.collectVars(s.vars)
		}
	}
	for _, c := range s.cavs {
		for _, a := range c.alts {
			if !a.tmpl.number(s.vars) {
				s.litParts = a.tmpl.outerLits(s.litParts)
			}
		}
	}
	return s
}

// outerLits lists, with their indexes, the outermost parts of t that use
// no binding of the pattern and have holes.
func (t *siteTmpl) outerLits(parts []*siteTmpl) []*siteTmpl {
	if t.fixed != nil || t.kind == siteVar {
		return parts
	}
	if t.lits {
		t.lit = len(parts)
		return append(parts, t)
	}
	for _, s := range t.subs {
		parts = s.outerLits(parts)
	}
	return parts
}

// number gives each variable of t its slot in vars and marks the parts
// that use no binding of the pattern.
func (t *siteTmpl) number(vars []string) bool {
	if t.fixed != nil {
		_, lit := t.fixed.(tLit)
		return lit
	}
	if t.kind == siteVar {
		for i, v := range vars {
			if v == t.name {
				t.slot = i
			}
		}
		return true
	}
	t.lits = true
	for _, s := range t.subs {
		if !s.number(vars) {
			t.lits = false
		}
	}
	return t.lits
}

func addVar(vars []string, name string) []string {
	for _, v := range vars {
		if v == name {
			return vars
		}
	}
	return append(vars, name)
}

func (p *sitePat) collectVars(vars []string) []string {
	if p.fixed != nil {
		return vars
	}
	if p.kind == siteVar {
		return addVar(vars, p.name)
	}
	for _, s := range p.subs {
		vars = s.collectVars(vars)
	}
	return vars
}

func (t *siteTmpl) collectVars(vars []string) []string {
	if t.fixed != nil {
		return vars
	}
	if t.kind == siteVar {
		return addVar(vars, t.name)
	}
	for _, s := range t.subs {
		vars = s.collectVars(vars)
	}
	return vars
}

// compileSiteRewrite compiles an accept (<rewrite <bind P> <ref 0>>) or a
// rewrite.
func compileSiteRewrite(c *parser.Caveat) (siteRewrite, bool) {
	p, n, ok := compileSitePat(c.Pattern.Root)
	if !ok {
		return siteRewrite{}, false
	}
	if c.Kind == parser.CaveatAccept {
		return siteRewrite{n: n + 1, pat: bindSitePat(p), tmpl: &siteTmpl{fixed: tRef{0, 0}}}, true
	}
	if c.Kind != parser.CaveatRewrite {
		return siteRewrite{}, false
	}
	t, need, ok := compileSiteTmpl(c.Template, c.Pattern.Names, 0)
	if !ok || need > n {
		return siteRewrite{}, false
	}
	return siteRewrite{n: n, pat: p, tmpl: t}, true
}

func bindSitePat(p *sitePat) *sitePat {
	if p.fixed != nil {
		return &sitePat{fixed: cBind{p.fixed}}
	}
	return &sitePat{kind: siteBind, subs: []*sitePat{p}}
}

// compileSitePat compiles a pattern as sturdyPattern and parseCPattern
// would make it; n is the number of bindings.
func compileSitePat(n parser.PNode) (*sitePat, int, bool) {
	switch n := n.(type) {
	case parser.PDiscard:
		return &sitePat{fixed: cDiscard{}}, 0, true
	case parser.PBind:
		sub, m, ok := compileSitePat(n.Sub)
		if !ok {
			return nil, 0, false
		}
		return bindSitePat(sub), m + 1, true
	case parser.PLit:
		return &sitePat{fixed: liftCPattern(n.Value)}, 0, true
	case parser.PVar:
		return &sitePat{kind: siteVar, name: n.Name}, 0, true
	case parser.PGroup:
		if n.LabelVar != nil || n.Kind > 1 {
			return nil, 0, false
		}
		subs := make([]*sitePat, len(n.Items))
		fixed, total := true, 0
		for i, it := range n.Items {
			sub, m, ok := compileSitePat(it)
			if !ok {
				return nil, 0, false
			}
			subs[i], total = sub, total+m
			fixed = fixed && sub.fixed != nil
		}
		p := &sitePat{kind: siteArr, subs: subs}
		if n.Kind == 0 {
			p.kind, p.label = siteRec, lang.Strip(n.Label)
		}
		if fixed {
			p.fixed, _ = p.fill(Env{})
		}
		return p, total, true
	}
	return nil, 0, false
}

// fill builds the pattern with env's values in its holes; false if a
// variable is unbound.
func (p *sitePat) fill(env Env) (cpat, bool) {
	if p.fixed != nil {
		return p.fixed, true
	}
	switch p.kind {
	case siteVar:
		v, ok := env.Lookup(p.name)
		if !ok {
			return nil, false
		}
		return liftCPattern(v), true
	case siteBind:
		sub, ok := p.subs[0].fill(env)
		return cBind{sub}, ok
	case siteRec, siteArr:
		fs := make([]cpat, len(p.subs))
		for i, s := range p.subs {
			var ok bool
			if fs[i], ok = s.fill(env); !ok {
				return nil, false
			}
		}
		if p.kind == siteRec {
			return cRec{p.label, fs}, true
		}
		return cArr(fs), true
	}
	return nil, false
}

// liftCPattern is parseCPattern(liftLiteral(v)): compounds become compound
// patterns of literals.
func liftCPattern(v lang.Value) cpat {
	switch x := lang.Unwrap(v).(type) {
	case *lang.Record:
		fs := make([]cpat, len(x.Fields))
		for i, f := range x.Fields {
			fs[i] = liftCPattern(f)
		}
		return cRec{lang.Strip(x.Label), fs}
	case lang.Sequence:
		items := make(cArr, len(x))
		for i, f := range x {
			items[i] = liftCPattern(f)
		}
		return items
	case *lang.Dictionary:
		p, _, _, _ := parseCPattern(liftLiteral(x))
		return p
	}
	return cLit{lang.Strip(v)}
}

// compileSiteTmpl compiles a rewrite's template as sturdyTemplate and
// parseCTemplate would make it, under d compounds; need is one more than
// the highest binding it uses.
func compileSiteTmpl(tp parser.Template, names []string, d int) (*siteTmpl, int, bool) {
	switch tp := tp.(type) {
	case *parser.TLit:
		return &siteTmpl{fixed: tLit{lang.Strip(tp.Value)}}, 0, true
	case *parser.TVar:
		for i, n := range names {
			if n == tp.Name {
				return &siteTmpl{fixed: tRef{i, d}}, i + 1, true
			}
		}
		return &siteTmpl{kind: siteVar, name: tp.Name}, 0, true
	case *parser.TRecord:
		label, ok := tp.Label.(*parser.TLit)
		if !ok {
			return nil, 0, false
		}
		return compileSiteTmpls(&siteTmpl{kind: siteRec, label: lang.Strip(label.Value)}, tp.Fields, names, d)
	case *parser.TSequence:
		return compileSiteTmpls(&siteTmpl{kind: siteArr}, tp.Items, names, d)
	}
	return nil, 0, false
}

func compileSiteTmpls(t *siteTmpl, items []parser.Template, names []string, d int) (*siteTmpl, int, bool) {
	t.subs = make([]*siteTmpl, len(items))
	fixed, need := true, 0
	for i, it := range items {
		sub, m, ok := compileSiteTmpl(it, names, d+1)
		if !ok {
			return nil, 0, false
		}
		t.subs[i], need = sub, max(need, m)
		fixed = fixed && sub.fixed != nil
	}
	if fixed {
		fs := make([]ctmpl, len(t.subs))
		lits := true
		for i, sub := range t.subs {
			fs[i] = sub.fixed
			_, lit := sub.fixed.(tLit)
			lits = lits && lit
		}
		switch {
		case lits:
			t.fixed = tLit{t.build(nil)}
		case t.kind == siteRec:
			t.fixed = tRec{t.label, fs}
		default:
			t.fixed = tArr(fs)
		}
	}
	return t, need, true
}

// fill builds the checked caveats of the site with env's values; false if
// the site must take the general path (or a variable is unbound, which the
// general path reports). Their values are built by x.caveatValues when
// first asked for.
func (s *caveatSite) fill(x *interp, cs []parser.Caveat, env Env) (Caveats, bool) {
	if !s.direct {
		return Caveats{}, false
	}
	var buf [8]lang.Value
	vals := buf[:0]
	for _, name := range s.vars {
		v, ok := env.Lookup(name)
		if !ok {
			return Caveats{}, false
		}
		vals = append(vals, v)
	}
	if s.filled && sameValues(vals, s.lastVals) {
		return s.last, true
	}
	out, ok := s.fillNew(x, cs, env, vals)
	if ok {
		s.last, s.lastVals, s.filled = out, append(s.lastVals[:0], vals...), true
	}
	return out, ok
}

func sameValues(a, b []lang.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !lang.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// fillNew builds the checked caveats of the site with vals, the values of
// its vars in env: templates with holes are the site's, read with vals
// (tFilled); the values are built by x.caveatValues when first asked for.
// Everything but the slices of caveats and alternatives is one allocation.
func (s *caveatSite) fillNew(x *interp, cs []parser.Caveat, env Env, vals []lang.Value) (Caveats, bool) {
	nt := 0
	for _, c := range s.cavs {
		for _, a := range c.alts {
			if a.tmpl.fixed == nil {
				nt++
			}
		}
	}
	f := &siteFill{x: x, cs: cs, env: env}
	f.src.from = f
	if nt > 0 {
		f.vals = make([]lang.Value, len(vals), len(vals)+len(s.litParts))
		for i, v := range vals {
			f.vals[i] = lang.Strip(v)
		}
		for _, p := range s.litParts {
			f.vals = append(f.vals, p.build(f.vals[:len(vals)]))
		}
		f.tmpls = make([]tFilled, 0, nt)
	}
	out := Caveats{checked: make([]checkedCaveat, len(s.cavs))}
	for i, c := range s.cavs {
		cc := &out.checked[i]
		cc.src, cc.index = &f.src, i
		if c.reject != nil {
			p, ok := c.reject.fill(env)
			if !ok {
				return Caveats{}, false
			}
			cc.reject = p
			continue
		}
		cc.alts = make([]checkedRewrite, len(c.alts))
		for j, a := range c.alts {
			p, ok := a.pat.fill(env)
			if !ok {
				return Caveats{}, false
			}
			var t ctmpl = a.tmpl.fixed
			if t == nil {
				if a.tmpl.lits {
					// Nothing of it comes from the value rewritten: it is
					// built now, once, instead of at every rewrite.
					t = tLit{a.tmpl.build(f.vals)}
				} else {
					f.tmpls = append(f.tmpls, tFilled{a.tmpl, f.vals[:len(vals)], f.vals[len(vals):]})
					t = &f.tmpls[len(f.tmpls)-1]
				}
			}
			cc.alts[j] = checkedRewrite{n: a.n, pat: p, tmpl: t}
		}
	}
	return out, true
}

// siteFill is what one filling-in of a site keeps: the values of its
// holes, its templates with holes, and what builds its caveats' values.
type siteFill struct {
	src   caveatSource
	x     *interp
	cs    []parser.Caveat
	env   Env
	vals  []lang.Value // stripped
	tmpls []tFilled
}

func (f *siteFill) caveatValues() []lang.Value {
	vs, err := f.x.caveatValues(nil, f.cs, f.env)
	if err != nil || len(vs) != len(f.cs) {
		// Cannot happen: the site was filled in from the same environment.
		panic("eval: caveat values of a compiled site: " + errString(err))
	}
	for i, v := range vs {
		vs[i] = lang.Strip(v)
	}
	return vs
}

// tFilled is a site's template with holes, read with the values of its
// variables.
type tFilled struct {
	t    *siteTmpl
	vals []lang.Value // of the site's vars
	lits []lang.Value // of its litParts
}

func (t *tFilled) inst(sys *System, caps []lang.Value) (lang.Value, bool) {
	return t.t.inst(sys, caps, t.vals, t.lits)
}

// inst builds the template with vals in its holes, its outermost parts
// without bindings taken from lits (or built, when lits is nil).
func (t *siteTmpl) inst(sys *System, caps, vals, lits []lang.Value) (lang.Value, bool) {
	switch {
	case t.fixed != nil:
		return t.fixed.inst(sys, caps)
	case t.kind == siteVar:
		return vals[t.slot], true
	case t.lits && lits != nil:
		return lits[t.lit], true
	}
	if t.kind == siteRec {
		r, fs := newRecordOf(t.label, len(t.subs))
		for i, s := range t.subs {
			v, ok := s.inst(sys, caps, vals, lits)
			if !ok {
				return nil, false
			}
			fs[i] = v
		}
		return r, true
	}
	items := make(lang.Sequence, len(t.subs))
	for i, s := range t.subs {
		v, ok := s.inst(sys, caps, vals, lits)
		if !ok {
			return nil, false
		}
		items[i] = v
	}
	return items, true
}

// build is the value of a template that uses no binding of its pattern.
func (t *siteTmpl) build(vals []lang.Value) lang.Value {
	v, _ := t.inst(nil, nil, vals, nil)
	return v
}

func errString(err error) string {
	if err == nil {
		return "wrong count"
	}
	return err.Error()
}
