package sturdy

import (
	"errors"
	"fmt"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// This file evaluates the caveats of sturdy.prs (Rewrite, Alts, Reject and
// unknown caveats, with their Pattern and Template languages) over values,
// as syndicate-rs's rewrite.rs does. It serves sturdy refs and wire refs
// until the evaluator's own caveat support (eval.ParseCaveats) replaces it.

// Errors of caveat checking (rewrite.rs CaveatError).
var (
	ErrUnboundRef           = errors.New("caveat template refers to a binding its pattern does not make")
	ErrBindingUnderNegation = errors.New("caveat pattern binds under <not>")
)

type caveat struct {
	reject lang.Value  // for Reject (and unknown caveats: <_>)
	alts   []rewriteCv // for Rewrite and Alts
}

type rewriteCv struct{ pattern, template lang.Value }

var (
	symRewrite   = lang.Symbol("rewrite")
	symReject    = lang.Symbol("reject")
	symOr        = lang.Symbol("or")
	symDiscard   = lang.Symbol("_")
	symBind      = lang.Symbol("bind")
	symAnd       = lang.Symbol("and")
	symNot       = lang.Symbol("not")
	symLit       = lang.Symbol("lit")
	symRec       = lang.Symbol("rec")
	symArr       = lang.Symbol("arr")
	symDict      = lang.Symbol("dict")
	symAttenuate = lang.Symbol("attenuate")
)

func asRec(v lang.Value, label lang.Symbol, n int) (*lang.Record, bool) {
	r, ok := lang.Unwrap(v).(*lang.Record)
	if !ok || len(r.Fields) != n {
		return nil, false
	}
	l, ok := lang.Unwrap(r.Label).(lang.Symbol)
	return r, ok && l == label
}

func parseCaveat(v lang.Value) (caveat, error) {
	if r, ok := asRec(v, symRewrite, 2); ok {
		if err := checkRewrite(r.Fields[0], r.Fields[1]); err != nil {
			return caveat{}, err
		}
		return caveat{alts: []rewriteCv{{r.Fields[0], r.Fields[1]}}}, nil
	}
	if r, ok := asRec(v, symReject, 1); ok {
		return caveat{reject: r.Fields[0]}, nil
	}
	if r, ok := asRec(v, symOr, 1); ok {
		if seq, ok := lang.Unwrap(r.Fields[0]).(lang.Sequence); ok {
			var c caveat
			for _, a := range seq {
				rr, ok := asRec(a, symRewrite, 2)
				if !ok {
					return caveat{reject: lang.NewRecord(symDiscard)}, nil // not an Alts: unknown
				}
				if err := checkRewrite(rr.Fields[0], rr.Fields[1]); err != nil {
					return caveat{}, err
				}
				c.alts = append(c.alts, rewriteCv{rr.Fields[0], rr.Fields[1]})
			}
			if c.alts == nil {
				c.alts = []rewriteCv{} // <or []> passes nothing
			}
			return c, nil
		}
	}
	// An unknown caveat is valid but passes nothing.
	return caveat{reject: lang.NewRecord(symDiscard)}, nil
}

// CheckCaveats validates caveats as syndicate-rs's Caveat::validate_many does.
func CheckCaveats(caveats []lang.Value) error {
	for _, c := range caveats {
		if _, err := parseCaveat(c); err != nil {
			return err
		}
	}
	return nil
}

func checkRewrite(p, t lang.Value) error {
	n, err := bindingCount(p)
	if err != nil {
		return err
	}
	m, err := impliedBindings(t)
	if err != nil {
		return err
	}
	if m > n {
		return ErrUnboundRef
	}
	return nil
}

func bindingCount(p lang.Value) (int, error) {
	r, ok := lang.Unwrap(p).(*lang.Record)
	if !ok {
		return 0, nil
	}
	switch {
	case isRec(r, symBind, 1):
		n, err := bindingCount(r.Fields[0])
		return n + 1, err
	case isRec(r, symNot, 1):
		n, err := bindingCount(r.Fields[0])
		if err == nil && n > 0 {
			err = ErrBindingUnderNegation
		}
		return 0, err
	case isRec(r, symAnd, 1), isRec(r, symArr, 1):
		return sumBindings(r.Fields[0])
	case isRec(r, symRec, 2):
		return sumBindings(r.Fields[1])
	case isRec(r, symDict, 1):
		return sumBindings(r.Fields[0])
	}
	return 0, nil
}

func sumBindings(v lang.Value) (int, error) {
	total := 0
	for _, p := range children(v) {
		n, err := bindingCount(p)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func children(v lang.Value) []lang.Value {
	switch x := lang.Unwrap(v).(type) {
	case lang.Sequence:
		return x
	case *lang.Dictionary:
		out := make([]lang.Value, 0, x.Len())
		for _, e := range x.Entries() {
			out = append(out, e.Value)
		}
		return out
	}
	return nil
}

func impliedBindings(t lang.Value) (int, error) {
	r, ok := lang.Unwrap(t).(*lang.Record)
	if !ok {
		return 0, nil
	}
	switch {
	case isRec(r, symAttenuate, 2):
		seq, _ := lang.Unwrap(r.Fields[1]).(lang.Sequence)
		if err := CheckCaveats(seq); err != nil {
			return 0, err
		}
		return impliedBindings(r.Fields[0])
	case isRec(r, symRef, 1):
		n, ok := lang.Unwrap(r.Fields[0]).(lang.Int)
		if !ok || n < 0 {
			return 0, ErrUnboundRef
		}
		return int(n) + 1, nil
	case isRec(r, symRec, 2):
		return maxImplied(r.Fields[1])
	case isRec(r, symArr, 1), isRec(r, symDict, 1):
		return maxImplied(r.Fields[0])
	}
	return 0, nil
}

func maxImplied(v lang.Value) (int, error) {
	m := 0
	for _, t := range children(v) {
		n, err := impliedBindings(t)
		if err != nil {
			return 0, err
		}
		m = max(m, n)
	}
	return m, nil
}

func isRec(r *lang.Record, label lang.Symbol, n int) bool {
	l, ok := lang.Unwrap(r.Label).(lang.Symbol)
	return ok && l == label && len(r.Fields) == n
}

// match reports whether pattern p matches v, appending bindings.
func match(p, v lang.Value, binds []lang.Value) ([]lang.Value, bool) {
	v = lang.Unwrap(v)
	switch x := lang.Unwrap(p).(type) {
	case lang.Symbol: // PAtom, PEmbedded
		k := v.Kind()
		switch x {
		case "Boolean":
			return binds, k == lang.KindBoolean
		case "Double":
			return binds, k == lang.KindDouble
		case "SignedInteger":
			return binds, k == lang.KindSignedInteger
		case "String":
			return binds, k == lang.KindString
		case "ByteString":
			return binds, k == lang.KindByteString
		case "Symbol":
			return binds, k == lang.KindSymbol
		case "Embedded":
			_, ok := v.(lang.Embedded)
			return binds, ok
		}
		return binds, false
	case *lang.Record:
		switch {
		case isRec(x, symDiscard, 0):
			return binds, true
		case isRec(x, symBind, 1):
			return match(x.Fields[0], v, append(binds, v))
		case isRec(x, symAnd, 1):
			for _, q := range children(x.Fields[0]) {
				var ok bool
				if binds, ok = match(q, v, binds); !ok {
					return binds, false
				}
			}
			return binds, true
		case isRec(x, symNot, 1):
			_, ok := match(x.Fields[0], v, nil)
			return binds, !ok
		case isRec(x, symLit, 1):
			return binds, lang.Equal(x.Fields[0], v)
		case isRec(x, symRec, 2):
			r, ok := v.(*lang.Record)
			fs, _ := lang.Unwrap(x.Fields[1]).(lang.Sequence)
			if !ok || !lang.Equal(r.Label, x.Fields[0]) || len(r.Fields) != len(fs) {
				return binds, false
			}
			return matchAll(fs, r.Fields, binds)
		case isRec(x, symArr, 1):
			s, ok := v.(lang.Sequence)
			items, _ := lang.Unwrap(x.Fields[0]).(lang.Sequence)
			if !ok || len(s) != len(items) {
				return binds, false
			}
			return matchAll(items, s, binds)
		case isRec(x, symDict, 1):
			d, ok := v.(*lang.Dictionary)
			es, ok2 := lang.Unwrap(x.Fields[0]).(*lang.Dictionary)
			if !ok || !ok2 {
				return binds, false
			}
			for _, e := range es.Entries() {
				dv, ok := d.Get(e.Key)
				if !ok {
					return binds, false
				}
				if binds, ok = match(e.Value, dv, binds); !ok {
					return binds, false
				}
			}
			return binds, true
		}
	}
	return binds, false
}

func matchAll(ps, vs []lang.Value, binds []lang.Value) ([]lang.Value, bool) {
	for i, p := range ps {
		var ok bool
		if binds, ok = match(p, vs[i], binds); !ok {
			return binds, false
		}
	}
	return binds, true
}

// instantiate builds template t from bindings.
func instantiate(sys *eval.System, t lang.Value, binds []lang.Value) (lang.Value, bool) {
	r, ok := lang.Unwrap(t).(*lang.Record)
	if !ok {
		return nil, false
	}
	switch {
	case isRec(r, symRef, 1):
		n, ok := lang.Unwrap(r.Fields[0]).(lang.Int)
		if !ok || n < 0 || int(n) >= len(binds) {
			return nil, false
		}
		return binds[n], true
	case isRec(r, symLit, 1):
		return lang.Unwrap(r.Fields[0]), true
	case isRec(r, symAttenuate, 2):
		v, ok := instantiate(sys, r.Fields[0], binds)
		if !ok {
			return nil, false
		}
		e, ok := lang.Unwrap(v).(lang.Embedded)
		ref, isRef := e.Ref.(*eval.Ref)
		if !ok || !isRef {
			return nil, false
		}
		seq, _ := lang.Unwrap(r.Fields[1]).(lang.Sequence)
		att, err := Attenuate(sys, ref, seq)
		if err != nil {
			return nil, false
		}
		return att.Value(), true
	case isRec(r, symRec, 2):
		fs, _ := lang.Unwrap(r.Fields[1]).(lang.Sequence)
		out := make([]lang.Value, len(fs))
		for i, f := range fs {
			if out[i], ok = instantiate(sys, f, binds); !ok {
				return nil, false
			}
		}
		return &lang.Record{Label: lang.Unwrap(r.Fields[0]), Fields: out}, true
	case isRec(r, symArr, 1):
		items, _ := lang.Unwrap(r.Fields[0]).(lang.Sequence)
		out := make(lang.Sequence, len(items))
		for i, f := range items {
			if out[i], ok = instantiate(sys, f, binds); !ok {
				return nil, false
			}
		}
		return out, true
	case isRec(r, symDict, 1):
		es, ok := lang.Unwrap(r.Fields[0]).(*lang.Dictionary)
		if !ok {
			return nil, false
		}
		kvs := make([]lang.Value, 0, 2*es.Len())
		for _, e := range es.Entries() {
			v, ok := instantiate(sys, e.Value, binds)
			if !ok {
				return nil, false
			}
			kvs = append(kvs, e.Key, v)
		}
		return lang.DictionaryOf(kvs...), true
	}
	return nil, false
}

func (c caveat) apply(sys *eval.System, v lang.Value) (lang.Value, bool) {
	if c.alts == nil {
		_, matched := match(c.reject, v, nil)
		return v, !matched
	}
	for _, a := range c.alts {
		if binds, ok := match(a.pattern, v, nil); ok {
			return instantiate(sys, a.template, binds)
		}
	}
	return nil, false
}

// Rewriter compiles caveats into the function an attenuated ref applies: the
// caveats run right to left (the newest first); a value some caveat does not
// pass is dropped.
func Rewriter(sys *eval.System, caveats []lang.Value) (func(lang.Value) (lang.Value, bool), error) {
	cs := make([]caveat, len(caveats))
	for i, v := range caveats {
		c, err := parseCaveat(v)
		if err != nil {
			return nil, fmt.Errorf("caveat %s: %w", lang.Format(v), err)
		}
		cs[i] = c
	}
	return func(v lang.Value) (lang.Value, bool) {
		for i := len(cs) - 1; i >= 0; i-- {
			var ok bool
			if v, ok = cs[i].apply(sys, v); !ok {
				return nil, false
			}
		}
		return v, true
	}, nil
}

// Attenuate returns r narrowed by caveats (r itself if there are none).
func Attenuate(sys *eval.System, r *eval.Ref, caveats []lang.Value) (*eval.Ref, error) {
	if len(caveats) == 0 {
		return r, nil
	}
	f, err := Rewriter(sys, caveats)
	if err != nil {
		return nil, err
	}
	return r.Attenuate(sys, f), nil
}
