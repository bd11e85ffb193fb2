package lang

import "unsafe"

// Boxing atoms without an allocation each.
//
// Converting an Int, Double, String, Symbol, ByteString, Sequence or Embedded
// to a Value makes Go allocate a small heap object for the data (only tiny
// integers and zero values are exempt): half of a decoder's allocations. The
// readers instead keep such data in their arena (arena.go) and make the
// interface value point into it. An interface value is a pair (type word,
// data pointer); for a type that is not pointer-shaped, the data pointer
// points at an immutable copy of the value, which is exactly what an arena
// slot is once written.
//
// Only the types listed below go through here; none is pointer-shaped (each
// is wider than a pointer or holds no pointer), which TestBoxedAtoms checks.

type ifaceWords struct {
	tab  unsafe.Pointer
	data unsafe.Pointer
}

func typeWord(v Value) unsafe.Pointer { return (*ifaceWords)(unsafe.Pointer(&v)).tab }

// dataWord is the data pointer of v: the object itself for the
// pointer-shaped types (*Record, *Set, *Dictionary, *Annotated, BigInt),
// the boxed copy for the others.
func dataWord(v Value) unsafe.Pointer { return (*ifaceWords)(unsafe.Pointer(&v)).data }

var (
	tabBool       = typeWord(Bool(false))
	tabInt        = typeWord(Int(0))
	tabDouble     = typeWord(Double(0))
	tabString     = typeWord(String(""))
	tabSymbol     = typeWord(Symbol(""))
	tabByteString = typeWord(ByteString(""))
	tabSequence   = typeWord(Sequence(nil))
	tabEmbedded   = typeWord(Embedded{})
)

// boxAt returns the Value of type word tab whose data is *p. *p must never
// change afterwards, and tab must be the type word of *p's type.
func boxAt[T any](tab unsafe.Pointer, p *T) Value {
	var v Value
	w := (*ifaceWords)(unsafe.Pointer(&v))
	w.tab = tab
	w.data = unsafe.Pointer(p)
	return v
}

// smallInts holds the integers -128..1023, which every reader boxes by
// pointing into it: static memory, which costs the collector nothing.
var smallInts = func() (t [1152]Int) {
	for i := range t {
		t[i] = Int(i - 128)
	}
	return
}()
