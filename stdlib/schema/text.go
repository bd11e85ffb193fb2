package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// Error is a mistake in a schema's text or value form, with the position it
// was found at when there is one.
type Error struct {
	Pos lang.Position
	Msg string
}

// Error formats the error as file:line:col: message.
func (e *Error) Error() string {
	if e.Pos.IsValid() {
		return e.Pos.String() + ": " + e.Msg
	}
	return e.Msg
}

func errAt(v lang.Value, format string, args ...any) *Error {
	return &Error{Pos: lang.PositionOf(v), Msg: fmt.Sprintf(format, args...)}
}

// maxIncludeDepth bounds `include` chains, so a file including itself stops.
const maxIncludeDepth = 16

// ParseText reads a schema from its text form; file names it in errors. An
// `include` clause is an error here: it needs ParseFile.
func ParseText(file string, src []byte) (*Schema, error) {
	return parseText(file, src, nil)
}

// includeFile reads an included schema file, which must be a regular file.
func includeFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return os.ReadFile(path)
}

func parseText(file string, src []byte, include func(string) ([]byte, error)) (*Schema, error) {
	s := &Schema{}
	if err := parseInto(s, file, src, 0, include); err != nil {
		return nil, err
	}
	if s.Version == 0 {
		return nil, &Error{Pos: lang.Position{File: file, Line: 1, Column: 1}, Msg: "a schema must say `version 1 .`"}
	}
	return s, nil
}

// ParseFile reads the text form of a schema from a file. Its `include
// "other.prs" .` clauses read other files, relative to its directory, whose
// definitions become part of the schema.
func ParseFile(file string) (*Schema, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parseText(file, src, includeFile)
}

func parseInto(s *Schema, file string, src []byte, depth int, include func(string) ([]byte, error)) error {
	values, err := parser.ParseAll(file, src, parser.Options{Annotations: true, Positions: true})
	if err != nil {
		return err
	}
	var clause []lang.Value
	for _, v := range values {
		sym, isSym := lang.Unwrap(v).(lang.Symbol)
		if isSym && sym == "." {
			if err := s.clause(file, clause, depth, include); err != nil {
				return err
			}
			clause = nil
			continue
		}
		clause = append(clause, v)
	}
	if len(clause) > 0 {
		return errAt(clause[0], "this clause does not end with ` .`")
	}
	return nil
}

func symbolOf(v lang.Value) (string, bool) {
	s, ok := lang.Unwrap(v).(lang.Symbol)
	return string(s), ok
}

