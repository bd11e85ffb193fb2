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
// gathered into a compound when it closes; the compounds, their children,
// boxed atoms and the bytes of strings are carved out of an arena of chunks
// sized to the input (see SizeHint and arena.go), which the garbage
// collector does not scan, and recently seen short strings and symbols are
// reused, so that reading costs few allocations (about one per 16 KB of
// values on large inputs, in proportion to the input on small ones) and
// little collector work.
//
// A value built this way shares its chunks with its neighbours: holding any
// part keeps the chunks built before it since the last Reset alive, as a
// substring keeps its string. A Builder may be reused for any number of
// inputs; values it built earlier are never changed, and must not be
// changed by anyone.
type Builder struct {
	// stack holds the children of the compounds being read. It is
	// allocated without pointers and written without barriers: what it
	// holds is in the arena or kept by it (see Push).
	stack [][2]uintptr // the two words of each Value
	mem   arena
	atoms *[atomSlots]atomEntry
	gen   uint64 // the generation of the atom cache (Resets, modulo 1<<24), shifted to its place in a tag
	// made holds the data words of values recently handed out by the
	// exported methods, which Push (and the other methods taking values)
	// need not check.
	// They are addresses, not pointers: the values are kept by the arena
	// until Reset, which forgets them, and the collector need not see them
	// (nor the write barriers of a pointer array).
	made [madeSlots]uintptr
}

const (
	atomBits  = 9
	atomSlots = 1 << atomBits
	madeBits  = 6
	madeSlots = 1 << madeBits
)

type atomEntry struct {
	w0, w1, tag uint64         // see atomSlot
	p           unsafe.Pointer // the text's string header, in the arena
}

// Reset forgets the builder's chunks and cached atoms (values built before
// keep them), so that a builder reused for a new input holds on to nothing
// of the old one and sizes its chunks to the new one.
func (b *Builder) Reset() {
	b.stack = b.stack[:0]
	b.mem.reset()
	// Moving to a new generation forgets every cached atom; when the
	// generation wraps, the entries of the old generation 0 are cleared.
	if b.gen = (b.gen + 1<<genShift) % (1 << 24 << genShift); b.gen == 0 && b.atoms != nil {
		clear(unsafe.Slice((*uint64)(unsafe.Pointer(b.atoms)), unsafe.Sizeof(*b.atoms)/8)) // no barriers: see arena.go
	}
	clear(b.made[:])
}

// SizeHint tells the builder how many bytes of input remain to be read, so
// that its chunks fit: small messages allocate little, and large inputs few
// times. Readers call it as they go.
func (b *Builder) SizeHint(n int) { b.mem.hint = n }

// OneValue tells the builder that, until its next Reset, it reads a single
// value from the whole input given to SizeHint (as lang.Decode and
// parser.Parse do), so that a large value may take one large chunk, which
// the runtime's page heap reuses whole from one input to the next, rather
// than many of the size a stream of values keeps to.
func (b *Builder) OneValue() { b.mem.whole = true }

// handOut records that v was made by the builder, and returns it.
func (b *Builder) handOut(v Value) Value {
	p := dataWord(v)
	b.made[madeSlot(p)] = uintptr(p)
	return v
}

func madeSlot(p unsafe.Pointer) uintptr {
	return (uintptr(p) >> 3 * 0x9E3779B97F4A7C15) >> (64 - madeBits)
}

// hold makes the arena keep what v points to, unless v is known to be
// kept already: a value the builder made recently, one in the current
// chunk, or a Boolean (whose boxes are static).
func (b *Builder) hold(v Value) {
	w := (*ifaceWords)(unsafe.Pointer(&v))
	p := w.data
	if p == nil || b.mem.owns(p) || w.tab == tabBool || b.made[madeSlot(p)] == uintptr(p) {
		return
	}
	b.mem.keep(p)
}

// extern is v, a heap value the builder made outside its arena, kept by the
// arena.
func (b *Builder) extern(v Value) Value {
	b.mem.keep(dataWord(v))
	return v
}

// Mark returns the stack height, to be passed to the method that closes the
// compound whose children are pushed next.
func (b *Builder) Mark() int { return len(b.stack) }

// Push adds a child to the compound being built.
func (b *Builder) Push(v Value) {
	b.hold(v)
	b.push(v)
}

