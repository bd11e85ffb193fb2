package eval

import (
	"fmt"

	"github.com/synd-lang/synd/lang"
)

// MaxValueNodes bounds the size of a value a turn may assert or send: a
// value of more nodes (counting a shared part once per place it occurs, as
// every encoder, comparison and key sees it) is refused and the facet that
// built it stops. Templates can double a value per turn while sharing its
// parts (`? <x ?v> <x [$v $v]>`), so its written size grows exponentially
// though its memory does not; unbounded, the next key, comparison or trace
// of it would never end.
const MaxValueNodes = 1 << 20

// errValueTooLarge is the error of a refused value.
func errValueTooLarge() error {
	return fmt.Errorf("a value of more than %d nodes (nested or repeated parts) cannot be asserted or sent", MaxValueNodes)
}

// withinSize reports whether v has at most limit nodes. It walks without
// recursion, so a deep value cannot overflow the stack, and stops as soon
// as the budget is spent, so it costs at most O(limit).
func withinSize(v lang.Value, limit int) bool {
	switch x := v.(type) {
	case *lang.Record:
		if isAtom(x.Label) && allAtoms(x.Fields) && len(x.Fields) < limit {
			return true // the commonest case, without a walk
		}
	case lang.Sequence:
		if allAtoms(x) && len(x) < limit {
			return true
		}
	case *lang.Set, *lang.Dictionary, *lang.Annotated:
	default:
		return true // an atom or an embedded ref: one node
	}
	stack := make([]lang.Value, 1, 16)
	stack[0] = v
	n := 0
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n++; n > limit {
			return false
		}
		switch c := x.(type) {
		case *lang.Record:
			stack = append(stack, c.Label)
			stack = append(stack, c.Fields...)
		case lang.Sequence:
			stack = append(stack, c...)
		case *lang.Set:
			stack = append(stack, c.Elements()...)
		case *lang.Dictionary:
			for _, e := range c.Entries() {
				stack = append(stack, e.Key, e.Value)
			}
		case *lang.Annotated:
			stack = append(stack, c.Value)
			stack = append(stack, c.Annotations...)
		}
		if len(stack) > limit {
			return false
		}
	}
	return true
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
