package lang

import (
	"fmt"
	"math/big"
	"slices"
)

// Kind is the kind of a Preserves value. Kinds are declared in the order of
// the Preserves total order: a value of a lesser kind sorts before any value of
// a greater kind.
type Kind uint8

// The eleven kinds of Preserves value, in their total order.
const (
	KindBoolean Kind = iota
	KindDouble
	KindSignedInteger
	KindString
	KindByteString
	KindSymbol
	KindRecord
	KindSequence
	KindSet
	KindDictionary
	KindEmbedded
)

var kindNames = [...]string{
	"boolean", "double", "integer", "string", "byte string", "symbol",
	"record", "sequence", "set", "dictionary", "embedded",
}

// String names the kind as error messages do ("record", "byte string").
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Value is any Preserves value. The concrete types are listed in the package
// documentation; Kind reports which kind a value is (for *Annotated, the kind
// of the value it wraps).
type Value interface {
	Kind() Kind
}

// Bool is a Preserves Boolean.
type Bool bool

// Double is a Preserves Double (IEEE 754 binary64). Doubles compare by IEEE
// 754 totalOrder, so -0.0 and +0.0 differ and a NaN equals itself.
type Double float64

// Int is a Preserves SignedInteger that fits in an int64. Integers outside
// that range are BigInt; NewInteger picks the right one.
type Int int64

// BigInt is a Preserves SignedInteger outside the int64 range. Use NewInteger
// to build one: a BigInt holding a number that fits in int64 is not equal to
// the Int of that number.
type BigInt struct{ v *big.Int }

// String is a Preserves String (Unicode text, held as UTF-8).
type String string

// ByteString is a Preserves ByteString. The bytes are held in a Go string so
// that the value is immutable and comparable.
type ByteString string

// Symbol is a Preserves Symbol.
type Symbol string

// Record is a Preserves Record: a label and zero or more fields.
type Record struct {
	Label  Value
	Fields []Value
}

// Sequence is a Preserves Sequence.
type Sequence []Value

// Set is a Preserves Set. It is immutable; its elements are held in the
// Preserves order, without duplicates.
type Set struct {
	elems []Value
}

// DictEntry is one key/value pair of a Dictionary.
type DictEntry struct {
	Key, Value Value
}

// Dictionary is a Preserves Dictionary. It is immutable; its entries are held
// sorted by key in the Preserves order, with no duplicate keys.
type Dictionary struct {
	entries []DictEntry
}

// Embedded is a Preserves Embedded value. Ref is either a plain Value (as read
// from text `#:v` or binary `86 v`) or a host reference implementing
// Identity, such as a reference to an entity.
type Embedded struct {
	Ref any
}

// Identity is implemented by host references that can be embedded in values.
// EmbeddedID must be unique among the live references of one program and
// stable for a reference's lifetime: embedded references compare, hash and
// sort by it.
type Identity interface {
	EmbeddedID() uint64
}

// Describer is optionally implemented by host references to say how the text
// writer should show them (after `#:`).
type Describer interface {
	Describe() Value
}

// Annotated wraps a value with annotations and the position it was read from.
// Pos is the zero Position for values not read from text.
type Annotated struct {
	Annotations []Value
	Value       Value
	Pos         Position
}

// Kind implements Value.
func (Bool) Kind() Kind { return KindBoolean }

// Kind implements Value.
func (Double) Kind() Kind { return KindDouble }

// Kind implements Value.
func (Int) Kind() Kind { return KindSignedInteger }

// Kind implements Value.
func (BigInt) Kind() Kind { return KindSignedInteger }

// Kind implements Value.
func (String) Kind() Kind { return KindString }

// Kind implements Value.
func (ByteString) Kind() Kind { return KindByteString }

// Kind implements Value.
func (Symbol) Kind() Kind { return KindSymbol }

// Kind implements Value.
func (*Record) Kind() Kind { return KindRecord }

// Kind implements Value.
func (Sequence) Kind() Kind { return KindSequence }

// Kind implements Value.
func (*Set) Kind() Kind { return KindSet }

// Kind implements Value.
func (*Dictionary) Kind() Kind { return KindDictionary }

// Kind implements Value.
func (Embedded) Kind() Kind { return KindEmbedded }

// Kind implements Value: it is the kind of the wrapped value.
func (a *Annotated) Kind() Kind { return a.Value.Kind() }

// NewRecord builds a record from a label and fields.
func NewRecord(label Value, fields ...Value) *Record {
	return &Record{Label: label, Fields: fields}
}

