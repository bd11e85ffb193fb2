package schema

import (
	"strings"

	"github.com/synd-lang/synd/lang"
)

// Format writes a schema in its text form. Reading the text back gives the
// same schema (the same value form); comments read with a definition are
// written before it.
func Format(s *Schema) string {
	var b strings.Builder
	b.WriteString("version 1 .\n")
	if s.EmbeddedType != nil {
		b.WriteString("embeddedType " + s.EmbeddedType.String() + " .\n")
	}
	for _, d := range s.Definitions {
		b.WriteString("\n")
		if d.Doc != "" {
			for _, line := range strings.Split(d.Doc, "\n") {
				if line == "" {
					b.WriteString("#\n")
				} else {
					b.WriteString("# " + line + "\n")
				}
			}
		}
		b.WriteString(DefinitionText(d))
		b.WriteString("\n")
	}
	return b.String()
}

// DefinitionText writes one definition as the text form does, ending with
// its full stop: `Name = PATTERN .`.
func DefinitionText(d *Definition) string {
	var b strings.Builder
	b.WriteString(d.Name + " =")
	switch {
	case d.Or != nil:
		for _, a := range d.Or {
			b.WriteString("\n  / ")
			if inferredLabel(a.Pattern) != a.Label {
				b.WriteString("@" + symbolText(a.Label) + " ")
			}
			b.WriteString(patternText(a.Pattern))
		}
		b.WriteString("\n.")
	case d.And != nil:
		for i, p := range d.And {
			if i > 0 {
				b.WriteString(" &")
			}
			b.WriteString(" " + namedText(p))
		}
		b.WriteString(" .")
	default:
		b.WriteString(" " + patternText(d.Pattern) + " .")
	}
	return b.String()
}

func symbolText(s string) string { return lang.Format(lang.Symbol(s)) }

func namedText(np NamedPattern) string {
	if np.Name == "" {
		return patternText(np.Pattern)
	}
	return "@" + symbolText(np.Name) + " " + patternText(np.Pattern)
}

func namedAllText(nps []NamedPattern) []string {
	out := make([]string, len(nps))
	for i, np := range nps {
		out[i] = namedText(np)
	}
	return out
}

// PatternText writes a pattern in the text form of schemas.
func PatternText(p Pattern) string { return patternText(p) }

func patternText(p Pattern) string {
	switch x := p.(type) {
	case Any:
		return "any"
	case Atom:
		for _, k := range atomKinds {
			if k.kind == x.Kind {
				return k.word
			}
		}
	case Embedded:
		return "#:" + patternText(x.Interface)
	case Lit:
		return litText(x.Value)
	case SeqOf:
		return "[" + patternText(x.Elem) + " ...]"
	case SetOf:
		return "#{" + patternText(x.Elem) + "}"
	case DictOf:
		return "{" + patternText(x.Key) + ": " + patternText(x.Value) + " ...:...}"
	case *Ref:
		return x.String()
	case Rec:
		if l, ok := x.Label.Pattern.(Lit); ok && x.Label.Name == "" && x.Fields.Name == "" {
			if items, ok := itemsText(x.Fields.Pattern); ok {
				label := lang.Format(l.Value)
				if items == "" {
					return "<" + label + ">"
				}
				return "<" + label + " " + items + ">"
			}
		}
		return "<<rec> " + namedText(x.Label) + " " + namedText(x.Fields) + ">"
	case Tuple, TuplePrefix:
		if items, ok := itemsText(x); ok {
			return "[" + items + "]"
		}
		// A tuple prefix whose tail is not a seqof (possible only in the
		// value form) has no text form: write its value form.
		return lang.Format(PatternValue(x))
	case Dict:
		parts := make([]string, len(x.Entries))
		for i, e := range x.Entries {
			np := e.Pattern
			if k, ok := e.Key.(lang.Symbol); ok && string(k) == np.Name {
				np.Name = "" // the key names it
			}
			parts[i] = lang.Format(e.Key) + ": " + namedText(np)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return lang.Format(PatternValue(p))
}

// litText writes a literal: =sym for a symbol, the atom itself for other
// atoms, <<lit> VALUE> otherwise.
func litText(v lang.Value) string {
	switch x := v.(type) {
	case lang.Symbol:
		if lang.IsBareSymbol("=" + string(x)) {
			return "=" + string(x)
		}
	case lang.Bool, lang.Double, lang.Int, lang.BigInt, lang.String, lang.ByteString:
		return lang.Format(x)
	}
	return "<<lit> " + lang.Format(v) + ">"
}

// itemsText writes the items of a Tuple or a TuplePrefix whose tail is a
// seqof, space-separated; ok is false for another TuplePrefix.
func itemsText(p Pattern) (string, bool) {
	switch x := p.(type) {
	case Tuple:
		return strings.Join(namedAllText(x.Elems), " "), true
	case TuplePrefix:
		so, ok := x.Variable.Pattern.(SeqOf)
		if !ok {
			return "", false
		}
		tail := NamedPattern{Name: x.Variable.Name, Pattern: so.Elem}
		return strings.Join(append(namedAllText(x.Fixed), namedText(tail), "..."), " "), true
	}
	return "", false
}
