package dataspace

import (
	"hash/maphash"
	"math"
	"math/bits"
	"reflect"

	"github.com/synd-lang/synd/lang"
)

// Structural hashing. The bag and the index find values, leaves and capture
// tuples by a 64-bit hash of their values, confirmed with lang.Equal, instead
// of by their canonical encoding: hashing walks the value once and allocates
// nothing. hashValue agrees with lang.Equal (equal values hash alike,
// annotations ignored); different values may collide, which costs only an
// extra Equal.

// hashSeed keys the string hash; it is chosen once per process and never
// changes.
var hashSeed = maphash.MakeSeed()

// Per-kind salts, so that values of different kinds with the same payload
// (a string and a symbol, a sequence and a set) seldom collide.
const (
	saltBool uint64 = iota + 1
	saltDouble
	saltInt
	saltBigInt
	saltString
	saltByteString
	saltSymbol
	saltRecord
	saltSequence
	saltSet
	saltDictionary
	saltEmbedded
	saltOther
)

// mix combines a running hash with one more word (the wyhash mixer).
func mix(h, x uint64) uint64 {
	hi, lo := bits.Mul64(h^0xa0761d6478bd642f, x^0xe7037ed1a0b428db)
	return hi ^ lo
}

func hashString(s string) uint64 { return maphash.String(hashSeed, s) }

// hashValue is the structural hash of v.
func hashValue(v lang.Value) uint64 { return hashInto(0, v) }

// hashInto folds v into the running hash h.
func hashInto(h uint64, v lang.Value) uint64 {
	switch x := v.(type) {
	case lang.Symbol:
		return mix(h^saltSymbol, hashString(string(x)))
	case lang.String:
		return mix(h^saltString, hashString(string(x)))
	case lang.Int:
		return mix(h^saltInt, uint64(x))
	case *lang.Record:
		return hashRecord(h, hashValue(x.Label), x.Fields)
	case lang.Sequence:
		return hashValues(mix(h^saltSequence, uint64(len(x))), x)
	case lang.Bool:
		if x {
			return mix(h^saltBool, 1)
		}
		return mix(h^saltBool, 0)
	case lang.Double:
		// Doubles are equal exactly when their bits are (IEEE 754
		// totalOrder): -0.0 and +0.0 differ, a NaN equals itself.
		return mix(h^saltDouble, math.Float64bits(float64(x)))
	case lang.ByteString:
		return mix(h^saltByteString, hashString(string(x)))
	case lang.BigInt:
		return mix(h^saltBigInt, hashString(x.Big().Text(16)))
	case *lang.Set:
		es := x.Elements() // in the Preserves order: equal sets list alike
		return hashValues(mix(h^saltSet, uint64(len(es))), es)
	case *lang.Dictionary:
		es := x.Entries() // sorted by key
		h = mix(h^saltDictionary, uint64(len(es)))
		for _, e := range es {
			h = hashInto(hashInto(h, e.Key), e.Value)
		}
		return h
	case lang.Embedded:
		return hashRef(h^saltEmbedded, x.Ref)
	case *lang.Annotated:
		return hashInto(h, x.Value)
	}
	// Any other representation of a value: its canonical key is equal
	// exactly when the values are.
	return mix(h^saltOther, hashString(lang.Key(v)))
}

// hashRecord hashes a record from its label's hash and its fields, so that
// callers that need the label's hash on its own compute it once.
func hashRecord(h, label uint64, fields []lang.Value) uint64 {
	return hashValues(mix(mix(h^saltRecord, label), uint64(len(fields))), fields)
}

func hashValues(h uint64, vs []lang.Value) uint64 {
	for _, v := range vs {
		h = hashInto(h, v)
	}
	return h
}

// hashRef hashes an embedded payload as lang.Compare orders it: a plain
// Value by its value, a host reference by its EmbeddedID, anything else by
// its type alone (such references are told apart by Equal).
func hashRef(h uint64, r any) uint64 {
	switch x := r.(type) {
	case lang.Value:
		return hashInto(h, x)
	case lang.Identity:
		return mix(h, x.EmbeddedID())
	case nil:
		return mix(h, 0)
	}
	return mix(h, hashString(reflect.TypeOf(r).String()))
}
