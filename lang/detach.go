package lang

import "strings"

// Detach returns a copy of v made of ordinary heap objects, holding nothing
// of the memory v was read into. A value the readers build shares its
// builder's chunks with every value read beside it (see Builder), so one
// small value kept long — an assertion a peer made in a large packet —
// would keep the whole packet's memory alive; its detached copy costs only
// its own size. Embedded host references are kept as they are.
func Detach(v Value) Value {
	switch x := v.(type) {
	case Bool:
		return x
	case Double:
		return Double(float64(x))
	case Int:
		return Int(int64(x))
	case BigInt:
		return BigInt{v: x.Big()}
	case String:
		return String(strings.Clone(string(x)))
	case ByteString:
		return ByteString(strings.Clone(string(x)))
	case Symbol:
		return Symbol(strings.Clone(string(x)))
	case *Record:
		fields := make([]Value, len(x.Fields))
		for i, f := range x.Fields {
			fields[i] = Detach(f)
		}
		return &Record{Label: Detach(x.Label), Fields: fields}
	case Sequence:
		out := make(Sequence, len(x))
		for i, e := range x {
			out[i] = Detach(e)
		}
		return out
	case *Set:
		es := make([]Value, len(x.elems))
		for i, e := range x.elems {
			es[i] = Detach(e)
		}
		return &Set{elems: es} // already in order, without duplicates
	case *Dictionary:
		es := make([]DictEntry, len(x.entries))
		for i, e := range x.entries {
			es[i] = DictEntry{Key: Detach(e.Key), Value: Detach(e.Value)}
		}
		return &Dictionary{entries: es}
	case Embedded:
		if inner, ok := x.Ref.(Value); ok {
			return Embedded{Ref: Detach(inner)}
		}
		return x
	case *Annotated:
		anns := make([]Value, len(x.Annotations))
		for i, a := range x.Annotations {
			anns[i] = Detach(a)
		}
		pos := x.Pos
		pos.File = strings.Clone(pos.File)
		return &Annotated{Annotations: anns, Value: Detach(x.Value), Pos: pos}
	}
	return v
}