// NewInteger returns the SignedInteger holding n: an Int if n fits in int64,
// a BigInt otherwise. n is not retained.
func NewInteger(n *big.Int) Value {
	if n.IsInt64() {
		return Int(n.Int64())
	}
	return BigInt{v: new(big.Int).Set(n)}
}

// Big returns the integer as a new *big.Int.
func (b BigInt) Big() *big.Int { return new(big.Int).Set(b.v) }

// Big returns the integer as a new *big.Int.
func (i Int) Big() *big.Int { return big.NewInt(int64(i)) }

// BigOf returns the value of an integer (Int or BigInt) as a *big.Int, and
// false for any other value.
func BigOf(v Value) (*big.Int, bool) {
	switch x := Unwrap(v).(type) {
	case Int:
		return x.Big(), true
	case BigInt:
		return x.Big(), true
	}
	return nil, false
}

// NewSet builds a set. It reports an error naming the first duplicate.
func NewSet(elems ...Value) (*Set, error) {
	return newSetOwned(slices.Clone(elems))
}

// newSetOwned is NewSet for a slice the caller gives up.
func newSetOwned(s []Value) (*Set, error) {
	if !slices.IsSortedFunc(s, Compare) {
		slices.SortFunc(s, Compare)
	}
	for i := 1; i < len(s); i++ {
		if Compare(s[i-1], s[i]) == 0 {
			return nil, fmt.Errorf("duplicate set element %s", Format(s[i]))
		}
	}
	return &Set{elems: s}, nil
}

// SetOf builds a set, silently dropping duplicates.
func SetOf(elems ...Value) *Set {
	s := slices.Clone(elems)
	slices.SortFunc(s, Compare)
	s = slices.CompactFunc(s, Equal)
	return &Set{elems: s}
}

// Len is the number of elements.
func (s *Set) Len() int { return len(s.elems) }

// Elements returns the elements in the Preserves order. The slice must not be
// modified.
func (s *Set) Elements() []Value { return s.elems }

// Contains reports whether v is an element.
func (s *Set) Contains(v Value) bool {
	_, ok := slices.BinarySearchFunc(s.elems, v, Compare)
	return ok
}

// NewDictionary builds a dictionary. It reports an error naming the first
// duplicate key.
func NewDictionary(entries ...DictEntry) (*Dictionary, error) {
	e := slices.Clone(entries)
	sortEntries(e)
	for i := 1; i < len(e); i++ {
		if Compare(e[i-1].Key, e[i].Key) == 0 {
			return nil, fmt.Errorf("duplicate dictionary key %s", Format(e[i].Key))
		}
	}
	return &Dictionary{entries: e}, nil
}

// DictionaryOf builds a dictionary from alternating keys and values; a later
// duplicate key replaces an earlier one. It panics on an odd argument count,
// which is a programming error.
func DictionaryOf(kvs ...Value) *Dictionary {
	if len(kvs)%2 != 0 {
		panic("lang.DictionaryOf: odd number of arguments")
	}
	e := make([]DictEntry, 0, len(kvs)/2)
	for i := 0; i < len(kvs); i += 2 {
		e = append(e, DictEntry{kvs[i], kvs[i+1]})
	}
	slices.SortStableFunc(e, func(a, b DictEntry) int { return Compare(a.Key, b.Key) })
	out := e[:0]
	for i, x := range e {
		if i+1 < len(e) && Compare(x.Key, e[i+1].Key) == 0 {
			continue
		}
		out = append(out, x)
	}
	return &Dictionary{entries: out}
}

// DictionaryOfEntries builds a dictionary from entries, keeping the slice
// when its keys are distinct and in order (the caller must not change it
// afterwards) — as the wire forms of patterns build theirs, keyed 0, 1, 2,
// ... Otherwise it is DictionaryOf of the entries: sorted in a copy, a
// later duplicate key replacing an earlier one.
func DictionaryOfEntries(entries []DictEntry) *Dictionary {
	for i := 1; i < len(entries); i++ {
		if Compare(entries[i-1].Key, entries[i].Key) >= 0 {
			kvs := make([]Value, 0, 2*len(entries))
			for _, e := range entries {
				kvs = append(kvs, e.Key, e.Value)
			}
			return DictionaryOf(kvs...)
		}
	}
	return &Dictionary{entries: entries}
}

