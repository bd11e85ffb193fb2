package lang

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"sync"
)

// Binary tags of the Preserves binary syntax.
const (
	TagFalse      = 0x80
	TagTrue       = 0x81
	TagEnd        = 0x84
	TagAnnotation = 0x85
	TagEmbedded   = 0x86
	TagIEEE754    = 0x87
	TagInteger    = 0xB0
	TagString     = 0xB1
	TagByteString = 0xB2
	TagSymbol     = 0xB3
	TagRecord     = 0xB4
	TagSequence   = 0xB5
	TagSet        = 0xB6
	TagDictionary = 0xB7
)

// tagHostRef is not a Preserves tag: Key uses it, after TagEmbedded, for host
// references, which have no wire form.
const tagHostRef = 0x8F

// DefaultMaxDepth is how deeply values may nest before the readers refuse
// them, so that hostile input cannot exhaust the stack.
const DefaultMaxDepth = 10000

// Encoder writes values in the binary syntax.
type Encoder struct {
	// Canonical sorts set elements and dictionary entries by the bytes of
	// their canonical encoding and drops annotations.
	Canonical bool
	// Annotations keeps annotations (ignored when Canonical is set).
	Annotations bool
	// Embedded, if set, turns a host reference into the value to write after
	// the 86 tag. Without it, a host reference cannot be encoded, unless it
	// implements Describer.
	Embedded func(ref any) (Value, error)

	keyMode bool
}

// Encode returns the binary encoding of v, without annotations, with sets and
// dictionaries in the order they are held.
func Encode(v Value) ([]byte, error) { return (&Encoder{}).Append(nil, v) }

// EncodeCanonical returns the canonical binary encoding of v: equal values
// have byte-identical canonical encodings.
func EncodeCanonical(v Value) ([]byte, error) { return (&Encoder{Canonical: true}).Append(nil, v) }

// EncodeAnnotated returns the binary encoding of v with its annotations.
func EncodeAnnotated(v Value) ([]byte, error) { return (&Encoder{Annotations: true}).Append(nil, v) }

// Key returns a string that is equal for two values exactly when the values
// are Equal, for use as a Go map key. It is the canonical encoding, except
// that host references are written by their EmbeddedID.
func Key(v Value) string {
	switch x := v.(type) { // fast paths for the commonest map keys
	case Symbol:
		return keyAtom(TagSymbol, string(x))
	case String:
		return keyAtom(TagString, string(x))
	}
	b, err := (&Encoder{Canonical: true, keyMode: true}).Append(make([]byte, 0, 32), v)
	if err != nil { // keyMode never fails; keep the key total all the same
		return "\x00" + err.Error()
	}
	return string(b)
}

func keyAtom(tag byte, s string) string {
	var hdr [11]byte
	hdr[0] = tag
	n := 1 + binary.PutUvarint(hdr[1:], uint64(len(s)))
	b := make([]byte, 0, n+len(s))
	b = append(b, hdr[:n]...)
	b = append(b, s...)
	return string(b)
}

// Append appends the encoding of v to dst.
func (e *Encoder) Append(dst []byte, v Value) ([]byte, error) {
	switch x := v.(type) {
	case *Annotated:
		if e.Annotations && !e.Canonical {
			for _, a := range x.Annotations {
				dst = append(dst, TagAnnotation)
				var err error
				if dst, err = e.Append(dst, a); err != nil {
					return dst, err
				}
			}
		}
		return e.Append(dst, x.Value)
	case Bool:
		if x {
			return append(dst, TagTrue), nil
		}
		return append(dst, TagFalse), nil
	case Double:
		dst = append(dst, TagIEEE754, 8)
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(float64(x))), nil
	case Int:
		return appendInt64(dst, int64(x)), nil
	case BigInt:
		b := twosComplement(x.v)
		dst = append(dst, TagInteger)
		dst = binary.AppendUvarint(dst, uint64(len(b)))
		return append(dst, b...), nil
	case String:
		return appendAtom(dst, TagString, string(x)), nil
	case ByteString:
		return appendAtom(dst, TagByteString, string(x)), nil
	case Symbol:
		return appendAtom(dst, TagSymbol, string(x)), nil
	case *Record:
		dst = append(dst, TagRecord)
		var err error
		if dst, err = e.Append(dst, x.Label); err != nil {
			return dst, err
		}
		return e.appendItems(dst, x.Fields)
	case Sequence:
		dst = append(dst, TagSequence)
		return e.appendItems(dst, x)
	case *Set:
		dst = append(dst, TagSet)
		if e.Canonical {
			return e.appendSorted(dst, x.elems, 1)
		}
		return e.appendItems(dst, x.elems)
	case *Dictionary:
		dst = append(dst, TagDictionary)
		if e.Canonical {
			kv := make([]Value, 0, 2*len(x.entries))
			for _, en := range x.entries {
				kv = append(kv, en.Key, en.Value)
			}
			return e.appendSorted(dst, kv, 2)
		}
		for _, en := range x.entries {
			var err error
			if dst, err = e.Append(dst, en.Key); err != nil {
				return dst, err
			}
			if dst, err = e.Append(dst, en.Value); err != nil {
				return dst, err
			}
		}
		return append(dst, TagEnd), nil
	case Embedded:
		return e.appendEmbedded(dst, x)
	case nil:
		return dst, fmt.Errorf("cannot encode a nil value")
	}
	return dst, fmt.Errorf("cannot encode %T", v)
}