// push is Push for a value the builder made.
func (b *Builder) push(v Value) {
	// Word by word: one 16-byte load of v's two 8-byte words just stored
	// would wait for the stores (no store-to-load forwarding).
	if len(b.stack) == cap(b.stack) {
		b.growStack()
	}
	n := len(b.stack)
	b.stack = b.stack[:n+1]
	e := (*[2]uintptr)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b.stack)), n*16))
	w := (*[2]uintptr)(unsafe.Pointer(&v))
	e[0], e[1] = w[0], w[1]
}

func (b *Builder) growStack() { b.stack = slices.Grow(b.stack, 1) }

// items are the values pushed since mark.
func (b *Builder) items(mark int) []Value {
	s := b.stack[mark:]
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*Value)(unsafe.Pointer(&s[0])), len(s))
}

// Drop abandons the children pushed since mark.
func (b *Builder) Drop(mark int) { b.stack = b.stack[:mark] }

// pop removes the children pushed since mark.
func (b *Builder) pop(mark int) { b.stack = b.stack[:mark] }

// withItems allocates a header of hdr bytes followed by a copy of items,
// and returns the header and the copy.
func (b *Builder) withItems(hdr int, items []Value) (unsafe.Pointer, []Value) {
	size := hdr + len(items)*int(unsafe.Sizeof(Value(nil)))
	if size > maxAlloc {
		return b.mem.alloc(hdr), b.bigItems(items)
	}
	p := b.mem.alloc(size)
	if len(items) == 0 {
		return p, nil
	}
	q := unsafe.Add(p, hdr)
	copyValues(q, items)
	return p, unsafe.Slice((*Value)(q), len(items))
}

// bigItems copies the items of a compound too large for a chunk into a
// chunk of their own, or, over maxBig, onto the heap (kept by the arena).
func (b *Builder) bigItems(items []Value) []Value {
	q := b.mem.allocBig(len(items) * int(unsafe.Sizeof(Value(nil))))
	if q == nil {
		out := slices.Clone(items)
		b.mem.keep(unsafe.Pointer(unsafe.SliceData(out)))
		return out
	}
	copyValues(q, items)
	return unsafe.Slice((*Value)(q), len(items))
}

// Sequence closes a sequence of the children pushed since mark.
func (b *Builder) Sequence(mark int) Value {
	v := b.sequenceOf(b.items(mark))
	b.pop(mark)
	return b.handOut(v)
}

func (b *Builder) sequenceOf(items []Value) Value {
	if len(items) == 0 {
		return emptySequence
	}
	const hdr = int(unsafe.Sizeof(Sequence(nil)))
	n := len(items)
	if hdr+n*int(unsafe.Sizeof(Value(nil))) > maxAlloc {
		p, s := b.withItems(hdr, items)
		store(p, &s)
		return boxAt(tabSequence, (*Sequence)(p))
	}
	// The header's words, then the items', written as words: the arena is
	// not scanned (see arena.go).
	p := b.mem.alloc(hdr + n*int(unsafe.Sizeof(Value(nil))))
	w := unsafe.Slice((*[2]uintptr)(unsafe.Pointer(&items[0])), n)
	f := unsafe.Slice((*[2]uintptr)(unsafe.Add(p, hdr)), n)
	copyWords(f, w)
	h := (*[3]uintptr)(p)
	h[0], h[1], h[2] = uintptr(unsafe.Pointer(&f[0])), uintptr(n), uintptr(n)
	return boxAt(tabSequence, (*Sequence)(p))
}

var emptySequence Value = Sequence{}

// Record closes a record: the first child pushed since mark is the label.
func (b *Builder) Record(mark int) (*Record, error) {
	r, err := b.recordOf(b.items(mark))
	b.pop(mark)
	if err == nil {
		b.handOut(r)
	}
	return r, err
}

// noFields backs the (empty, not nil) fields of records without fields.
var noFields [1]Value