// DictionaryOfEntriesIn is DictionaryOfEntries made in d's memory when the
// keys are distinct and in order, for callers that lay a dictionary out in
// an allocation of their own (the evaluator's wire patterns: a group, its
// entries and their dictionary in one). d must be new and not otherwise
// used; when the keys are out of order the result is a new dictionary.
func DictionaryOfEntriesIn(d *Dictionary, entries []DictEntry) *Dictionary {
	for i := 1; i < len(entries); i++ {
		if Compare(entries[i-1].Key, entries[i].Key) >= 0 {
			return DictionaryOfEntries(entries)
		}
	}
	d.entries = entries
	return d
}

func sortEntries(e []DictEntry) {
	if !slices.IsSortedFunc(e, func(a, b DictEntry) int { return Compare(a.Key, b.Key) }) {
		slices.SortFunc(e, func(a, b DictEntry) int { return Compare(a.Key, b.Key) })
	}
}

// Len is the number of entries.
func (d *Dictionary) Len() int { return len(d.entries) }

// Entries returns the entries sorted by key. The slice must not be modified.
func (d *Dictionary) Entries() []DictEntry { return d.entries }

// Get returns the value stored under key.
func (d *Dictionary) Get(key Value) (Value, bool) {
	i, ok := slices.BinarySearchFunc(d.entries, key, func(e DictEntry, k Value) int { return Compare(e.Key, k) })
	if !ok {
		return nil, false
	}
	return d.entries[i].Value, true
}

// Unwrap removes annotations from the outside of v (not from inside it).
func Unwrap(v Value) Value {
	for {
		a, ok := v.(*Annotated)
		if !ok {
			return v
		}
		v = a.Value
	}
}

// AnnotationsOf returns the annotations on the outside of v, outermost first,
// and the position of the outermost wrapper that has one.
func AnnotationsOf(v Value) ([]Value, Position) {
	var anns []Value
	var pos Position
	for {
		a, ok := v.(*Annotated)
		if !ok {
			return anns, pos
		}
		anns = append(anns, a.Annotations...)
		if !pos.IsValid() {
			pos = a.Pos
		}
		v = a.Value
	}
}

// PositionOf returns the source position of v, if it was read from text with
// positions kept.
func PositionOf(v Value) Position {
	_, p := AnnotationsOf(v)
	return p
}

// Strip removes every annotation from v, at every depth. Values without
// annotations are returned as they are, without copying.
func Strip(v Value) Value {
	v = Unwrap(v)
	switch x := v.(type) {
	case *Record:
		l := Strip(x.Label)
		fs, changed := stripAll(x.Fields)
		if !changed && sameValue(l, x.Label) {
			return x
		}
		return &Record{Label: l, Fields: fs}
	case Sequence:
		fs, changed := stripAll(x)
		if !changed {
			return x
		}
		return Sequence(fs)
	case *Set:
		fs, changed := stripAll(x.elems)
		if !changed {
			return x
		}
		return &Set{elems: fs}
	case *Dictionary:
		changed := false
		es := make([]DictEntry, len(x.entries))
		for i, e := range x.entries {
			k, val := Strip(e.Key), Strip(e.Value)
			changed = changed || !sameValue(k, e.Key) || !sameValue(val, e.Value)
			es[i] = DictEntry{k, val}
		}
		if !changed {
			return x
		}
		return &Dictionary{entries: es}
	case Embedded:
		if r, ok := x.Ref.(Value); ok {
			s := Strip(r)
			if !sameValue(s, r) {
				return Embedded{Ref: s}
			}
		}
	}
	return v
}

func stripAll(vs []Value) ([]Value, bool) {
	var out []Value
	for i, v := range vs {
		s := Strip(v)
		if out == nil && !sameValue(s, v) {
			out = make([]Value, len(vs))
			copy(out, vs[:i])
		}
		if out != nil {
			out[i] = s
		}
	}
	if out == nil {
		return vs, false
	}
	return out, true
}

// sameValue reports whether a and b are the same Go object (pointer identity
// for compound values); it never compares slices element-wise.
func sameValue(a, b Value) bool {
	switch x := a.(type) {
	case *Record:
		y, ok := b.(*Record)
		return ok && x == y
	case *Set:
		y, ok := b.(*Set)
		return ok && x == y
	case *Dictionary:
		y, ok := b.(*Dictionary)
		return ok && x == y
	case *Annotated:
		y, ok := b.(*Annotated)
		return ok && x == y
	case Sequence:
		y, ok := b.(Sequence)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	case Embedded:
		y, ok := b.(Embedded)
		if !ok {
			return false
		}
		if xv, ok := x.Ref.(Value); ok {
			yv, ok := y.Ref.(Value)
			return ok && sameValue(xv, yv)
		}
		return sameRef(x.Ref, y.Ref)
	}
	return a == b
}
