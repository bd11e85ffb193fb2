package eval

import (
	"errors"
	"fmt"
	"sync"

	"github.com/synd-lang/synd/lang"
)

// Caveats is a checked attenuation: a list of caveats in the form of
// syndicate's sturdy.prs, oldest first, with their compiled form. The list
// runs right to left: the newest caveat sees a value first, and each caveat
// passes its result, possibly rewritten, to the one before it; a caveat that
// lets nothing through drops the value.
//
// The caveat values are
//
//	<rewrite PATTERN TEMPLATE>   values PATTERN matches become TEMPLATE
//	<or [<rewrite P T> ...]>     the first alternative whose pattern matches
//	<reject PATTERN>             values PATTERN matches are dropped
//	anything else                an unknown caveat: every value is dropped
//
// with sturdy.prs patterns (<_>, <bind P>, <and [P ...]>, <not P>, <lit V>,
// <rec LABEL [P ...]>, <arr [P ...]>, <dict {K: P ...}>, and the symbols
// Boolean, Double, SignedInteger, String, ByteString, Symbol, Embedded) and
// templates (<ref N>, <lit V>, <attenuate T [CAVEAT ...]>, <rec LABEL
// [T ...]>, <arr [T ...]>, <dict {K: T ...}>). Record and sequence patterns
// match exact arity, unlike dataspace patterns (syndicate rewrite.rs,
// Pattern::matches).
//
// The zero Caveats is the empty attenuation, which passes everything.
type Caveats struct {
	checked []checkedCaveat
}

// The two ways a caveat can be unsafe (syndicate rewrite.rs CaveatError).
var (
	// ErrUnboundRef: a template names a binding its pattern does not make.
	ErrUnboundRef = errors.New("caveat template refers to a binding its pattern does not make")
	// ErrBindingUnderNegation: a pattern binds under <not ...>.
	ErrBindingUnderNegation = errors.New("caveat pattern binds under <not>")
)

// CaveatError is a caveat that is well formed but unsafe to run, as
// syndicate's rewrite.rs CaveatError. Err is ErrUnboundRef or
// ErrBindingUnderNegation (errors.Is sees it).
type CaveatError struct {
	Index int        // which caveat of the list
	Value lang.Value // the caveat
	Err   error
}

func (e *CaveatError) Error() string {
	return fmt.Sprintf("caveat %d (%s): %v", e.Index+1, lang.Format(e.Value), e.Err)
}

// Unwrap returns the kind of error.
func (e *CaveatError) Unwrap() error { return e.Err }

// ParseCaveats checks a list of sturdy.prs Caveat values (oldest first). A
// value that is not a Rewrite, Alts or Reject is an unknown caveat, which
// lets nothing through (as syndicate does); a template naming a binding its
// pattern does not make, or a binding under <not ...>, is a *CaveatError.
func ParseCaveats(vs []lang.Value) (Caveats, error) {
	if len(vs) == 0 {
		return Caveats{}, nil
	}
	cs := Caveats{checked: make([]checkedCaveat, len(vs))}
	for i, v := range vs {
		v = lang.Strip(v)
		c, err := checkCaveat(v)
		if err != nil {
			return Caveats{}, &CaveatError{Index: i, Value: v, Err: err}
		}
		c.value = v
		cs.checked[i] = c
	}
	return cs, nil
}

// Values returns the caveat values, oldest first (a fresh slice).
func (c Caveats) Values() []lang.Value {
	out := make([]lang.Value, len(c.checked))
	for i := range c.checked {
		out[i] = c.checked[i].sturdy()
	}
	return out
}

// Len is the number of caveats.
func (c Caveats) Len() int { return len(c.checked) }

// Then returns c followed by the newer caveats d (which run first).
func (c Caveats) Then(d Caveats) Caveats {
	if len(d.checked) == 0 {
		return c
	}
	if len(c.checked) == 0 {
		return d
	}
	n := len(c.checked)
	return Caveats{checked: append(c.checked[:n:n], d.checked...)}
}

// Rewrite passes v through the caveats, newest first. It returns the value
// as the last caveat leaves it, or false when a caveat drops it. sys is
// needed only to make the refs of <attenuate ...> templates.
func (c Caveats) Rewrite(sys *System, v lang.Value) (lang.Value, bool) {
	for i := len(c.checked) - 1; i >= 0; i-- {
		var ok bool
		if v, ok = c.checked[i].rewrite(sys, v); !ok {
			return nil, false
		}
	}
	return v, true
}

