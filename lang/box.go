package lang

import "unsafe"

// Boxing atoms without an allocation each.
//
// Converting an Int, Double, String, Symbol, ByteString, Sequence or Embedded
// to a Value makes Go allocate a small heap object for the data (only tiny
// integers and zero values are exempt): half of a decoder's allocations. The
// readers instead keep such data in chunks (slabs) and make the interface
// value point into a chunk. An interface value is a pair (type word, data
// pointer); for a type that is not pointer-shaped, the data pointer points at
// an immutable copy of the value, which is exactly what a slab element is
// once written. The garbage collector follows interior pointers, so a boxed
// value keeps its chunk alive as a substring keeps its string.
//
// Only the types listed below go through here; none is pointer-shaped (each
// is wider than a pointer or holds no pointer), which TestBoxedAtoms checks.

type ifaceWords struct {
	tab  unsafe.Pointer
	data unsafe.Pointer
}

func typeWord(v Value) unsafe.Pointer { return (*ifaceWords)(unsafe.Pointer(&v)).tab }

var (
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

// boxes holds the slabs atoms are boxed into.
type boxes struct {
	ints    slab[Int]
	doubles slab[Double]
	strs    slab[String] // strings, symbols and byte strings share it
	seqs    slab[Sequence]
	embeds  slab[Embedded]
}

func (bx *boxes) reset() { *bx = boxes{} }

// smallInts are the boxed integers -128..1023, shared by every reader.
var smallInts = func() (t [1152]Value) {
	for i := range t {
		t[i] = Int(i - 128)
	}
	return
}()

func (bx *boxes) int(n int64, hint int) Value {
	if n >= -128 && n < 1024 {
		return smallInts[n+128]
	}
	p := &bx.ints.take(1, hint/64)[0]
	*p = Int(n)
	return boxAt(tabInt, p)
}

func (bx *boxes) double(f float64, hint int) Value {
	p := &bx.doubles.take(1, hint/64)[0]
	*p = Double(f)
	return boxAt(tabDouble, p)
}

// text boxes s as a String, Symbol or ByteString.
func (bx *boxes) text(k Kind, s string, hint int) Value {
	p := &bx.strs.take(1, hint/32)[0]
	*p = String(s)
	switch k {
	case KindSymbol:
		return boxAt(tabSymbol, (*Symbol)(unsafe.Pointer(p)))
	case KindByteString:
		return boxAt(tabByteString, (*ByteString)(unsafe.Pointer(p)))
	}
	return boxAt(tabString, p)
}

func (bx *boxes) sequence(s []Value, hint int) Value {
	p := &bx.seqs.take(1, hint/256)[0]
	*p = s
	return boxAt(tabSequence, p)
}

func (bx *boxes) embedded(v Value, hint int) Value {
	p := &bx.embeds.take(1, hint/256)[0]
	p.Ref = v
	return boxAt(tabEmbedded, p)
}
