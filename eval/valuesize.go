package eval

import (
	"fmt"

	"github.com/synd-lang/synd/lang"
)

// DefaultMaxValueNodes is a system's MaxValueNodes unless changed. Templates
// can double a value per turn while sharing its parts (`? <x ?v> <x [$v
// $v]>`), so its written size grows exponentially though its memory does
// not; unbounded, the next key, comparison or trace of it would never end.
const DefaultMaxValueNodes = 1 << 20

// DefaultMaxValueDepth is a system's MaxValueDepth unless changed: the
// nesting the readers accept (lang.DefaultMaxDepth), so that what one node
// builds another can read.
const DefaultMaxValueDepth = lang.DefaultMaxDepth

// checkValue returns an error if v may not be asserted or sent: more than
// MaxValueNodes nodes (a shared part counted once per place it occurs, as
// every encoder, comparison and key sees it) or nested more than
// MaxValueDepth deep. plain reports that the check found v free of
// annotations on the way (an atom, or a record or sequence of atoms): the
// dataspace then need not look for them again.
func (s *System) checkValue(v lang.Value) (plain bool, err error) {
	nodes, depth := s.MaxValueNodes, s.MaxValueDepth
	if nodes <= 0 && depth <= 0 {
		return false, nil
	}
	if nodes <= 0 {
		nodes = int(^uint(0) >> 1)
	}
	if depth <= 0 {
		depth = int(^uint(0) >> 1)
	}
	switch withinBounds(v, nodes, depth) {
	case tooMany:
		return false, fmt.Errorf("a value of more than %d nodes (nested or repeated parts) cannot be asserted or sent", nodes)
	case tooDeep:
		return false, fmt.Errorf("a value nested more than %d deep cannot be asserted or sent", depth)
	case withinPlain:
		return true, nil
	}
	return false, nil
}

type bound uint8

const (
	within bound = iota
	tooMany
	tooDeep
	withinPlain // within, and without annotations: seen without a walk
)

// withinBounds walks v without recursion, so a deep value cannot overflow
// the stack, and stops as soon as a budget is spent, so it costs at most
// O(maxNodes).
func withinBounds(v lang.Value, maxNodes, maxDepth int) bound {
	switch x := v.(type) {
	case *lang.Record:
		if isAtom(x.Label) && allAtoms(x.Fields) && len(x.Fields) < maxNodes && maxDepth >= 2 {
			return withinPlain // the commonest case, without a walk
		}
	case lang.Sequence:
		if allAtoms(x) && len(x) < maxNodes && maxDepth >= 2 {
			return withinPlain
		}
	case *lang.Set, *lang.Dictionary, *lang.Annotated:
	default:
		return withinPlain // an atom or an embedded ref: one node
	}
	type item struct {
		v lang.Value
		d int
	}
	stack := make([]item, 1, 16)
	stack[0] = item{v, 1}
	n := 0
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n++; n > maxNodes {
			return tooMany
		}
		if it.d > maxDepth {
			return tooDeep
		}
		d := it.d + 1
		switch c := it.v.(type) {
		case *lang.Record:
			stack = append(stack, item{c.Label, d})
			for _, f := range c.Fields {
				stack = append(stack, item{f, d})
			}
		case lang.Sequence:
			for _, f := range c {
				stack = append(stack, item{f, d})
			}
		case *lang.Set:
			for _, f := range c.Elements() {
				stack = append(stack, item{f, d})
			}
		case *lang.Dictionary:
			for _, e := range c.Entries() {
				stack = append(stack, item{e.Key, d}, item{e.Value, d})
			}
		case *lang.Annotated:
			stack = append(stack, item{c.Value, it.d}) // annotations do not nest the value
			for _, a := range c.Annotations {
				stack = append(stack, item{a, d})
			}
		}
		if len(stack) > maxNodes {
			return tooMany
		}
	}
	return within
}

func isAtom(v lang.Value) bool {
	switch v.(type) {
	case *lang.Record, lang.Sequence, *lang.Set, *lang.Dictionary, *lang.Annotated:
		return false
	}
	return true
}

func allAtoms(vs []lang.Value) bool {
	for _, v := range vs {
		if !isAtom(v) {
			return false
		}
	}
	return true
}