func (b *Builder) recordOf(items []Value) (*Record, error) {
	n := len(items)
	if n == 0 {
		return nil, errors.New("record has no label")
	}
	const hdr = int(unsafe.Sizeof(Record{}))
	if hdr+(n-1)*int(unsafe.Sizeof(Value(nil))) > maxAlloc {
		p, fields := b.withItems(hdr, items[1:])
		r := Record{Label: items[0], Fields: fields}
		store(p, &r)
		return (*Record)(p), nil
	}
	// The header's words, then the fields', written as words: the arena
	// is not scanned (see arena.go).
	p := b.mem.alloc(hdr + (n-1)*int(unsafe.Sizeof(Value(nil))))
	w := unsafe.Slice((*[2]uintptr)(unsafe.Pointer(&items[0])), n)
	h := (*[5]uintptr)(p)
	h[0], h[1] = w[0][0], w[0][1]
	if n == 1 {
		h[2] = uintptr(unsafe.Pointer(&noFields))
		return (*Record)(p), nil
	}
	f := unsafe.Slice((*[2]uintptr)(unsafe.Add(p, hdr)), n-1)
	copyWords(f, w[1:])
	h[2], h[3], h[4] = uintptr(unsafe.Pointer(&f[0])), uintptr(n-1), uintptr(n-1)
	return (*Record)(p), nil
}

// Set closes a set; duplicates are an error.
func (b *Builder) Set(mark int) (*Set, error) {
	s, err := b.setOf(b.items(mark))
	b.pop(mark)
	if err == nil {
		b.handOut(s)
	}
	return s, err
}

func (b *Builder) setOf(items []Value) (*Set, error) {
	p, elems := b.withItems(int(unsafe.Sizeof(Set{})), items)
	for i := 1; i < len(elems); i++ { // most input is in order: check it is
		if Compare(elems[i-1], elems[i]) >= 0 {
			if err := sortUnique(elems, Compare, "set element", func(v Value) Value { return v }); err != nil {
				return nil, err
			}
			break
		}
	}
	store(p, &elems)
	return (*Set)(p), nil
}

// Dictionary closes a dictionary of alternating keys and values; duplicate
// keys are an error.
func (b *Builder) Dictionary(mark int) (*Dictionary, error) {
	d, err := b.dictionaryOf(b.items(mark))
	b.pop(mark)
	if err == nil {
		b.handOut(d)
	}
	return d, err
}

func (b *Builder) dictionaryOf(items []Value) (*Dictionary, error) {
	if len(items)%2 != 0 {
		return nil, errors.New("dictionary has a key without a value")
	}
	// A DictEntry is laid out as two values, key then value.
	p, kvs := b.withItems(int(unsafe.Sizeof(Dictionary{})), items)
	entries := unsafe.Slice((*DictEntry)(unsafe.Pointer(unsafe.SliceData(kvs))), len(kvs)/2)
	for i := 1; i < len(entries); i++ { // most input is in order: check it is
		if compareKeys(entries[i-1], entries[i]) >= 0 {
			if err := sortUnique(entries, compareKeys, "dictionary key", func(e DictEntry) Value { return e.Key }); err != nil {
				return nil, err
			}
			break
		}
	}
	if len(entries) > 0 {
		store(p, &entries)
	}
	return (*Dictionary)(p), nil
}