func (s *Schema) clause(file string, c []lang.Value, depth int, include func(string) ([]byte, error)) error {
	if len(c) == 0 {
		return nil
	}
	head, _ := symbolOf(c[0])
	switch {
	case head == "version" && (len(c) < 2 || !isSymbolValue(c[1], "=")):
		if len(c) != 2 || !lang.Equal(lang.Strip(c[1]), lang.Int(1)) {
			return errAt(c[0], "only `version 1 .` is known")
		}
		s.Version = 1
		return nil
	case head == "embeddedType" && (len(c) < 2 || !isSymbolValue(c[1], "=")):
		if len(c) != 2 {
			return errAt(c[0], "expected `embeddedType NAME .` or `embeddedType #f .`")
		}
		if b, ok := lang.Unwrap(c[1]).(lang.Bool); ok && !bool(b) {
			s.EmbeddedType = nil
			return nil
		}
		r, err := parseRef(c[1])
		if err != nil {
			return err
		}
		s.EmbeddedType = r
		return nil
	case head == "include" && (len(c) < 2 || !isSymbolValue(c[1], "=")):
		name, ok := lang.Unwrap(c[len(c)-1]).(lang.String)
		if len(c) != 2 || !ok {
			return errAt(c[0], "expected `include \"FILE\" .`")
		}
		if include == nil {
			return errAt(c[0], "include needs the schema to be read from a file")
		}
		if depth >= maxIncludeDepth {
			return errAt(c[0], "includes nest more than %d deep", maxIncludeDepth)
		}
		path := string(name)
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(file), path)
		}
		src, err := include(path)
		if err != nil {
			return errAt(c[0], "include: %v", err)
		}
		return parseInto(s, path, src, depth+1, include)
	}
	if len(c) < 3 || !isSymbolValue(c[1], "=") {
		return errAt(c[0], "expected a definition `Name = PATTERN .`, or version, embeddedType or include")
	}
	name, ok := symbolOf(c[0])
	if !ok || !isIdent(name) {
		return errAt(c[0], "a definition's name must be a symbol without dots, not %s", lang.Format(lang.Strip(c[0])))
	}
	if s.Lookup(name) != nil {
		return errAt(c[0], "%s is defined twice", name)
	}
	d := &Definition{Name: name, Pos: lang.PositionOf(c[0]), Doc: docOf(c[0])}
	body := c[2:]
	switch {
	case containsSymbol(body, "/"):
		alts := splitOn(body, "/")
		if len(alts) > 0 && len(alts[0]) == 0 {
			alts = alts[1:]
		}
		for _, a := range alts {
			if len(a) != 1 {
				return errAt(c[0], "%s: each alternative between `/` must be one pattern", name)
			}
			alt, err := alternative(a[0])
			if err != nil {
				return err
			}
			for _, prev := range d.Or {
				if prev.Label == alt.Label {
					return errAt(a[0], "%s: two alternatives are called %s", name, alt.Label)
				}
			}
			d.Or = append(d.Or, alt)
		}
		if len(d.Or) == 1 {
			d.Pattern, d.Or = d.Or[0].Pattern, nil
		}
	case containsSymbol(body, "&"):
		parts := splitOn(body, "&")
		if len(parts) > 0 && len(parts[0]) == 0 {
			parts = parts[1:]
		}
		for _, p := range parts {
			if len(p) != 1 {
				return errAt(c[0], "%s: each part between `&` must be one pattern", name)
			}
			np, err := named(p[0])
			if err != nil {
				return err
			}
			d.And = append(d.And, np)
		}
		if len(d.And) == 1 {
			d.Pattern, d.And = d.And[0].Pattern, nil
		}
	default:
		if len(body) != 1 {
			return errAt(body[1], "%s: one pattern expected after `=`; separate alternatives with `/`, parts with `&`", name)
		}
		p, err := pattern(body[0])
		if err != nil {
			return err
		}
		d.Pattern = p
	}
	s.Definitions = append(s.Definitions, d)
	return nil
}

func isSymbolValue(v lang.Value, s string) bool {
	x, ok := symbolOf(v)
	return ok && x == s
}

func isIdent(s string) bool {
	return s != "" && !strings.Contains(s, ".") && lang.IsBareSymbol(s)
}

func containsSymbol(vs []lang.Value, s string) bool {
	for _, v := range vs {
		if isSymbolValue(v, s) {
			return true
		}
	}
	return false
}

func splitOn(vs []lang.Value, s string) [][]lang.Value {
	var out [][]lang.Value
	var cur []lang.Value
	for _, v := range vs {
		if isSymbolValue(v, s) {
			out = append(out, cur)
			cur = nil
			continue
		}
		cur = append(cur, v)
	}
	return append(out, cur)
}

// docOf joins the comments attached to a value.
func docOf(v lang.Value) string {
	anns, _ := lang.AnnotationsOf(v)
	var lines []string
	for _, a := range anns {
		if s, ok := lang.Unwrap(a).(lang.String); ok {
			lines = append(lines, string(s))
		}
	}
	return strings.Join(lines, "\n")
}

// nameOf returns the binding name written as `@name` on v.
func nameOf(v lang.Value) (string, bool) {
	anns, _ := lang.AnnotationsOf(v)
	for _, a := range anns {
		if s, ok := lang.Unwrap(a).(lang.Symbol); ok {
			return string(s), true
		}
	}
	return "", false
}

