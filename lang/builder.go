package lang

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Builder assembles values for readers. Children are pushed on a stack and
// gathered into a compound when it closes; backing arrays, records, sets,
// dictionaries, boxed atoms and the bytes of strings are carved out of
// chunks sized to the input (see SizeHint), and recently seen short strings
// and symbols are reused, so that reading costs few allocations: about one
// per few hundred values on large inputs, and in proportion to the input on
// small ones.
//
// A value built this way shares its chunks with its neighbours: holding any
// part keeps those chunks (at most a few kilobytes each) alive, as a
// substring keeps its string. A Builder may be reused for any number of
// inputs; values it built earlier are never changed.
type Builder struct {
	stack []Value
	vals  slab[Value]
	recs  slab[Record]
	dicts slab[DictEntry]
	dhdrs slab[Dictionary]
	shdrs slab[Set]
	anns  slab[Annotated]
	box   boxes
	bytes slab[byte] // the text of strings, symbols and byte strings
	atoms *[atomSlots]atomEntry
	used  []uint16 // the atom slots filled since the last Reset
	hint  int
}

const (
	atomBits  = 9
	atomSlots = 1 << atomBits
)

type atomEntry struct {
	s string
	k Kind
	v Value
}

// maxChunk bounds the bytes of one chunk, and with it how much memory a
// small value kept from a large input can hold on to.
const maxChunk = 16 << 10

type slab[T any] struct{ buf []T }

// take returns n fresh elements. expect is about how many more the input
// needs, erring low: a new chunk is sized from it (so the last chunks of an
// input are small and little is wasted), up to maxChunk bytes.
func (s *slab[T]) take(n, expect int) []T {
	if n > cap(s.buf)-len(s.buf) {
		var zero T
		size := min(max(expect, 8), max(maxChunk/int(unsafe.Sizeof(zero)), 16))
		if n > size/2 && n > 16 {
			// A large compound gets its own array, leaving the chunk be.
			return make([]T, n)
		}
		s.buf = make([]T, 0, max(size, n))
	}
	start := len(s.buf)
	s.buf = s.buf[:start+n]
	return s.buf[start : start+n : start+n]
}

// Reset forgets the builder's chunks and cached atoms (values built before
// keep them), so that a builder reused for a new input holds on to nothing
// of the old one and sizes its chunks to the new one.
func (b *Builder) Reset() {
	clear(b.stack[:cap(b.stack)])
	b.stack = b.stack[:0]
	b.vals.reset()
	b.recs.reset()
	b.dicts.reset()
	b.dhdrs.reset()
	b.shdrs.reset()
	b.anns.reset()
	b.box.reset()
	b.bytes.reset()
	if b.atoms != nil {
		for _, i := range b.used {
			b.atoms[i] = atomEntry{}
		}
	}
	b.used = b.used[:0]
}

func (s *slab[T]) reset() { *s = slab[T]{} }

// SizeHint tells the builder how many bytes of input remain to be read, so
// that its chunks fit: small messages allocate little, and large inputs few
// times. Readers call it as they go.
func (b *Builder) SizeHint(n int) { b.hint = n }

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

// pop removes the children pushed since mark without clearing their slots:
// later pushes overwrite them, and Reset clears the whole stack.
func (b *Builder) pop(mark int) { b.stack = b.stack[:mark] }

func (b *Builder) children(mark int) []Value {
	out := b.copyItems(b.stack[mark:])
	b.pop(mark)
	return out
}

// copyItems copies items into the builder's chunks.
func (b *Builder) copyItems(items []Value) []Value {
	if len(items) == 0 {
		return nil
	}
	out := b.vals.take(len(items), b.hint/16)
	copy(out, items)
	return out
}

// Sequence closes a sequence of the children pushed since mark.
func (b *Builder) Sequence(mark int) Value {
	v := b.sequenceOf(b.stack[mark:])
	b.pop(mark)
	return v
}

func (b *Builder) sequenceOf(items []Value) Value {
	if len(items) == 0 {
		return emptySequence
	}
	return b.box.sequence(b.copyItems(items), b.hint)
}

var emptySequence Value = Sequence{}