func (e *Encoder) appendEmbedded(dst []byte, x Embedded) ([]byte, error) {
	dst = append(dst, TagEmbedded)
	if r, ok := x.Ref.(Value); ok {
		return e.Append(dst, r)
	}
	if e.keyMode {
		if id, ok := x.Ref.(Identity); ok {
			dst = append(dst, tagHostRef)
			return binary.AppendUvarint(dst, id.EmbeddedID()), nil
		}
		dst = append(dst, tagHostRef+1)
		return appendAtom(dst, TagString, opaqueRefText(x.Ref)), nil
	}
	if e.Embedded != nil {
		r, err := e.Embedded(x.Ref)
		if err != nil {
			return dst, err
		}
		return e.Append(dst, r)
	}
	if d, ok := x.Ref.(Describer); ok {
		return e.Append(dst, d.Describe())
	}
	return dst, fmt.Errorf("cannot encode embedded host reference %T", x.Ref)
}

func (e *Encoder) appendItems(dst []byte, vs []Value) ([]byte, error) {
	var err error
	for _, v := range vs {
		if dst, err = e.Append(dst, v); err != nil {
			return dst, err
		}
	}
	return append(dst, TagEnd), nil
}

// appendSorted writes groups of `width` values (1 for sets, 2 for
// dictionaries) sorted by the bytes of the first value's encoding.
func (e *Encoder) appendSorted(dst []byte, vs []Value, width int) ([]byte, error) {
	type item struct{ key, all []byte }
	items := make([]item, 0, len(vs)/width)
	var scratch []byte
	for i := 0; i < len(vs); i += width {
		start := len(scratch)
		var err error
		if scratch, err = e.Append(scratch, vs[i]); err != nil {
			return dst, err
		}
		keyEnd := len(scratch)
		for j := 1; j < width; j++ {
			if scratch, err = e.Append(scratch, vs[i+j]); err != nil {
				return dst, err
			}
		}
		items = append(items, item{scratch[start:keyEnd:keyEnd], scratch[start:len(scratch):len(scratch)]})
	}
	slices.SortFunc(items, func(a, b item) int { return bytes.Compare(a.key, b.key) })
	for _, it := range items {
		dst = append(dst, it.all...)
	}
	return append(dst, TagEnd), nil
}

