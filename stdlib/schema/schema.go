// Package schema implements Preserves Schema: it reads schemas from their
// text form (.prs) and from binary bundles (.prb), converts them to and from
// their value form (the metaschema's Schema and Bundle), writes them back as
// text, and validates values against their definitions with errors that name
// the path inside the value and the alternative that came closest.
//
// The model follows the metaschema (metaschema.prs in this package):
//
//	Definition = Or | And | Pattern
//	Pattern    = SimplePattern | CompoundPattern
//	Simple     = Any | Atom | Embedded | Lit | SeqOf | SetOf | DictOf | Ref
//	Compound   = Rec | Tuple | TuplePrefix | Dict
//
// A Set of schemas (one per module path) resolves references between them.
package schema

import (
	"strings"

	"github.com/synd-lang/synd/lang"
)

// Schema is one module: a version, the type of its embedded values, and its
// definitions in the order they were written.
type Schema struct {
	Version      int
	EmbeddedType *Ref // nil: #f, no embedded type named
	Definitions  []*Definition
}

// Lookup returns the definition called name, or nil.
func (s *Schema) Lookup(name string) *Definition {
	for _, d := range s.Definitions {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Definition is a named definition of a schema. Exactly one of Or, And and
// Pattern is set.
type Definition struct {
	Name    string
	Or      []Alternative // two or more, each with a label
	And     []NamedPattern
	Pattern Pattern
	Pos     lang.Position // where the text form names it, if read from text
	Doc     string        // the comments before it, if read from text
}

// Alternative is one branch of an Or definition.
type Alternative struct {
	Label   string
	Pattern Pattern
}

// NamedPattern is a pattern with an optional binding name. A named pattern's
// Pattern is always simple (the metaschema's Binding).
type NamedPattern struct {
	Name    string // "" for an anonymous pattern
	Pattern Pattern
}

// Pattern is one of the pattern types of this package.
type Pattern interface {
	isPattern()
}

// AtomKind names a kind of atom, as the metaschema spells it.
type AtomKind string

// The atom kinds of the metaschema.
const (
	Boolean       AtomKind = "Boolean"
	Double        AtomKind = "Double"
	SignedInteger AtomKind = "SignedInteger"
	String        AtomKind = "String"
	ByteString    AtomKind = "ByteString"
	Symbol        AtomKind = "Symbol"
)

// atomKinds maps the text keywords to atom kinds.
var atomKinds = []struct {
	word string
	kind AtomKind
	lang lang.Kind
}{
	{"bool", Boolean, lang.KindBoolean},
	{"double", Double, lang.KindDouble},
	{"int", SignedInteger, lang.KindSignedInteger},
	{"string", String, lang.KindString},
	{"bytes", ByteString, lang.KindByteString},
	{"symbol", Symbol, lang.KindSymbol},
}

// Any matches every value.
type Any struct{}

// Atom matches an atom of one kind.
type Atom struct{ Kind AtomKind }

// Embedded matches an embedded value; Interface documents what it must be.
type Embedded struct{ Interface Pattern }

// Lit matches exactly one value.
type Lit struct{ Value lang.Value }

// SeqOf matches a sequence whose every element matches Elem.
type SeqOf struct{ Elem Pattern }

// SetOf matches a set whose every element matches Elem.
type SetOf struct{ Elem Pattern }

// DictOf matches a dictionary whose every key matches Key and value Value.
type DictOf struct{ Key, Value Pattern }

// Ref names a definition, in this module (Module empty) or another.
type Ref struct {
	Module []string
	Name   string
	Pos    lang.Position
}

// String writes the reference as the text form does: mod.sub.Name.
func (r *Ref) String() string {
	return strings.Join(append(append([]string(nil), r.Module...), r.Name), ".")
}

// Rec matches a record whose label matches Label and whose fields, as a
// sequence, match Fields.
type Rec struct{ Label, Fields NamedPattern }

// Tuple matches a sequence of exactly len(Elems) elements.
type Tuple struct{ Elems []NamedPattern }

// TuplePrefix matches a sequence that starts with Fixed; the rest, as a
// sequence, matches Variable.
type TuplePrefix struct {
	Fixed    []NamedPattern
	Variable NamedPattern
}

// Dict matches a dictionary having (at least) the listed keys, each value
// matching its pattern.
type Dict struct{ Entries []DictEntry }

// DictEntry is one key of a Dict pattern.
type DictEntry struct {
	Key     lang.Value
	Pattern NamedPattern
}

func (Any) isPattern()         {}
func (Atom) isPattern()        {}
func (Embedded) isPattern()    {}
func (Lit) isPattern()         {}
func (SeqOf) isPattern()       {}
func (SetOf) isPattern()       {}
func (DictOf) isPattern()      {}
func (*Ref) isPattern()        {}
func (Rec) isPattern()         {}
func (Tuple) isPattern()       {}
func (TuplePrefix) isPattern() {}
func (Dict) isPattern()        {}

// isSimple reports whether p is a SimplePattern of the metaschema.
func isSimple(p Pattern) bool {
	switch p.(type) {
	case Any, Atom, Embedded, Lit, SeqOf, SetOf, DictOf, *Ref:
		return true
	}
	return false
}