// Record closes a record: the first child pushed since mark is the label.
func (b *Builder) Record(mark int) (*Record, error) {
	r, err := b.recordOf(b.stack[mark:])
	b.pop(mark)
	return r, err
}

func (b *Builder) recordOf(items []Value) (*Record, error) {
	if len(items) == 0 {
		return nil, errors.New("record has no label")
	}
	all := b.copyItems(items)
	r := &b.recs.take(1, b.hint/64)[0]
	r.Label, r.Fields = all[0], all[1:len(all):len(all)]
	return r, nil
}

// Set closes a set; duplicates are an error.
func (b *Builder) Set(mark int) (*Set, error) {
	s, err := b.setOf(b.stack[mark:])
	b.pop(mark)
	return s, err
}

func (b *Builder) setOf(items []Value) (*Set, error) {
	elems := b.copyItems(items)
	if err := sortUnique(elems, Compare, "set element", func(v Value) Value { return v }); err != nil {
		return nil, err
	}
	s := &b.shdrs.take(1, b.hint/256)[0]
	s.elems = elems
	return s, nil
}

// Dictionary closes a dictionary of alternating keys and values; duplicate
// keys are an error.
func (b *Builder) Dictionary(mark int) (*Dictionary, error) {
	d, err := b.dictionaryOf(b.stack[mark:])
	b.pop(mark)
	return d, err
}

func (b *Builder) dictionaryOf(items []Value) (*Dictionary, error) {
	if len(items)%2 != 0 {
		return nil, errors.New("dictionary has a key without a value")
	}
	var entries []DictEntry
	if len(items) > 0 {
		entries = b.dicts.take(len(items)/2, b.hint/32)
	}
	for i := range entries {
		entries[i] = DictEntry{items[2*i], items[2*i+1]}
	}
	if err := sortUnique(entries, compareKeys, "dictionary key", func(e DictEntry) Value { return e.Key }); err != nil {
		return nil, err
	}
	d := &b.dhdrs.take(1, b.hint/256)[0]
	d.entries = entries
	return d, nil
}

// compareKeys orders dictionary entries by key, symbols (the commonest
// keys) without the general comparison's dispatch.
func compareKeys(a, b DictEntry) int {
	if x, ok := a.Key.(Symbol); ok {
		if y, ok := b.Key.(Symbol); ok {
			return strings.Compare(string(x), string(y))
		}
	}
	return Compare(a.Key, b.Key)
}

// sortUnique sorts xs (checking first whether it already is, as most input
// is) and reports the first duplicate.
func sortUnique[T any](xs []T, cmp func(a, b T) int, what string, show func(T) Value) error {
	for i := 1; i < len(xs); i++ {
		c := cmp(xs[i-1], xs[i])
		if c == 0 {
			return fmt.Errorf("duplicate %s %s", what, Format(show(xs[i])))
		}
		if c > 0 {
			slices.SortFunc(xs, cmp)
			for j := 1; j < len(xs); j++ {
				if cmp(xs[j-1], xs[j]) == 0 {
					return fmt.Errorf("duplicate %s %s", what, Format(show(xs[j])))
				}
			}
			return nil
		}
	}
	return nil
}

// Symbol returns s as a Symbol, reusing the boxed value of a recent equal one.
func (b *Builder) Symbol(s string) Value { return b.atom(KindSymbol, s) }

// String returns s as a String, reusing the boxed value of a recent equal one.
func (b *Builder) String(s string) Value { return b.atom(KindString, s) }

// ByteString returns s as a ByteString.
func (b *Builder) ByteString(s string) Value {
	if s == "" {
		return ByteString("")
	}
	return b.box.text(KindByteString, s, b.hint)
}

// Int returns n as an Int.
func (b *Builder) Int(n int64) Value { return b.box.int(n, b.hint) }

// Double returns f as a Double.
func (b *Builder) Double(f float64) Value { return b.box.double(f, b.hint) }

// Embedded returns an Embedded holding the plain value v.
func (b *Builder) Embedded(v Value) Value { return b.box.embedded(v, b.hint) }