func alternative(v lang.Value) (Alternative, error) {
	p, err := pattern(v)
	if err != nil {
		return Alternative{}, err
	}
	if n, ok := nameOf(v); ok {
		return Alternative{Label: n, Pattern: p}, nil
	}
	if n := inferredLabel(p); n != "" {
		return Alternative{Label: n, Pattern: p}, nil
	}
	return Alternative{}, errAt(v, "this alternative needs a name: write @name before it")
}

// inferredLabel is the name an alternative gets when none is written: the
// label of a record, a literal symbol, or the name of a reference.
func inferredLabel(p Pattern) string {
	switch x := p.(type) {
	case Lit:
		if s, ok := x.Value.(lang.Symbol); ok {
			return string(s)
		}
	case *Ref:
		return x.Name
	case Rec:
		if l, ok := x.Label.Pattern.(Lit); ok && x.Label.Name == "" {
			if s, ok := l.Value.(lang.Symbol); ok {
				return string(s)
			}
		}
	}
	return ""
}

func named(v lang.Value) (NamedPattern, error) {
	n, ok := nameOf(v)
	p, err := pattern(v)
	if err != nil {
		return NamedPattern{}, err
	}
	if !ok {
		return NamedPattern{Pattern: p}, nil
	}
	if !isSimple(p) {
		return NamedPattern{}, errAt(v, "@%s names a compound pattern; only simple patterns take a name", n)
	}
	return NamedPattern{Name: n, Pattern: p}, nil
}

func namedSimple(v lang.Value) (NamedPattern, error) {
	np, err := named(v)
	if err == nil && !isSimple(np.Pattern) {
		return np, errAt(v, "a simple pattern is expected here, not a compound one")
	}
	return np, err
}

func simple(v lang.Value) (Pattern, error) {
	if n, ok := nameOf(v); ok {
		return nil, errAt(v, "@%s: no name is allowed here", n)
	}
	p, err := pattern(v)
	if err == nil && !isSimple(p) {
		return nil, errAt(v, "a simple pattern is expected here, not a compound one")
	}
	return p, err
}

func parseRef(v lang.Value) (*Ref, error) {
	s, ok := symbolOf(v)
	if !ok {
		return nil, errAt(v, "expected a reference NAME or module.NAME, not %s", lang.Format(lang.Strip(v)))
	}
	parts := strings.Split(s, ".")
	for _, p := range parts {
		if p == "" {
			return nil, errAt(v, "%s is not a reference", s)
		}
	}
	return &Ref{Module: parts[:len(parts)-1], Name: parts[len(parts)-1], Pos: lang.PositionOf(v)}, nil
}

func isDots(v lang.Value) bool { return isSymbolValue(v, "...") }

