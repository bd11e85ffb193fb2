package lang

import (
	"errors"
	"slices"
)

// Builder assembles values for readers. Children are pushed on a stack and
// gathered into a compound when it closes; backing arrays, records and
// dictionary entries are carved out of large chunks, and recently seen short
// strings and symbols are reused, so that reading costs few allocations.
//
// A value built this way shares its chunk with its neighbours: holding any
// part keeps the chunk alive, as a substring keeps its string.
type Builder struct {
	stack []Value
	vals  slab[Value]
	recs  slab[Record]
	dicts slab[DictEntry]
	anns  slab[Annotated]
	atoms *[256]atomEntry
}

type atomEntry struct {
	s string
	v Value
}

type slab[T any] struct{ buf []T }

func (s *slab[T]) take(n int) []T {
	if n > cap(s.buf)-len(s.buf) {
		if n > 256 {
			return make([]T, n)
		}
		s.buf = make([]T, 0, 1024)
	}
	start := len(s.buf)
	s.buf = s.buf[:start+n]
	return s.buf[start : start+n : start+n]
}

// Mark returns the stack height, to be passed to the method that closes the
// compound whose children are pushed next.
func (b *Builder) Mark() int { return len(b.stack) }

// Push adds a child to the compound being built.
func (b *Builder) Push(v Value) { b.stack = append(b.stack, v) }

// Drop abandons the children pushed since mark.
func (b *Builder) Drop(mark int) {
	clear(b.stack[mark:])
	b.stack = b.stack[:mark]
}

func (b *Builder) children(mark int) []Value {
	items := b.stack[mark:]
	out := b.vals.take(len(items))
	copy(out, items)
	b.Drop(mark)
	return out
}

// Sequence closes a sequence of the children pushed since mark.
func (b *Builder) Sequence(mark int) Sequence { return b.children(mark) }

// Record closes a record: the first child pushed since mark is the label.
func (b *Builder) Record(mark int) (*Record, error) {
	if len(b.stack) == mark {
		return nil, errors.New("record has no label")
	}
	items := b.children(mark)
	r := &b.recs.take(1)[0]
	r.Label, r.Fields = items[0], items[1:len(items):len(items)]
	return r, nil
}

// Set closes a set; duplicates are an error.
func (b *Builder) Set(mark int) (*Set, error) {
	items := slices.Clone(b.stack[mark:])
	b.Drop(mark)
	return newSetOwned(items)
}

// Dictionary closes a dictionary of alternating keys and values; duplicate
// keys are an error.
func (b *Builder) Dictionary(mark int) (*Dictionary, error) {
	items := b.stack[mark:]
	defer b.Drop(mark)
	if len(items)%2 != 0 {
		return nil, errors.New("dictionary has a key without a value")
	}
	entries := b.dicts.take(len(items) / 2)
	for i := range entries {
		entries[i] = DictEntry{items[2*i], items[2*i+1]}
	}
	return newDictionaryOwned(entries)
}

// Symbol returns s as a Symbol, reusing the boxed value of a recent equal one.
func (b *Builder) Symbol(s string) Value { return b.atom(KindSymbol, s) }

// String returns s as a String, reusing the boxed value of a recent equal one.
func (b *Builder) String(s string) Value { return b.atom(KindString, s) }

func (b *Builder) atom(k Kind, s string) Value {
	if len(s) == 0 || len(s) > 32 {
		return makeAtom(k, s)
	}
	if b.atoms == nil {
		b.atoms = new([256]atomEntry)
	}
	e := &b.atoms[(uint(s[0])*31+uint(s[len(s)-1])*7+uint(len(s))+uint(k))&255]
	if e.s == s && e.v.Kind() == k {
		return e.v
	}
	e.s, e.v = s, makeAtom(k, s)
	return e.v
}

func makeAtom(k Kind, s string) Value {
	if k == KindSymbol {
		return Symbol(s)
	}
	return String(s)
}

// Annotated wraps v with annotations and a position.
func (b *Builder) Annotated(anns []Value, v Value, pos Position) *Annotated {
	a := &b.anns.take(1)[0]
	a.Annotations, a.Value, a.Pos = anns, v, pos
	return a
}