// compareKeys orders dictionary entries by key, symbols (the commonest
// keys) without the general comparison's dispatch.
func compareKeys(a, b DictEntry) int {
	if typeWord(a.Key) == tabSymbol && typeWord(b.Key) == tabSymbol {
		return strings.Compare(*(*string)(dataWord(a.Key)), *(*string)(dataWord(b.Key)))
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
func (b *Builder) Symbol(s string) Value { return b.handOut(b.atom(KindSymbol, s)) }

// String returns s as a String, reusing the boxed value of a recent equal one.
func (b *Builder) String(s string) Value { return b.handOut(b.atom(KindString, s)) }

// ByteString returns s as a ByteString.
func (b *Builder) ByteString(s string) Value {
	if s == "" {
		return ByteString("")
	}
	return b.handOut(b.text(KindByteString, b.holdText(s)))
}

// Int returns n as an Int.
func (b *Builder) Int(n int64) Value { return b.handOut(b.int(n)) }

func (b *Builder) int(n int64) Value {
	if n >= -128 && n < 1024 {
		return boxAt(tabInt, &smallInts[n+128])
	}
	p := (*Int)(b.mem.alloc(8))
	*p = Int(n)
	return boxAt(tabInt, p)
}

// intBytes is the Int of raw, at most 8 big-endian two's complement bytes.
func (b *Builder) intBytes(raw []byte) Value {
	if len(raw) == 1 { // the commonest: -128..127
		return boxAt(tabInt, &smallInts[int(int8(raw[0]))+128])
	}
	return b.int(smallInt(raw))
}

// Double returns f as a Double.
func (b *Builder) Double(f float64) Value { return b.handOut(b.double(f)) }

func (b *Builder) double(f float64) Value {
	p := (*Double)(b.mem.alloc(8))
	*p = Double(f)
	return boxAt(tabDouble, p)
}

// Embedded returns an Embedded holding the plain value v.
func (b *Builder) Embedded(v Value) Value {
	b.hold(v)
	return b.handOut(b.embedded(v))
}

func (b *Builder) embedded(v Value) Value {
	p := b.mem.alloc(int(unsafe.Sizeof(Embedded{})))
	e := Embedded{Ref: v}
	store(p, &e)
	return boxAt(tabEmbedded, (*Embedded)(p))
}

// textTabs are the type words of the text kinds, by Kind.
var textTabs = [...]unsafe.Pointer{KindString: tabString, KindByteString: tabByteString, KindSymbol: tabSymbol}

// text boxes s, whose bytes the arena keeps, as a String, Symbol or
// ByteString.
func (b *Builder) text(k Kind, s string) Value {
	p := b.mem.alloc(int(unsafe.Sizeof("")))
	store(p, &s)
	return boxAt(textTabs[k], (*string)(p))
}

// newText copies raw into the arena behind a string header for it, in one
// allocation, and returns the header: the data word of the text's value.
func (b *Builder) newText(raw []byte) unsafe.Pointer {
	n := len(raw)
	if n > maxAlloc/4 {
		s := b.keep(raw)
		p := b.mem.alloc(int(unsafe.Sizeof("")))
		store(p, &s)
		return p
	}
	p := b.mem.alloc(int(unsafe.Sizeof("")) + roundUp8(n))
	q := (*byte)(unsafe.Add(p, unsafe.Sizeof("")))
	copy(unsafe.Slice(q, n), raw)
	s := unsafe.String(q, n)
	store(p, &s)
	return p
}

// holdText returns s with bytes the arena keeps: a copy in the arena, or s
// itself, kept, if it is long.
func (b *Builder) holdText(s string) string {
	if len(s) > maxAlloc/4 {
		b.mem.keep(unsafe.Pointer(unsafe.StringData(s)))
		return s
	}
	return b.keep(unsafe.Slice(unsafe.StringData(s), len(s)))
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
	raw := unsafe.Slice(unsafe.StringData(s), len(s))
	if k == KindByteString {
		return b.handOut(b.byteString(raw))
	}
	v, _ := b.textAtom(k, raw, false)
	return b.handOut(v)
}

// byteString is the ByteString of a copy of raw.
func (b *Builder) byteString(raw []byte) Value {
	if len(raw) == 0 {
		return ByteString("")
	}
	return boxAt(tabByteString, (*ByteString)(b.newText(raw)))
}

// textAtom is the String or Symbol (k) of a copy of raw, or a recent equal
// atom. If check is set, the text is checked to be UTF-8: ok is false if it
// is not (a reused atom was checked when first seen).
func (b *Builder) textAtom(k Kind, raw []byte, check bool) (v Value, ok bool) {
	n := len(raw)
	if n == 0 {
		return makeAtom(k, ""), true
	}
	if n > maxCached {
		if check && !utf8.Valid(raw) {
			return nil, false
		}
		return boxAt(textTabs[k], (*string)(b.newText(raw))), true
	}
	w0, w1 := atomWords(raw)
	tag := uint64(n) | uint64(k)<<16 | b.gen
	e := b.atomSlot(w0, w1, tag)
	if e.tag == tag && e.w0 == w0 && e.w1 == w1 && (n <= 16 || *(*string)(e.p) == unsafe.String(&raw[0], n)) {
		return boxAt(textTabs[k], (*string)(e.p)), true
	}
	return b.cacheText(e, w0, w1, tag, k, raw, check && (n > 16 || (w0|w1)&hiBits != 0))
}

// cacheText is the String or Symbol (k) of a copy of raw, which it caches
// in e (w0, w1 and tag as atomSlot has them). If check is set, the text is
// checked to be UTF-8: ok is false if it is not.
func (b *Builder) cacheText(e *atomEntry, w0, w1, tag uint64, k Kind, raw []byte, check bool) (v Value, ok bool) {
	if check && !utf8.Valid(raw) {
		return nil, false
	}
	p := b.newText(raw)
	store(unsafe.Pointer(e), &atomEntry{w0, w1, tag, p})
	return boxAt(textTabs[k], (*string)(p)), true
}

// hiBits has the high bit of every byte: a word of ASCII text has none.
const hiBits = 0x8080808080808080

// keep copies raw into the arena (or, if it is long, the heap, kept by the
// arena) and returns it as a string. The bytes are never written again.
func (b *Builder) keep(raw []byte) string {
	if len(raw) > maxAlloc/4 {
		s := string(raw)
		b.mem.keep(unsafe.Pointer(unsafe.StringData(s)))
		return s
	}
	dst := unsafe.Slice((*byte)(b.mem.alloc(roundUp8(len(raw)))), len(raw))
	copy(dst, raw)
	return unsafe.String(&dst[0], len(dst))
}

// atom is String or Symbol (k) of s, which the caller keeps unchanged.
func (b *Builder) atom(k Kind, s string) Value {
	if len(s) > maxCached {
		return b.text(k, b.holdText(s))
	}
	v, _ := b.textAtom(k, unsafe.Slice(unsafe.StringData(s), len(s)), false)
	return v
}

// maxCached is the longest text the atom cache holds.
const maxCached = 32

// genShift is where the generation sits in an atom's tag.
const genShift = 24

// The atom cache: a text of n bytes (1 to maxCached) of kind k is cached
// in the slot atomSlot picks, as an entry with:
//
//   - w0 and w1: for a text of up to 16 bytes, its bytes in little-endian
//     order, zero-padded (the first 8 in w0), which with its length
//     determine it; for a longer text, its first and its last 8 bytes;
//   - tag: n | k<<16 | the builder's generation (since Reset) << genShift.
//
// An entry matches a text if w0, w1 and tag are equal and, for a text over
// 16 bytes, its text.

// atomWords returns w0 and w1 for s.
func atomWords(s []byte) (w0, w1 uint64) {
	le := binary.LittleEndian
	switch n := len(s); {
	case n > 16:
		return le.Uint64(s), le.Uint64(s[n-8:])
	case n > 8:
		return le.Uint64(s), le.Uint64(s[n-8:]) >> (8 * (16 - n))
	case n == 8:
		return le.Uint64(s), 0
	case n >= 4:
		return uint64(le.Uint32(s)) | uint64(le.Uint32(s[n-4:])>>(8*(8-n)))<<32, 0
	}
	for i := len(s) - 1; i >= 0; i-- {
		w0 = w0<<8 | uint64(s[i])
	}
	return w0, 0
}

// loMask and hiMask, by length n up to 16, keep the bytes of a text of n
// bytes in words loaded from its first byte and from 8 bytes on.
var loMask, hiMask = func() (lo, hi [17]uint64) {
	for n := range lo {
		lo[n] = ^uint64(0) >> (64 - 8*min(n, 8))
		hi[n] = ^uint64(0) >> (64 - 8*max(n-8, 0))
	}
	return
}()

// atomSlot returns the cache slot for the text of w0, w1 and tag.
func (b *Builder) atomSlot(w0, w1, tag uint64) *atomEntry {
	return &b.atomTable()[atomHash(w0, w1, tag)]
}

// atomHash is the slot of w0, w1 and tag (whose generation it ignores).
func atomHash(w0, w1, tag uint64) uint64 {
	return (w0 ^ bits.RotateLeft64(w1, 29) ^ tag<<(64-genShift)) * 0x9E3779B97F4A7C15 >> (64 - atomBits)
}

// atomTable is the atom cache, allocated on first use.
func (b *Builder) atomTable() *[atomSlots]atomEntry {
	if b.atoms == nil {
		// The cache holds only values in the arena, and entries of
		// earlier generations (since Reset) never match: the collector
		// need not scan it.
		b.atoms = (*[atomSlots]atomEntry)(unsafe.Pointer(new([atomSlots * unsafe.Sizeof(atomEntry{}) / 8]uint64)))
	}
	return b.atoms
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
	b.hold(v)
	a := b.annotated(anns, v, pos)
	b.handOut(a)
	return a
}

// annotated is Annotated for a value the builder made; anns (a heap slice,
// which the collector scans) is kept by the arena.
func (b *Builder) annotated(anns []Value, v Value, pos Position) *Annotated {
	b.mem.keep(unsafe.Pointer(unsafe.SliceData(anns)))
	b.mem.keep(unsafe.Pointer(unsafe.StringData(pos.File)))
	p := b.mem.alloc(int(unsafe.Sizeof(Annotated{})))
	a := Annotated{Annotations: anns, Value: v, Pos: pos}
	store(p, &a)
	return (*Annotated)(p)
}
