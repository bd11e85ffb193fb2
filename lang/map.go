package lang

// Map returns v with f applied to each value in it, outermost first: where
// f returns (w, true), w takes that value's place and is not looked into;
// elsewhere a compound is rebuilt from its mapped parts (an annotated value
// keeps its annotations and position) and an atom is kept. v itself is not
// modified.
func Map(v Value, f func(Value) (Value, bool)) Value {
	if w, ok := f(v); ok {
		return w
	}
	switch x := v.(type) {
	case *Annotated:
		return &Annotated{Annotations: x.Annotations, Value: Map(x.Value, f), Pos: x.Pos}
	case *Record:
		fields := make([]Value, len(x.Fields))
		for i, e := range x.Fields {
			fields[i] = Map(e, f)
		}
		return NewRecord(Map(x.Label, f), fields...)
	case Sequence:
		out := make(Sequence, len(x))
		for i, e := range x {
			out[i] = Map(e, f)
		}
		return out
	case *Set:
		es := make([]Value, len(x.elems))
		for i, e := range x.elems {
			es[i] = Map(e, f)
		}
		return SetOf(es...)
	case *Dictionary:
		kvs := make([]Value, 0, 2*len(x.entries))
		for _, e := range x.entries {
			kvs = append(kvs, Map(e.Key, f), Map(e.Value, f))
		}
		return DictionaryOf(kvs...)
	}
	return v
}
