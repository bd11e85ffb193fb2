package lang

import (
	"cmp"
	"fmt"
	"math"
	"reflect"
	"strings"
)

// Compare orders two values by the Preserves total order: by kind first, then
// within the kind. It returns -1, 0 or +1. Annotations are ignored.
func Compare(a, b Value) int {
	a, b = Unwrap(a), Unwrap(b)
	ka, kb := a.Kind(), b.Kind()
	if ka != kb {
		return cmp.Compare(ka, kb)
	}
	switch x := a.(type) {
	case Bool:
		y := b.(Bool)
		switch {
		case x == y:
			return 0
		case !bool(x):
			return -1
		}
		return 1
	case Double:
		return cmp.Compare(totalOrderKey(float64(x)), totalOrderKey(float64(b.(Double))))
	case Int:
		if y, ok := b.(Int); ok {
			return cmp.Compare(x, y)
		}
		return -b.(BigInt).v.Sign() // a big integer lies outside the int64 range
	case BigInt:
		if _, ok := b.(Int); ok {
			return x.v.Sign()
		}
		return x.v.Cmp(b.(BigInt).v)
	case String:
		return strings.Compare(string(x), string(b.(String)))
	case ByteString:
		return strings.Compare(string(x), string(b.(ByteString)))
	case Symbol:
		return strings.Compare(string(x), string(b.(Symbol)))
	case *Record:
		y := b.(*Record)
		if x == y {
			return 0
		}
		if c := Compare(x.Label, y.Label); c != 0 {
			return c
		}
		return compareSeq(x.Fields, y.Fields)
	case Sequence:
		return compareSeq(x, b.(Sequence))
	case *Set:
		return compareSeq(x.elems, b.(*Set).elems)
	case *Dictionary:
		y := b.(*Dictionary)
		n := min(len(x.entries), len(y.entries))
		for i := 0; i < n; i++ {
			if c := Compare(x.entries[i].Key, y.entries[i].Key); c != 0 {
				return c
			}
			if c := Compare(x.entries[i].Value, y.entries[i].Value); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(x.entries), len(y.entries))
	case Embedded:
		return compareRefs(x.Ref, b.(Embedded).Ref)
	}
	panic("lang.Compare: unknown value type " + reflect.TypeOf(a).String())
}

func compareSeq(x, y []Value) int {
	n := min(len(x), len(y))
	for i := 0; i < n; i++ {
		if c := Compare(x[i], y[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(x), len(y))
}

// totalOrderKey maps a float64 to an integer whose signed order is IEEE 754
// totalOrder: negative numbers have all their magnitude bits flipped.
func totalOrderKey(f float64) int64 {
	b := int64(math.Float64bits(f))
	return b ^ int64(uint64(b>>63)>>1)
}

// compareRefs orders embedded payloads: plain Values (by the Preserves order)
// before host references (by EmbeddedID); anything else last, by type name.
func compareRefs(a, b any) int {
	av, aIsVal := a.(Value)
	bv, bIsVal := b.(Value)
	switch {
	case aIsVal && bIsVal:
		return Compare(av, bv)
	case aIsVal:
		return -1
	case bIsVal:
		return 1
	}
	ai, aIsID := a.(Identity)
	bi, bIsID := b.(Identity)
	switch {
	case aIsID && bIsID:
		return cmp.Compare(ai.EmbeddedID(), bi.EmbeddedID())
	case aIsID:
		return -1
	case bIsID:
		return 1
	}
	if sameRef(a, b) {
		return 0
	}
	return strings.Compare(opaqueRefText(a), opaqueRefText(b))
}

// opaqueRefText identifies a host reference that is neither a Value nor an
// Identity by its type and Go syntax (for pointers, the address), so that
// Compare and Key stay total and agree with each other.
func opaqueRefText(r any) string {
	return fmt.Sprintf("%T\x00%#v", r, r)
}

// sameRef reports whether two host references are the same object, without
// panicking on incomparable types.
func sameRef(a, b any) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb {
		return false
	}
	if ta == nil || !ta.Comparable() {
		return ta == nil
	}
	return a == b
}

// Equal reports whether two values are equal: neither sorts before the other.
func Equal(a, b Value) bool {
	a, b = Unwrap(a), Unwrap(b)
	if a.Kind() != b.Kind() {
		return false
	}
	switch x := a.(type) {
	case String:
		return x == b.(String)
	case Symbol:
		return x == b.(Symbol)
	case Int:
		y, ok := b.(Int)
		return ok && x == y
	case Sequence:
		y := b.(Sequence)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Record:
		y := b.(*Record)
		if len(x.Fields) != len(y.Fields) || !Equal(x.Label, y.Label) {
			return false
		}
		for i := range x.Fields {
			if !Equal(x.Fields[i], y.Fields[i]) {
				return false
			}
		}
		return true
	}
	return Compare(a, b) == 0
}
