// Package lang holds Preserves values: their types, total order, equality,
// map keys, the text writer and the binary codec.
//
// A Value is one of eleven kinds (see Kind). Each kind has a Go type:
//
//	Boolean        Bool
//	Double         Double
//	SignedInteger  Int (fits in int64) or BigInt (does not; never both for one number)
//	String         String
//	ByteString     ByteString (the bytes held in a Go string, so it is immutable)
//	Symbol         Symbol
//	Record         *Record
//	Sequence       Sequence
//	Set            *Set (immutable, elements held sorted)
//	Dictionary     *Dictionary (immutable, entries held sorted by key)
//	Embedded       Embedded (a host reference or a plain Value)
//
// Any value may be wrapped in an *Annotated, which carries annotations and the
// source position the value was read from. Annotations never affect Compare,
// Equal or Key.
//
// Values are immutable once made: never store into the Fields of a Record
// or the elements of a Sequence you did not make yourself. The values the
// readers build (Decode, Decoder, Builder, the text parser) live in an arena
// the garbage collector does not scan (see Builder), where a stored value
// would not be seen by the collector.
//
// Package lang imports nothing else of synd.
package lang
