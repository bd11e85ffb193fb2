package lang

// SequenceBoxes makes Values of sequences without an allocation each, for
// code that makes many short-lived ones (the dataspace's capture tuples):
// the sequence headers are written into chunks that the Values point into,
// as the readers box atoms (see boxAt). A chunk is collected once no Value
// made from it is left, so a Value kept long keeps its chunk's other slots
// too (a chunk is seqBoxChunk headers). The zero SequenceBoxes is ready to
// use; it is not safe for concurrent use.
type SequenceBoxes struct{ chunk []Sequence }

const seqBoxChunk = 32

// Box returns s as a Value, the same as Value(s).
func (b *SequenceBoxes) Box(s Sequence) Value {
	if len(b.chunk) == 0 {
		b.chunk = make([]Sequence, seqBoxChunk)
	}
	p := &b.chunk[0]
	b.chunk = b.chunk[1:]
	*p = s
	return boxAt(tabSequence, p)
}

// SequenceAt returns *p as a Value that points at the header *p itself
// instead of a copy of it: no allocation. *p must never be written again
// while the Value is in use — a Record's Fields, say, which no one stores
// into. The dataspace boxes a capture tuple that is all of a record's
// fields this way.
func SequenceAt(p *Sequence) Value { return boxAt(tabSequence, p) }
