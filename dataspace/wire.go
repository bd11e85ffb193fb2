package dataspace

import (
	"errors"
	"slices"

	"github.com/synd-lang/synd/lang"
)

// errNotPattern is compileWire's only error: parseObserve needs no more.
var errNotPattern = errors.New("not a pattern")

// compileWire compiles the wire form of a pattern (dataspacePatterns.prs)
// as compile(ParsePattern(v)) does, accepting and rejecting exactly the
// same values, without building the Pattern in between: an Observe whose
// pattern is used once (a dependency's literal, a pattern with the value
// of a variable) costs one walk.
func compileWire(v lang.Value) (*shape, error) {
	s := &shape{skeleton: &skeleton{tests: make([]test, 0, 4)}}
	w := wireCompiler{s: s}
	if err := w.add(v, nil); err != nil {
		return nil, err
	}
	if len(s.tests) == 0 {
		s.tests = nil // as compile leaves it
	}
	s.finish()
	return s, nil
}

// wireCompiler carves the shape's paths out of one buffer.
type wireCompiler struct {
	s     *shape
	paths []lang.Value
}

// child is path extended by key.
func (w *wireCompiler) child(path []lang.Value, key lang.Value) []lang.Value {
	n := len(path) + 1
	if cap(w.paths)-len(w.paths) < n {
		w.paths = make([]lang.Value, 0, max(8, n))
	}
	start := len(w.paths)
	w.paths = append(w.paths, path...)
	w.paths = append(w.paths, key)
	return w.paths[start : start+n : start+n]
}

// add is shape.add of ParsePattern(v).
func (w *wireCompiler) add(v lang.Value, path []lang.Value) error {
	s := w.s
	r, ok := lang.Unwrap(v).(*lang.Record)
	if !ok {
		return errNotPattern
	}
	label, _ := lang.Unwrap(r.Label).(lang.Symbol)
	switch {
	case label == symDiscard && len(r.Fields) == 0:
		if len(path) > 0 {
			s.tests = append(s.tests, test{path: path, kind: tExists})
		}
		return nil
	case label == symBind && len(r.Fields) == 1:
		// ParsePattern checks the whole pattern before compile files the
		// capture; an error discards the shape, so the order is moot.
		s.captures = append(s.captures, path)
		return w.add(r.Fields[0], path)
	case label == symLit && len(r.Fields) == 1:
		switch lang.Unwrap(r.Fields[0]).(type) {
		case *lang.Record, lang.Sequence, *lang.Dictionary:
			s.add(Literal(r.Fields[0]), path)
		default:
			s.tests = append(s.tests, test{path: path, kind: tLiteral, val: lang.Strip(r.Fields[0])})
		}
		return nil
	case label == symGroup && len(r.Fields) == 2:
		typ, ok := lang.Unwrap(r.Fields[0]).(*lang.Record)
		if !ok {
			return errNotPattern
		}
		t := test{path: path}
		switch tl, _ := lang.Unwrap(typ.Label).(lang.Symbol); {
		case tl == symRec && len(typ.Fields) == 1:
			t.kind, t.val = tRecord, lang.Strip(typ.Fields[0])
		case tl == symArr && len(typ.Fields) == 0:
			t.kind = tSequence
		case tl == symDict && len(typ.Fields) == 0:
			t.kind = tDictionary
		default:
			return errNotPattern
		}
		d, ok := lang.Unwrap(r.Fields[1]).(*lang.Dictionary)
		if !ok {
			return errNotPattern
		}
		s.tests = append(s.tests, t)
		es := d.Entries()
		sorted := true
		var prev lang.Value
		for i, e := range es {
			k := lang.Strip(e.Key)
			if t.kind != tDictionary {
				if n, ok := k.(lang.Int); !ok || n < 0 {
					return errNotPattern
				}
			}
			if i > 0 && lang.Compare(prev, k) > 0 {
				sorted = false
			}
			prev = k
		}
		if !sorted {
			// add visits entries in key order: stripping the keys'
			// annotations reordered these.
			es = slices.Clone(es)
			slices.SortFunc(es, func(a, b lang.DictEntry) int { return lang.Compare(lang.Strip(a.Key), lang.Strip(b.Key)) })
		}
		for _, e := range es {
			if err := w.add(e.Value, w.child(path, lang.Strip(e.Key))); err != nil {
				return err
			}
		}
		return nil
	}
	return errNotPattern
}