// atomBytes is Symbol, String or ByteString of bytes the builder may not
// keep: they are copied (into a shared chunk) unless an equal recent atom is
// reused. The text of a String or Symbol must be UTF-8: ok is false if it
// is not (a reused atom was checked when first seen).
func (b *Builder) atomBytes(k Kind, raw []byte) (v Value, ok bool) {
	return b.atomCopy(k, raw, true)
}

// CopyString, CopySymbol and CopyByteString are String, Symbol and
// ByteString for text the builder must not keep, such as a view of a buffer
// the caller will reuse: they copy it (into the builder's chunks) unless an
// equal recent atom is reused. The text of a string or symbol must be
// UTF-8.
func (b *Builder) CopyString(s string) Value { return b.copyText(KindString, s) }

// CopySymbol is Symbol for text the builder must copy; see CopyString.
func (b *Builder) CopySymbol(s string) Value { return b.copyText(KindSymbol, s) }

// CopyByteString is ByteString for bytes the builder must copy; see
// CopyString.
func (b *Builder) CopyByteString(s string) Value { return b.copyText(KindByteString, s) }

func (b *Builder) copyText(k Kind, s string) Value {
	v, _ := b.atomCopy(k, unsafe.Slice(unsafe.StringData(s), len(s)), false)
	return v
}

func (b *Builder) atomCopy(k Kind, raw []byte, check bool) (v Value, ok bool) {
	if len(raw) == 0 {
		return makeAtom(k, ""), true
	}
	if k == KindByteString {
		return b.box.text(k, b.keep(raw), b.hint), true
	}
	if len(raw) <= 32 {
		e := b.atomSlot(k, raw)
		if e.k == k && e.s == unsafe.String(&raw[0], len(raw)) {
			return e.v, true
		}
		if check && !utf8.Valid(raw) {
			return nil, false
		}
		s := b.keep(raw)
		e.s, e.k, e.v = s, k, b.box.text(k, s, b.hint)
		return e.v, true
	}
	if check && !utf8.Valid(raw) {
		return nil, false
	}
	return b.box.text(k, b.keep(raw), b.hint), true
}

// keep copies raw into the builder's byte chunks and returns it as a string.
// The bytes are never written again.
func (b *Builder) keep(raw []byte) string {
	if len(raw) > maxChunk/4 {
		return string(raw)
	}
	dst := b.bytes.take(len(raw), b.hint/4)
	copy(dst, raw)
	return unsafe.String(&dst[0], len(dst))
}

func (b *Builder) atom(k Kind, s string) Value {
	if len(s) == 0 {
		return makeAtom(k, s)
	}
	if len(s) > 32 {
		return b.box.text(k, s, b.hint)
	}
	e := b.atomSlot(k, unsafe.Slice(unsafe.StringData(s), len(s)))
	if e.k == k && e.s == s {
		return e.v
	}
	e.s, e.k, e.v = s, k, b.box.text(k, s, b.hint)
	return e.v
}

// atomSlot is the cache slot for a short string of kind k.
func (b *Builder) atomSlot(k Kind, s []byte) *atomEntry {
	if b.atoms == nil {
		b.atoms = new([atomSlots]atomEntry)
	}
	n := len(s)
	h := uint64(n)<<8 | uint64(k)
	switch {
	case n >= 8:
		h ^= binary.LittleEndian.Uint64(s) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(s[n-8:]), 29)
	case n >= 4:
		h ^= uint64(binary.LittleEndian.Uint32(s)) ^ uint64(binary.LittleEndian.Uint32(s[n-4:]))<<23
	default:
		for _, c := range s {
			h = h<<8 | uint64(c)
		}
	}
	h *= 0x9E3779B97F4A7C15
	i := h >> (64 - atomBits)
	e := &b.atoms[i]
	if e.v == nil {
		b.used = append(b.used, uint16(i))
	}
	return e
}

func makeAtom(k Kind, s string) Value {
	switch k {
	case KindSymbol:
		return Symbol(s)
	case KindByteString:
		return ByteString(s)
	}
	return String(s)
}

// Annotated wraps v with annotations and a position.
func (b *Builder) Annotated(anns []Value, v Value, pos Position) *Annotated {
	a := &b.anns.take(1, b.hint/64)[0]
	a.Annotations, a.Value, a.Pos = anns, v, pos
	return a
}