// checkedCaveat is a compiled caveat: a reject pattern, or alternatives,
// and its sturdy.prs value (or, for caveats a script compiled directly, the
// source that builds the values of its attenuation when first asked).
type checkedCaveat struct {
	reject cpat // nil for alternatives
	alts   []checkedRewrite
	value  lang.Value
	src    *caveatSource
	index  int // of the value in src
}

// caveatSource builds, once, the sturdy.prs values of the caveats of one
// attenuation: they are needed only to show or export the caveats, never
// to run them.
type caveatSource struct {
	once sync.Once
	from caveatValuer
	vals []lang.Value
}

// caveatValuer builds the sturdy.prs values of an attenuation's caveats.
type caveatValuer interface{ caveatValues() []lang.Value }

// sturdy is the caveat's sturdy.prs value.
func (c *checkedCaveat) sturdy() lang.Value {
	if c.src == nil {
		return c.value
	}
	c.src.once.Do(func() { c.src.vals, c.src.from = c.src.from.caveatValues(), nil })
	return c.src.vals[c.index]
}

type checkedRewrite struct {
	n    int // bindings the pattern makes
	pat  cpat
	tmpl ctmpl
}

func (c *checkedCaveat) rewrite(sys *System, v lang.Value) (lang.Value, bool) {
	if c.reject != nil {
		var none []lang.Value
		if c.reject.match(v, &none) {
			return nil, false
		}
		return v, true
	}
	var caps []lang.Value // one buffer for every alternative tried
	for _, a := range c.alts {
		if cap(caps) < a.n {
			caps = make([]lang.Value, 0, a.n)
		}
		caps = caps[:0]
		if a.pat.match(v, &caps) {
			// The first matching alternative decides, even if its template
			// cannot be built (rewrite.rs, CheckedCaveat::rewrite).
			return a.tmpl.inst(sys, caps)
		}
	}
	return nil, false
}

var (
	symRewrite   = lang.Symbol("rewrite")
	symOr        = lang.Symbol("or")
	symReject    = lang.Symbol("reject")
	symDiscard   = lang.Symbol("_")
	symBind      = lang.Symbol("bind")
	symAnd       = lang.Symbol("and")
	symNot       = lang.Symbol("not")
	symLit       = lang.Symbol("lit")
	symRec       = lang.Symbol("rec")
	symArr       = lang.Symbol("arr")
	symDict      = lang.Symbol("dict")
	symRef       = lang.Symbol("ref")
	symAttenuate = lang.Symbol("attenuate")
)

var rejectAll = checkedCaveat{reject: cDiscard{}}