func pattern(v lang.Value) (Pattern, error) {
	switch x := lang.Unwrap(v).(type) {
	case lang.Symbol:
		s := string(x)
		if s == "any" {
			return Any{}, nil
		}
		for _, k := range atomKinds {
			if k.word == s {
				return Atom{Kind: k.kind}, nil
			}
		}
		if strings.HasPrefix(s, "=") && len(s) > 1 {
			return Lit{Value: lang.Symbol(s[1:])}, nil
		}
		if s == "..." || s == "/" || s == "&" || s == "=" {
			return nil, errAt(v, "unexpected %s", s)
		}
		return parseRef(v)
	case lang.Bool, lang.Double, lang.Int, lang.BigInt, lang.String, lang.ByteString:
		return Lit{Value: x}, nil
	case lang.Embedded:
		inner, ok := x.Ref.(lang.Value)
		if !ok {
			return nil, errAt(v, "an embedded pattern is #:PATTERN")
		}
		p, err := simple(inner)
		if err != nil {
			return nil, err
		}
		return Embedded{Interface: p}, nil
	case *lang.Record:
		if lr, ok := lang.Unwrap(x.Label).(*lang.Record); ok && len(lr.Fields) == 0 {
			switch kw, _ := symbolOf(lr.Label); kw {
			case "lit":
				if len(x.Fields) != 1 {
					return nil, errAt(v, "<<lit> VALUE> takes one value")
				}
				return Lit{Value: lang.Strip(x.Fields[0])}, nil
			case "rec":
				if len(x.Fields) != 2 {
					return nil, errAt(v, "<<rec> LABEL FIELDS> takes two patterns")
				}
				l, err := named(x.Fields[0])
				if err != nil {
					return nil, err
				}
				f, err := named(x.Fields[1])
				if err != nil {
					return nil, err
				}
				return Rec{Label: l, Fields: f}, nil
			}
		}
		fields, err := items(v, x.Fields)
		if err != nil {
			return nil, err
		}
		return Rec{Label: NamedPattern{Pattern: Lit{Value: lang.Strip(x.Label)}}, Fields: NamedPattern{Pattern: fields}}, nil
	case lang.Sequence:
		if len(x) == 2 && isDots(x[1]) {
			if _, isNamed := nameOf(x[0]); !isNamed {
				p, err := simple(x[0])
				if err != nil {
					return nil, err
				}
				return SeqOf{Elem: p}, nil
			}
		}
		return items(v, x)
	case *lang.Set:
		if x.Len() != 1 {
			return nil, errAt(v, "a set pattern is #{PATTERN}, with one pattern")
		}
		p, err := simple(x.Elements()[0])
		if err != nil {
			return nil, err
		}
		return SetOf{Elem: p}, nil
	case *lang.Dictionary:
		es := x.Entries()
		if len(es) == 2 {
			for i, e := range es {
				if isDots(e.Key) && isDots(e.Value) {
					o := es[1-i]
					k, err := simple(o.Key)
					if err != nil {
						return nil, err
					}
					val, err := simple(o.Value)
					if err != nil {
						return nil, err
					}
					return DictOf{Key: k, Value: val}, nil
				}
			}
		}
		var d Dict
		for _, e := range es {
			np, err := namedSimple(e.Value)
			if err != nil {
				return nil, err
			}
			key := lang.Strip(e.Key)
			if k, ok := key.(lang.Symbol); ok && np.Name == "" {
				np.Name = string(k) // an entry is named by its key unless named otherwise
			}
			d.Entries = append(d.Entries, DictEntry{Key: key, Pattern: np})
		}
		return d, nil
	}
	return nil, errAt(v, "%s is not a pattern", lang.Format(lang.Strip(v)))
}

// items reads the patterns of a tuple or of a record's fields; a trailing
// `PATTERN ...` makes a tuple prefix.
func items(at lang.Value, vs []lang.Value) (Pattern, error) {
	if n := len(vs); n > 0 && isDots(vs[n-1]) {
		if n < 2 {
			return nil, errAt(at, "`...` must follow a pattern")
		}
		fixed, err := namedAll(vs[:n-2])
		if err != nil {
			return nil, err
		}
		tail, err := namedSimple(vs[n-2])
		if err != nil {
			return nil, err
		}
		tail.Pattern = SeqOf{Elem: tail.Pattern}
		return TuplePrefix{Fixed: fixed, Variable: tail}, nil
	}
	fixed, err := namedAll(vs)
	if err != nil {
		return nil, err
	}
	return Tuple{Elems: fixed}, nil
}

func namedAll(vs []lang.Value) ([]NamedPattern, error) {
	out := []NamedPattern{}
	for _, v := range vs {
		if isDots(v) {
			return nil, errAt(v, "`...` may only come last")
		}
		np, err := named(v)
		if err != nil {
			return nil, err
		}
		out = append(out, np)
	}
	return out, nil
}
