package eval

import "github.com/synd-lang/synd/lang"

// MaxValueLevels is how many levels a value built at run time may have (an
// atom is one level; each enclosing compound adds one), matching what the
// readers accept (lang.DefaultMaxDepth). A template or a caveat's rewrite
// that would build a deeper value fails instead, so no value in a running
// system is deeper than one a reader would accept, and nothing that walks a
// value recursively can overflow the stack.
const MaxValueLevels = lang.DefaultMaxDepth - 1

// withinLevels reports whether v has at most levels levels. It stops as soon
// as it finds v too deep.
func withinLevels(v lang.Value, levels int) bool {
	if levels <= 0 {
		return false
	}
	switch x := lang.Unwrap(v).(type) {
	case *lang.Record:
		if !withinLevels(x.Label, levels-1) {
			return false
		}
		for _, f := range x.Fields {
			if !withinLevels(f, levels-1) {
				return false
			}
		}
	case lang.Sequence:
		for _, f := range x {
			if !withinLevels(f, levels-1) {
				return false
			}
		}
	case *lang.Set:
		for _, f := range x.Elements() {
			if !withinLevels(f, levels-1) {
				return false
			}
		}
	case *lang.Dictionary:
		for _, e := range x.Entries() {
			if !withinLevels(e.Key, levels-1) || !withinLevels(e.Value, levels-1) {
				return false
			}
		}
	case lang.Embedded:
		if p, ok := x.Ref.(lang.Value); ok {
			return withinLevels(p, levels-1)
		}
	}
	return true
}