// checkCaveat compiles one caveat value; an unparseable one rejects all.
func checkCaveat(v lang.Value) (checkedCaveat, error) {
	r, ok := v.(*lang.Record)
	if !ok {
		return rejectAll, nil
	}
	label, _ := lang.Unwrap(r.Label).(lang.Symbol)
	switch {
	case label == symRewrite && len(r.Fields) == 2:
		rw, ok, err := checkRewrite(r)
		if err != nil || !ok {
			return rejectAll, err
		}
		return checkedCaveat{alts: []checkedRewrite{rw}}, nil
	case label == symOr && len(r.Fields) == 1:
		seq, ok := lang.Unwrap(r.Fields[0]).(lang.Sequence)
		if !ok {
			return rejectAll, nil
		}
		alts := make([]checkedRewrite, 0, len(seq))
		var firstErr error
		for _, a := range seq {
			ar, ok := lang.Unwrap(a).(*lang.Record)
			if !ok || len(ar.Fields) != 2 || !lang.Equal(ar.Label, symRewrite) {
				return rejectAll, nil
			}
			rw, ok, err := checkRewrite(ar)
			if !ok {
				return rejectAll, nil
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
			alts = append(alts, rw)
		}
		if firstErr != nil {
			return rejectAll, firstErr
		}
		return checkedCaveat{alts: alts}, nil
	case label == symReject && len(r.Fields) == 1:
		p, _, ok, _ := parseCPattern(r.Fields[0])
		if !ok {
			return rejectAll, nil
		}
		// A reject pattern's bindings are never used; a binding under
		// negation is harmless here (rewrite.rs validates only rewrites).
		return checkedCaveat{reject: p}, nil
	}
	return rejectAll, nil
}

// checkRewrite compiles <rewrite PATTERN TEMPLATE>: ok false if either part
// does not parse, err if it parses but is unsafe.
func checkRewrite(r *lang.Record) (checkedRewrite, bool, error) {
	p, n, ok, perr := parseCPattern(r.Fields[0])
	if !ok {
		return checkedRewrite{}, false, nil
	}
	t, need, ok, terr := parseCTemplate(r.Fields[1], 0)
	if !ok {
		return checkedRewrite{}, false, nil
	}
	if perr != nil {
		return checkedRewrite{}, true, perr
	}
	if terr != nil {
		return checkedRewrite{}, true, terr
	}
	if need > n {
		return checkedRewrite{}, true, fmt.Errorf("%w (it uses binding %d; the pattern makes %d)", ErrUnboundRef, need-1, n)
	}
	return checkedRewrite{n: n, pat: p, tmpl: t}, true, nil
}

// cpat is a compiled sturdy.prs pattern.
type cpat interface {
	match(v lang.Value, caps *[]lang.Value) bool
}

type (
	cDiscard  struct{}
	cAtom     struct{ kind lang.Kind }
	cEmbedded struct{}
	cBind     struct{ p cpat }
	cAnd      []cpat
	cNot      struct{ p cpat }
	cLit      struct{ v lang.Value }
	cRec      struct {
		label  lang.Value
		fields []cpat
	}
	cArr  []cpat
	cDict struct {
		keys []lang.Value
		pats []cpat
	}
)

func (cDiscard) match(lang.Value, *[]lang.Value) bool { return true }

func (p cAtom) match(v lang.Value, _ *[]lang.Value) bool {
	k := lang.Unwrap(v).Kind()
	return k == p.kind
}

func (cEmbedded) match(v lang.Value, _ *[]lang.Value) bool {
	return lang.Unwrap(v).Kind() == lang.KindEmbedded
}

func (p cBind) match(v lang.Value, caps *[]lang.Value) bool {
	*caps = append(*caps, lang.Unwrap(v))
	return p.p.match(v, caps)
}

func (p cAnd) match(v lang.Value, caps *[]lang.Value) bool {
	for _, q := range p {
		if !q.match(v, caps) {
			return false
		}
	}
	return true
}

func (p cNot) match(v lang.Value, caps *[]lang.Value) bool { return !p.p.match(v, caps) }

func (p cLit) match(v lang.Value, _ *[]lang.Value) bool { return lang.Equal(p.v, v) }

func (p cRec) match(v lang.Value, caps *[]lang.Value) bool {
	r, ok := lang.Unwrap(v).(*lang.Record)
	if !ok || len(r.Fields) != len(p.fields) || !lang.Equal(r.Label, p.label) {
		return false
	}
	for i, f := range p.fields {
		if !f.match(r.Fields[i], caps) {
			return false
		}
	}
	return true
}

func (p cArr) match(v lang.Value, caps *[]lang.Value) bool {
	s, ok := lang.Unwrap(v).(lang.Sequence)
	if !ok || len(s) != len(p) {
		return false
	}
	for i, q := range p {
		if !q.match(s[i], caps) {
			return false
		}
	}
	return true
}

func (p cDict) match(v lang.Value, caps *[]lang.Value) bool {
	d, ok := lang.Unwrap(v).(*lang.Dictionary)
	if !ok {
		return false
	}
	for i, k := range p.keys {
		x, ok := d.Get(k)
		if !ok || !p.pats[i].match(x, caps) {
			return false
		}
	}
	return true
}

var atomKinds = map[lang.Symbol]lang.Kind{
	"Boolean":       lang.KindBoolean,
	"Double":        lang.KindDouble,
	"SignedInteger": lang.KindSignedInteger,
	"String":        lang.KindString,
	"ByteString":    lang.KindByteString,
	"Symbol":        lang.KindSymbol,
}

// parseCPattern reads a sturdy.prs Pattern: ok false if v is not one; n is
// the number of bindings it makes; err reports a binding under negation.
func parseCPattern(v lang.Value) (p cpat, n int, ok bool, err error) {
	switch x := lang.Unwrap(v).(type) {
	case lang.Symbol:
		if x == "Embedded" {
			return cEmbedded{}, 0, true, nil
		}
		if k, ok := atomKinds[x]; ok {
			return cAtom{k}, 0, true, nil
		}
		return nil, 0, false, nil
	case *lang.Record:
		label, _ := lang.Unwrap(x.Label).(lang.Symbol)
		f := x.Fields
		switch {
		case label == symDiscard && len(f) == 0:
			return cDiscard{}, 0, true, nil
		case label == symBind && len(f) == 1:
			sub, n, ok, err := parseCPattern(f[0])
			return cBind{sub}, n + 1, ok, err
		case label == symAnd && len(f) == 1:
			items, ok := lang.Unwrap(f[0]).(lang.Sequence)
			if !ok {
				return nil, 0, false, nil
			}
			ps, n, ok, err := parseCPatterns(items)
			return cAnd(ps), n, ok, err
		case label == symNot && len(f) == 1:
			sub, n, ok, err := parseCPattern(f[0])
			if ok && err == nil && n > 0 {
				err = ErrBindingUnderNegation
			}
			return cNot{sub}, 0, ok, err
		case label == symLit && len(f) == 1:
			return cLit{lang.Strip(f[0])}, 0, true, nil
		case label == symRec && len(f) == 2:
			items, ok := lang.Unwrap(f[1]).(lang.Sequence)
			if !ok {
				return nil, 0, false, nil
			}
			ps, n, ok, err := parseCPatterns(items)
			return cRec{lang.Strip(f[0]), ps}, n, ok, err
		case label == symArr && len(f) == 1:
			items, ok := lang.Unwrap(f[0]).(lang.Sequence)
			if !ok {
				return nil, 0, false, nil
			}
			ps, n, ok, err := parseCPatterns(items)
			return cArr(ps), n, ok, err
		case label == symDict && len(f) == 1:
			d, ok := lang.Unwrap(f[0]).(*lang.Dictionary)
			if !ok {
				return nil, 0, false, nil
			}
			out := cDict{}
			var firstErr error
			for _, e := range d.Entries() {
				sub, m, ok, err := parseCPattern(e.Value)
				if !ok {
					return nil, 0, false, nil
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				out.keys = append(out.keys, lang.Strip(e.Key))
				out.pats = append(out.pats, sub)
				n += m
			}
			return out, n, true, firstErr
		}
	}
	return nil, 0, false, nil
}

func parseCPatterns(vs []lang.Value) ([]cpat, int, bool, error) {
	out := make([]cpat, len(vs))
	n := 0
	var firstErr error
	for i, v := range vs {
		p, m, ok, err := parseCPattern(v)
		if !ok {
			return nil, 0, false, nil
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		out[i] = p
		n += m
	}
	return out, n, true, firstErr
}

// ctmpl is a compiled sturdy.prs template.
type ctmpl interface {
	inst(sys *System, caps []lang.Value) (lang.Value, bool)
}

type (
	tRef       struct{ i, d int } // binding i, under d compounds
	tLit       struct{ v lang.Value }
	tAttenuate struct {
		t  ctmpl
		cs Caveats
	}
	tRec struct {
		label  lang.Value
		fields []ctmpl
	}
	tArr  []ctmpl
	tDict struct {
		keys []lang.Value
		ts   []ctmpl
	}
)

func (t tRef) inst(_ *System, caps []lang.Value) (lang.Value, bool) {
	if t.i >= len(caps) {
		return nil, false
	}
	// A rewrite that would nest a value too deep drops it (issue 17.2).
	if t.d > 0 && !withinLevels(caps[t.i], MaxValueLevels-t.d) {
		return nil, false
	}
	return caps[t.i], true
}

func (t tLit) inst(*System, []lang.Value) (lang.Value, bool) { return t.v, true }

func (t tAttenuate) inst(sys *System, caps []lang.Value) (lang.Value, bool) {
	v, ok := t.t.inst(sys, caps)
	if !ok {
		return nil, false
	}
	e, ok := lang.Unwrap(v).(lang.Embedded)
	if !ok {
		return nil, false
	}
	r, ok := e.Ref.(*Ref)
	if !ok || sys == nil {
		return nil, false
	}
	return r.Attenuate(sys, t.cs).Value(), true
}

func (t tRec) inst(sys *System, caps []lang.Value) (lang.Value, bool) {
	r, fs := newRecordOf(t.label, len(t.fields))
	for i, ft := range t.fields {
		v, ok := ft.inst(sys, caps)
		if !ok {
			return nil, false
		}
		fs[i] = v
	}
	return r, true
}

// newRecordOf makes a record of n fields to fill in: for up to four
// fields, the record and its fields are one allocation.
func newRecordOf(label lang.Value, n int) (*lang.Record, []lang.Value) {
	switch n {
	case 1:
		x := &struct {
			r lang.Record
			f [1]lang.Value
		}{}
		x.r = lang.Record{Label: label, Fields: x.f[:]}
		return &x.r, x.f[:]
	case 2:
		x := &struct {
			r lang.Record
			f [2]lang.Value
		}{}
		x.r = lang.Record{Label: label, Fields: x.f[:]}
		return &x.r, x.f[:]
	case 3:
		x := &struct {
			r lang.Record
			f [3]lang.Value
		}{}
		x.r = lang.Record{Label: label, Fields: x.f[:]}
		return &x.r, x.f[:]
	case 4:
		x := &struct {
			r lang.Record
			f [4]lang.Value
		}{}
		x.r = lang.Record{Label: label, Fields: x.f[:]}
		return &x.r, x.f[:]
	}
	fs := make([]lang.Value, n)
	return &lang.Record{Label: label, Fields: fs}, fs
}

func (t tArr) inst(sys *System, caps []lang.Value) (lang.Value, bool) {
	items, ok := instAll(sys, t, caps)
	if !ok {
		return nil, false
	}
	return lang.Sequence(items), true
}

func (t tDict) inst(sys *System, caps []lang.Value) (lang.Value, bool) {
	kvs := make([]lang.Value, 0, 2*len(t.keys))
	for i, k := range t.keys {
		v, ok := t.ts[i].inst(sys, caps)
		if !ok {
			return nil, false
		}
		kvs = append(kvs, k, v)
	}
	return lang.DictionaryOf(kvs...), true
}

func instAll(sys *System, ts []ctmpl, caps []lang.Value) ([]lang.Value, bool) {
	out := make([]lang.Value, len(ts))
	for i, t := range ts {
		v, ok := t.inst(sys, caps)
		if !ok {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// parseCTemplate reads a sturdy.prs Template: ok false if v is not one; need
// is one more than the highest binding it uses; err reports a bad binding
// number or an unsafe nested attenuation.
func parseCTemplate(v lang.Value, d int) (t ctmpl, need int, ok bool, err error) {
	x, isRec := lang.Unwrap(v).(*lang.Record)
	if !isRec {
		return nil, 0, false, nil
	}
	label, _ := lang.Unwrap(x.Label).(lang.Symbol)
	f := x.Fields
	switch {
	case label == symAttenuate && len(f) == 2:
		list, isSeq := lang.Unwrap(f[1]).(lang.Sequence)
		if !isSeq {
			return nil, 0, false, nil
		}
		sub, need, ok, err := parseCTemplate(f[0], d)
		if !ok {
			return nil, 0, false, nil
		}
		if err != nil {
			return nil, 0, true, err
		}
		cs, err := ParseCaveats(list)
		if err != nil {
			return nil, 0, true, err
		}
		return tAttenuate{sub, cs}, need, true, nil
	case label == symRef && len(f) == 1:
		switch n := lang.Unwrap(f[0]).(type) {
		case lang.Int:
			if n < 0 || int64(n) > 1<<31 {
				return nil, 0, true, fmt.Errorf("%w (binding %d)", ErrUnboundRef, n)
			}
			return tRef{int(n), d}, int(n) + 1, true, nil
		case lang.BigInt:
			return nil, 0, true, fmt.Errorf("%w (binding %s)", ErrUnboundRef, lang.Format(n))
		}
		return nil, 0, false, nil
	case label == symLit && len(f) == 1:
		return tLit{lang.Strip(f[0])}, 0, true, nil
	case label == symRec && len(f) == 2:
		items, isSeq := lang.Unwrap(f[1]).(lang.Sequence)
		if !isSeq {
			return nil, 0, false, nil
		}
		ts, need, ok, err := parseCTemplates(items, d+1)
		return tRec{lang.Strip(f[0]), ts}, need, ok, err
	case label == symArr && len(f) == 1:
		items, isSeq := lang.Unwrap(f[0]).(lang.Sequence)
		if !isSeq {
			return nil, 0, false, nil
		}
		ts, need, ok, err := parseCTemplates(items, d+1)
		return tArr(ts), need, ok, err
	case label == symDict && len(f) == 1:
		dict, isDict := lang.Unwrap(f[0]).(*lang.Dictionary)
		if !isDict {
			return nil, 0, false, nil
		}
		out := tDict{}
		var firstErr error
		for _, e := range dict.Entries() {
			sub, m, ok, err := parseCTemplate(e.Value, d+1)
			if !ok {
				return nil, 0, false, nil
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
			out.keys = append(out.keys, lang.Strip(e.Key))
			out.ts = append(out.ts, sub)
			need = max(need, m)
		}
		return out, need, true, firstErr
	}
	return nil, 0, false, nil
}

func parseCTemplates(vs []lang.Value, d int) ([]ctmpl, int, bool, error) {
	out := make([]ctmpl, len(vs))
	need := 0
	var firstErr error
	for i, v := range vs {
		t, m, ok, err := parseCTemplate(v, d)
		if !ok {
			return nil, 0, false, nil
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		out[i] = t
		need = max(need, m)
	}
	return out, need, true, firstErr
}
