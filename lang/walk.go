package lang

// Walk calls visit on v and then, depth first and in order, on every value
// inside it: a record's label and fields, a sequence's or a set's elements,
// a dictionary's keys and values. Where visit returns false, Walk does not
// go inside the value it was given. Each value is passed as it stands, its
// annotations (and position) kept; Walk looks through them to find what is
// inside, and does not enter embedded values.
func Walk(v Value, visit func(Value) bool) {
	if !visit(v) {
		return
	}
	switch x := Unwrap(v).(type) {
	case *Record:
		Walk(x.Label, visit)
		for _, f := range x.Fields {
			Walk(f, visit)
		}
	case Sequence:
		for _, e := range x {
			Walk(e, visit)
		}
	case *Set:
		for _, e := range x.Elements() {
			Walk(e, visit)
		}
	case *Dictionary:
		for _, e := range x.Entries() {
			Walk(e.Key, visit)
			Walk(e.Value, visit)
		}
	}
}