func appendAtom(dst []byte, tag byte, s string) []byte {
	dst = append(dst, tag)
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendInt64(dst []byte, n int64) []byte {
	if n == 0 {
		return append(dst, TagInteger, 0)
	}
	size := 8
	for size > 1 {
		shift := uint(size-1) * 8
		if n>>(shift-1) == 0 || n>>(shift-1) == -1 { // fits in size-1 bytes
			size--
			continue
		}
		break
	}
	dst = append(dst, TagInteger, byte(size))
	for i := size - 1; i >= 0; i-- {
		dst = append(dst, byte(n>>(uint(i)*8)))
	}
	return dst
}

// twosComplement returns the shortest big-endian two's complement bytes of n.
func twosComplement(n *big.Int) []byte {
	if n.Sign() >= 0 {
		b := n.Bytes()
		if len(b) > 0 && b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// -n-1 has the complement bits of n.
	m := new(big.Int).Neg(n)
	m.Sub(m, big.NewInt(1))
	b := m.Bytes()
	for i := range b {
		b[i] = ^b[i]
	}
	if len(b) == 0 || b[0]&0x80 == 0 {
		b = append([]byte{0xFF}, b...)
	}
	return b
}

// Decoder reads values in the binary syntax from a byte slice.
type Decoder struct {
	// File names the input in error messages.
	File string
	// KeepAnnotations keeps annotations as *Annotated wrappers; otherwise they
	// are checked and dropped.
	KeepAnnotations bool
	// MaxDepth limits nesting; 0 means DefaultMaxDepth.
	MaxDepth int

	buf   []byte
	pos   int
	base  int // where buf starts in a stream, for positions
	since int // input bytes decoded since the builder was last reset
	build Builder
}

// NewDecoder returns a decoder reading the values in buf. The values it
// returns share no memory with buf, which the caller may reuse at once.
func NewDecoder(buf []byte) *Decoder {
	d := &Decoder{}
	d.Reset(buf)
	return d
}

// Reset makes the decoder read buf from its start (keeping its File,
// KeepAnnotations and MaxDepth): a connection can decode every packet with
// one decoder, allocating in proportion to each packet. Values decoded
// before are not affected, and the decoder holds on to none of them.
func (d *Decoder) Reset(buf []byte) {
	d.buf, d.pos, d.since = buf, 0, 0
	d.build.Reset()
	d.build.SizeHint(len(buf))
}

// decoders are reused by Decode, so that decoding a small message allocates
// in proportion to it rather than a decoder's worth of chunks and caches.
var decoders = sync.Pool{New: func() any { return new(Decoder) }}

// Decode reads exactly one value from buf, annotations dropped.
func Decode(buf []byte) (Value, error) {
	d := decoders.Get().(*Decoder)
	d.Reset(buf)
	d.build.OneValue()
	v, err := d.Next()
	switch {
	case err == io.EOF:
		v, err = nil, d.errorf(NoInput, 0, "empty input")
	case err == nil && d.pos < len(d.buf):
		v, err = nil, d.errorf(SyntaxError, d.pos, "%d bytes after the value", len(d.buf)-d.pos)
	}
	// Hold on to nothing of the input or the values (the next Reset
	// starts a new generation of the atom cache).
	d.buf = nil
	d.build.mem.reset()
	decoders.Put(d)
	return v, err
}

// Offset is the number of bytes consumed so far.
func (d *Decoder) Offset() int { return d.pos }

// Next reads the next value. At a clean end of input it returns io.EOF; in
// the middle of a value, an *Error of kind InputEndedEarly.
func (d *Decoder) Next() (Value, error) {
	if d.pos >= len(d.buf) {
		return nil, io.EOF
	}
	start := d.pos
	v, err := d.value(0)
	if err != nil {
		d.pos = start
		return nil, err
	}
	// Values keep alive the arena built before them since the builder's
	// last reset (see arena.go): reset it between values every so often,
	// so that a value kept from a long run of them (a relay's batch of
	// packets) keeps little of its neighbours.
	if d.since += d.pos - start; d.since > decoderReset {
		d.since = 0
		d.build.Reset()
	}
	return v, nil
}

// decoderReset is how many bytes of input a Decoder reads before it resets
// its builder between two values.
const decoderReset = 64 << 10

func (d *Decoder) errorf(kind ErrorKind, at int, format string, args ...any) *Error {
	return &Error{Kind: kind, Pos: Position{File: d.File, Offset: d.base + at}, Msg: fmt.Sprintf(format, args...)}
}

func (d *Decoder) endedEarly(what string) *Error {
	return d.errorf(InputEndedEarly, d.pos, "input ended inside %s", what)
}

func (d *Decoder) maxDepth() int {
	if d.MaxDepth > 0 {
		return d.MaxDepth
	}
	return DefaultMaxDepth
}

func (d *Decoder) value(depth int) (Value, error) {
	if d.pos >= len(d.buf) {
		return nil, d.endedEarly("a value")
	}
	start := d.pos
	tag := d.buf[d.pos]
	d.pos++
	d.build.mem.hint = len(d.buf) - start
	switch tag {
	case TagFalse:
		return Bool(false), nil
	case TagTrue:
		return Bool(true), nil
	case TagEnd:
		return nil, d.errorf(SyntaxError, start, "unexpected end marker 84 where a value was expected")
	case TagAnnotation:
		return d.annotated(start, depth)
	case TagEmbedded:
		if depth >= d.maxDepth() {
			return nil, d.errorf(SyntaxError, start, "values nest deeper than %d levels", d.maxDepth())
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		return d.build.embedded(v), nil
	case TagIEEE754:
		n, err := d.length("a double")
		if err != nil {
			return nil, err
		}
		if n != 8 {
			return nil, d.errorf(SyntaxError, start, "IEEE754 value of %d bytes: only 8-byte doubles are supported", n)
		}
		if len(d.buf)-d.pos < 8 {
			return nil, d.endedEarly("a double")
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(d.buf[d.pos:]))
		d.pos += 8
		return d.build.double(f), nil
	case TagInteger, TagString, TagByteString, TagSymbol:
		b, err := d.bytes(atomName(tag))
		if err != nil {
			return nil, err
		}
		return d.atom(tag, start, b)
	case TagRecord, TagSequence, TagSet, TagDictionary:
		if depth >= d.maxDepth() {
			return nil, d.errorf(SyntaxError, start, "values nest deeper than %d levels", d.maxDepth())
		}
		return d.compound(tag, start, depth+1)
	}
	return nil, d.errorf(SyntaxError, start, "unknown tag %02X", tag)
}

// atom is the integer, string, byte string or symbol (tag) of bytes b,
// which started at start.
func (d *Decoder) atom(tag byte, start int, b []byte) (Value, error) {
	switch tag {
	case TagInteger:
		if len(b) <= 8 {
			return d.build.intBytes(b), nil
		}
		return d.build.extern(decodeBigInt(b)), nil
	case TagByteString:
		return d.build.byteString(b), nil
	case TagString:
		if v, ok := d.build.textAtom(KindString, b, true); ok {
			return v, nil
		}
	default:
		if v, ok := d.build.textAtom(KindSymbol, b, true); ok {
			return v, nil
		}
	}
	return nil, d.errorf(SyntaxError, start, "%s is not valid UTF-8", atomName(tag))
}

func atomName(tag byte) string {
	switch tag {
	case TagInteger:
		return "an integer"
	case TagString:
		return "a string"
	case TagByteString:
		return "a byte string"
	}
	return "a symbol"
}

func (d *Decoder) annotated(start, depth int) (Value, error) {
	var anns []Value
	pos := d.pos - 1
	for {
		if depth >= d.maxDepth() {
			return nil, d.errorf(SyntaxError, start, "values nest deeper than %d levels", d.maxDepth())
		}
		a, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if d.KeepAnnotations {
			anns = append(anns, a)
		}
		if d.pos < len(d.buf) && d.buf[d.pos] == TagAnnotation {
			d.pos++
			continue
		}
		break
	}
	v, err := d.value(depth)
	if err != nil {
		return nil, err
	}
	if !d.KeepAnnotations {
		return v, nil
	}
	return d.build.annotated(anns, v, Position{File: d.File, Offset: d.base + pos}), nil
}

// compound reads the children of a compound (tag, at start) and its end
// marker. The commonest children — atoms whose length takes one byte,
// Booleans, compounds — are read here rather than through value.
func (d *Decoder) compound(tag byte, start, depth int) (Value, error) {
	// Most compounds are small: gather their children in this frame, and
	// move to the builder's stack only when they outgrow it.
	var local [8]Value
	n, mark := 0, -1
	var v Value
	var err error
	atoms := d.build.atomTable()
	for {
		buf, pos := d.buf, d.pos
		if pos >= len(buf) {
			err = d.endedEarly(compoundName(tag))
			break
		}
		t := buf[pos]
		if t-TagInteger < 4 && pos+1 < len(buf) && buf[pos+1] < 0x80 && int(buf[pos+1]) <= len(buf)-pos-2 {
			// An atom whose length takes one byte.
			raw := buf[pos+2 : pos+2+int(buf[pos+1])]
			d.pos = pos + 2 + len(raw)
			ok := true
			switch t {
			case TagSymbol, TagString:
				k, tab := KindString, tabString
				if t == TagSymbol {
					k, tab = KindSymbol, tabSymbol
				}
				if n := len(raw); uint(n-1) < 16 && len(buf)-pos >= 2+16 {
					// The atom cache (see atomSlot), its words read
					// straight from the input.
					w0 := binary.LittleEndian.Uint64(buf[pos+2:]) & loMask[n]
					w1 := binary.LittleEndian.Uint64(buf[pos+10:]) & hiMask[n]
					tag := uint64(n) | uint64(k)<<16 | d.build.gen
					if e := &atoms[atomHash(w0, w1, tag)]; e.tag == tag && e.w0 == w0 && e.w1 == w1 {
						v = boxAt(tab, (*string)(e.p))
					} else {
						v, ok = d.build.cacheText(e, w0, w1, tag, k, raw, (w0|w1)&hiBits != 0)
					}
				} else {
					v, ok = d.build.textAtom(k, raw, true)
				}
			case TagInteger:
				if n := len(raw); uint(n-1) < 8 && len(buf)-pos >= 2+8 {
					// One load, the bytes past the integer shifted out.
					v = d.build.int(int64(binary.BigEndian.Uint64(buf[pos+2:])) >> (64 - 8*n))
				} else if n <= 8 {
					v = d.build.intBytes(raw)
				} else {
					v = d.build.extern(decodeBigInt(raw))
				}
			default:
				v = d.build.byteString(raw)
			}
			if !ok {
				err = d.errorf(SyntaxError, pos, "%s is not valid UTF-8", atomName(t))
				break
			}
		} else if t == TagEnd {
			d.pos = pos + 1
			break
		} else if t-TagRecord < 4 && depth < d.maxDepth() {
			d.pos = pos + 1
			if v, err = d.compound(t, pos, depth+1); err != nil {
				break
			}
		} else if v, err = d.value(depth); err != nil {
			break
		}
		switch {
		case n < len(local):
			local[n] = v
			n++
		case mark < 0:
			mark = d.build.Mark()
			for _, x := range local {
				d.build.push(x)
			}
			d.build.push(v)
		default:
			d.build.push(v)
		}
	}
	if err != nil {
		if mark >= 0 {
			d.build.Drop(mark)
		}
		return nil, err
	}
	items := local[:n]
	if mark >= 0 {
		items = d.build.items(mark)
	}
	d.build.mem.hint = len(d.buf) - d.pos
	switch tag {
	case TagRecord:
		v, err = d.build.recordOf(items)
	case TagSequence:
		v = d.build.sequenceOf(items)
	case TagSet:
		v, err = d.build.setOf(items)
	default:
		v, err = d.build.dictionaryOf(items)
	}
	if mark >= 0 {
		d.build.pop(mark)
	}
	if err != nil {
		return nil, d.errorf(SyntaxError, start, "%v", err)
	}
	return v, nil
}

func compoundName(tag byte) string {
	switch tag {
	case TagRecord:
		return "a record"
	case TagSequence:
		return "a sequence"
	case TagSet:
		return "a set"
	}
	return "a dictionary"
}

func (d *Decoder) length(what string) (int, error) {
	if d.pos < len(d.buf) && d.buf[d.pos] < 0x80 { // the commonest: one byte
		n := int(d.buf[d.pos])
		d.pos++
		return n, nil
	}
	n, k := binary.Uvarint(d.buf[d.pos:])
	switch {
	case k == 0:
		return 0, d.endedEarly("the length of " + what)
	case k < 0 || n > math.MaxInt32:
		return 0, d.errorf(SyntaxError, d.pos, "length of %s is too large", what)
	}
	d.pos += k
	return int(n), nil
}

func (d *Decoder) bytes(what string) ([]byte, error) {
	n, err := d.length(what)
	if err != nil {
		return nil, err
	}
	if rest := len(d.buf) - d.pos; n > rest {
		return nil, d.errorf(InputEndedEarly, d.pos, "%s claims %d bytes but only %d remain", what, n, rest)
	}
	b := d.buf[d.pos : d.pos+n]
	d.pos += n
	return b, nil
}

// smallInt is the integer of at most 8 big-endian two's complement bytes.
func smallInt(b []byte) int64 {
	if len(b) == 0 {
		return 0
	}
	var n int64
	if b[0]&0x80 != 0 {
		n = -1
	}
	for _, c := range b {
		n = n<<8 | int64(c)
	}
	return n
}

// decodeBigInt is the integer of more than 8 bytes (which may still fit in
// an Int, if not written in the shortest form).
func decodeBigInt(b []byte) Value {
	n := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
	}
	return NewInteger(n)
}

// AppendKey appends Key(v) to dst, for building composite map keys without
// allocating.
func AppendKey(dst []byte, v Value) []byte {
	out, err := (&Encoder{Canonical: true, keyMode: true}).Append(dst, v)
	if err != nil {
		return append(dst[:len(dst):len(dst)], "\x00"+err.Error()...)
	}
	return out
}
