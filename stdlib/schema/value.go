package schema

import (
	"fmt"
	"sort"
	"strings"

	"github.com/synd-lang/synd/lang"
)

func sym(s string) lang.Value { return lang.Symbol(s) }

func rec(label string, fields ...lang.Value) lang.Value {
	return lang.NewRecord(lang.Symbol(label), fields...)
}

// Value returns the schema's value form, as the metaschema's Schema:
// <schema {version: 1, embeddedType: #f|Ref, definitions: {Name: Definition ...}}>.
func (s *Schema) Value() lang.Value {
	var emb lang.Value = lang.Bool(false)
	if s.EmbeddedType != nil {
		emb = s.EmbeddedType.value()
	}
	defs := make([]lang.Value, 0, 2*len(s.Definitions))
	for _, d := range s.Definitions {
		defs = append(defs, sym(d.Name), d.Value())
	}
	return rec("schema", lang.DictionaryOf(
		sym("version"), lang.Int(s.Version),
		sym("embeddedType"), emb,
		sym("definitions"), lang.DictionaryOf(defs...),
	))
}

// Value returns the definition's value form (the metaschema's Definition).
func (d *Definition) Value() lang.Value {
	switch {
	case d.Or != nil:
		alts := make(lang.Sequence, len(d.Or))
		for i, a := range d.Or {
			alts[i] = lang.Sequence{lang.String(a.Label), PatternValue(a.Pattern)}
		}
		return rec("or", alts)
	case d.And != nil:
		parts := make(lang.Sequence, len(d.And))
		for i, p := range d.And {
			parts[i] = p.value()
		}
		return rec("and", parts)
	}
	return PatternValue(d.Pattern)
}

func (r *Ref) value() lang.Value {
	mod := make(lang.Sequence, len(r.Module))
	for i, m := range r.Module {
		mod[i] = sym(m)
	}
	return rec("ref", mod, sym(r.Name))
}

func (np NamedPattern) value() lang.Value {
	if np.Name == "" {
		return PatternValue(np.Pattern)
	}
	return rec("named", sym(np.Name), PatternValue(np.Pattern))
}

func namedValues(nps []NamedPattern) lang.Sequence {
	out := make(lang.Sequence, len(nps))
	for i, np := range nps {
		out[i] = np.value()
	}
	return out
}

// PatternValue returns a pattern's value form (the metaschema's Pattern).
func PatternValue(p Pattern) lang.Value {
	switch x := p.(type) {
	case Any:
		return sym("any")
	case Atom:
		return rec("atom", sym(string(x.Kind)))
	case Embedded:
		return rec("embedded", PatternValue(x.Interface))
	case Lit:
		return rec("lit", x.Value)
	case SeqOf:
		return rec("seqof", PatternValue(x.Elem))
	case SetOf:
		return rec("setof", PatternValue(x.Elem))
	case DictOf:
		return rec("dictof", PatternValue(x.Key), PatternValue(x.Value))
	case *Ref:
		return x.value()
	case Rec:
		return rec("rec", x.Label.value(), x.Fields.value())
	case Tuple:
		return rec("tuple", namedValues(x.Elems))
	case TuplePrefix:
		return rec("tuplePrefix", namedValues(x.Fixed), x.Variable.value())
	case Dict:
		kvs := make([]lang.Value, 0, 2*len(x.Entries))
		for _, e := range x.Entries {
			kvs = append(kvs, e.Key, e.Pattern.value())
		}
		return rec("dict", lang.DictionaryOf(kvs...))
	}
	panic(fmt.Sprintf("schema: unknown pattern %T", p))
}

// FromValue reads a schema from its value form. Annotations are ignored.
func FromValue(v lang.Value) (*Schema, error) {
	v = lang.Strip(v)
	r, ok := v.(*lang.Record)
	if !ok || !lang.Equal(r.Label, sym("schema")) || len(r.Fields) != 1 {
		return nil, fmt.Errorf("a schema is <schema {...}>, not %s", brief(v))
	}
	d, ok := r.Fields[0].(*lang.Dictionary)
	if !ok {
		return nil, fmt.Errorf("a schema is <schema {...}>, not %s", brief(v))
	}
	s := &Schema{}
	ver, ok := d.Get(sym("version"))
	if !ok || !lang.Equal(ver, lang.Int(1)) {
		return nil, fmt.Errorf("schema version: only 1 is known, not %s", brief(ver))
	}
	s.Version = 1
	if emb, ok := d.Get(sym("embeddedType")); ok && !lang.Equal(emb, lang.Bool(false)) {
		ref, err := refFromValue(emb)
		if err != nil {
			return nil, fmt.Errorf("embeddedType: %w", err)
		}
		s.EmbeddedType = ref
	}
	defsV, _ := d.Get(sym("definitions"))
	defs, ok := defsV.(*lang.Dictionary)
	if !ok {
		return nil, fmt.Errorf("schema definitions must be a dictionary, not %s", brief(defsV))
	}
	for _, e := range defs.Entries() {
		name, ok := e.Key.(lang.Symbol)
		if !ok {
			return nil, fmt.Errorf("a definition's name must be a symbol, not %s", brief(e.Key))
		}
		def, err := definitionFromValue(string(name), e.Value)
		if err != nil {
			return nil, fmt.Errorf("definition %s: %w", name, err)
		}
		s.Definitions = append(s.Definitions, def)
	}
	return s, nil
}

func brief(v lang.Value) string {
	if v == nil {
		return "nothing"
	}
	s := lang.Format(v)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

func asRecord(v lang.Value, label string, n int) ([]lang.Value, bool) {
	r, ok := v.(*lang.Record)
	if !ok || !lang.Equal(r.Label, sym(label)) || len(r.Fields) != n {
		return nil, false
	}
	return r.Fields, true
}

func definitionFromValue(name string, v lang.Value) (*Definition, error) {
	d := &Definition{Name: name}
	if f, ok := asRecord(v, "or", 1); ok {
		alts, ok := f[0].(lang.Sequence)
		if !ok || len(alts) < 2 {
			return nil, fmt.Errorf("<or [...]> needs two or more alternatives")
		}
		for _, a := range alts {
			pair, ok := a.(lang.Sequence)
			if !ok || len(pair) != 2 {
				return nil, fmt.Errorf("an alternative is [\"label\" PATTERN], not %s", brief(a))
			}
			label, ok := pair[0].(lang.String)
			if !ok {
				return nil, fmt.Errorf("an alternative's label is a string, not %s", brief(pair[0]))
			}
			p, err := patternFromValue(pair[1])
			if err != nil {
				return nil, err
			}
			d.Or = append(d.Or, Alternative{Label: string(label), Pattern: p})
		}
		return d, nil
	}
	if f, ok := asRecord(v, "and", 1); ok {
		parts, ok := f[0].(lang.Sequence)
		if !ok || len(parts) < 2 {
			return nil, fmt.Errorf("<and [...]> needs two or more patterns")
		}
		for _, p := range parts {
			np, err := namedFromValue(p)
			if err != nil {
				return nil, err
			}
			d.And = append(d.And, np)
		}
		return d, nil
	}
	p, err := patternFromValue(v)
	if err != nil {
		return nil, err
	}
	d.Pattern = p
	return d, nil
}

func refFromValue(v lang.Value) (*Ref, error) {
	f, ok := asRecord(v, "ref", 2)
	if !ok {
		return nil, fmt.Errorf("expected <ref [MODULE ...] NAME>, not %s", brief(v))
	}
	mod, ok := f[0].(lang.Sequence)
	name, ok2 := f[1].(lang.Symbol)
	if !ok || !ok2 {
		return nil, fmt.Errorf("expected <ref [MODULE ...] NAME>, not %s", brief(v))
	}
	r := &Ref{Name: string(name)}
	for _, m := range mod {
		s, ok := m.(lang.Symbol)
		if !ok {
			return nil, fmt.Errorf("a module path holds symbols, not %s", brief(m))
		}
		r.Module = append(r.Module, string(s))
	}
	return r, nil
}

func namedFromValue(v lang.Value) (NamedPattern, error) {
	if f, ok := asRecord(v, "named", 2); ok {
		name, ok := f[0].(lang.Symbol)
		if !ok {
			return NamedPattern{}, fmt.Errorf("<named NAME PATTERN>: NAME is a symbol, not %s", brief(f[0]))
		}
		p, err := patternFromValue(f[1])
		if err != nil {
			return NamedPattern{}, err
		}
		if !isSimple(p) {
			return NamedPattern{}, fmt.Errorf("<named %s ...> names a compound pattern", name)
		}
		return NamedPattern{Name: string(name), Pattern: p}, nil
	}
	p, err := patternFromValue(v)
	return NamedPattern{Pattern: p}, err
}

func namedSimpleFromValue(v lang.Value) (NamedPattern, error) {
	np, err := namedFromValue(v)
	if err == nil && !isSimple(np.Pattern) {
		return np, fmt.Errorf("a simple pattern is expected, not %s", brief(v))
	}
	return np, err
}

func simpleFromValue(v lang.Value) (Pattern, error) {
	p, err := patternFromValue(v)
	if err == nil && !isSimple(p) {
		return nil, fmt.Errorf("a simple pattern is expected, not %s", brief(v))
	}
	return p, err
}

func namedSeqFromValue(v lang.Value) ([]NamedPattern, error) {
	seq, ok := v.(lang.Sequence)
	if !ok {
		return nil, fmt.Errorf("expected a sequence of patterns, not %s", brief(v))
	}
	out := []NamedPattern{}
	for _, x := range seq {
		np, err := namedFromValue(x)
		if err != nil {
			return nil, err
		}
		out = append(out, np)
	}
	return out, nil
}

func patternFromValue(v lang.Value) (Pattern, error) {
	if lang.Equal(v, sym("any")) {
		return Any{}, nil
	}
	r, ok := v.(*lang.Record)
	if !ok {
		return nil, fmt.Errorf("%s is not a pattern", brief(v))
	}
	label, _ := r.Label.(lang.Symbol)
	one := func() (Pattern, error) {
		if len(r.Fields) != 1 {
			return nil, fmt.Errorf("<%s ...> takes one field", label)
		}
		return simpleFromValue(r.Fields[0])
	}
	switch label {
	case "atom":
		if len(r.Fields) == 1 {
			if k, ok := r.Fields[0].(lang.Symbol); ok {
				for _, a := range atomKinds {
					if string(a.kind) == string(k) {
						return Atom{Kind: a.kind}, nil
					}
				}
			}
		}
		return nil, fmt.Errorf("%s: unknown atom kind", brief(v))
	case "embedded":
		p, err := one()
		return Embedded{Interface: p}, err
	case "lit":
		if len(r.Fields) != 1 {
			return nil, fmt.Errorf("<lit VALUE> takes one field")
		}
		return Lit{Value: r.Fields[0]}, nil
	case "seqof":
		p, err := one()
		return SeqOf{Elem: p}, err
	case "setof":
		p, err := one()
		return SetOf{Elem: p}, err
	case "dictof":
		if len(r.Fields) != 2 {
			return nil, fmt.Errorf("<dictof KEY VALUE> takes two fields")
		}
		k, err := simpleFromValue(r.Fields[0])
		if err != nil {
			return nil, err
		}
		val, err := simpleFromValue(r.Fields[1])
		return DictOf{Key: k, Value: val}, err
	case "ref":
		return refFromValue(v)
	case "rec":
		if len(r.Fields) != 2 {
			return nil, fmt.Errorf("<rec LABEL FIELDS> takes two fields")
		}
		l, err := namedFromValue(r.Fields[0])
		if err != nil {
			return nil, err
		}
		f, err := namedFromValue(r.Fields[1])
		return Rec{Label: l, Fields: f}, err
	case "tuple":
		if len(r.Fields) != 1 {
			return nil, fmt.Errorf("<tuple [...]> takes one field")
		}
		es, err := namedSeqFromValue(r.Fields[0])
		return Tuple{Elems: es}, err
	case "tuplePrefix":
		if len(r.Fields) != 2 {
			return nil, fmt.Errorf("<tuplePrefix [...] VARIABLE> takes two fields")
		}
		fixed, err := namedSeqFromValue(r.Fields[0])
		if err != nil {
			return nil, err
		}
		variable, err := namedSimpleFromValue(r.Fields[1])
		return TuplePrefix{Fixed: fixed, Variable: variable}, err
	case "dict":
		if len(r.Fields) != 1 {
			return nil, fmt.Errorf("<dict {...}> takes one field")
		}
		d, ok := r.Fields[0].(*lang.Dictionary)
		if !ok {
			return nil, fmt.Errorf("<dict ENTRIES>: ENTRIES is a dictionary, not %s", brief(r.Fields[0]))
		}
		var out Dict
		for _, e := range d.Entries() {
			np, err := namedSimpleFromValue(e.Value)
			if err != nil {
				return nil, err
			}
			out.Entries = append(out.Entries, DictEntry{Key: e.Key, Pattern: np})
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s is not a pattern", brief(v))
}

// Bundle is a collection of schemas, each named by its module path (the
// metaschema's Bundle).
type Bundle struct {
	Modules map[string]*Schema // keyed by the module path joined with "."
}

// ModuleKey joins a module path as Bundle.Modules keys it.
func ModuleKey(path []string) string { return strings.Join(path, ".") }

// Paths returns the module paths of the bundle, sorted.
func (b *Bundle) Paths() []string {
	out := make([]string, 0, len(b.Modules))
	for k := range b.Modules {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Value returns the bundle's value form: <bundle {[MODULE ...]: Schema ...}>.
func (b *Bundle) Value() lang.Value {
	kvs := make([]lang.Value, 0, 2*len(b.Modules))
	for _, k := range b.Paths() {
		var path lang.Sequence
		for _, p := range strings.Split(k, ".") {
			path = append(path, sym(p))
		}
		kvs = append(kvs, path, b.Modules[k].Value())
	}
	return rec("bundle", lang.DictionaryOf(kvs...))
}

// BundleFromValue reads a bundle from its value form. A lone <schema ...>
// is accepted as a bundle of one module with the empty path.
func BundleFromValue(v lang.Value) (*Bundle, error) {
	v = lang.Strip(v)
	b := &Bundle{Modules: map[string]*Schema{}}
	if _, ok := asRecord(v, "schema", 1); ok {
		s, err := FromValue(v)
		if err != nil {
			return nil, err
		}
		b.Modules[""] = s
		return b, nil
	}
	f, ok := asRecord(v, "bundle", 1)
	if !ok {
		return nil, fmt.Errorf("a bundle is <bundle {...}>, not %s", brief(v))
	}
	mods, ok := f[0].(*lang.Dictionary)
	if !ok {
		return nil, fmt.Errorf("a bundle is <bundle {...}>, not %s", brief(v))
	}
	for _, e := range mods.Entries() {
		path, ok := e.Key.(lang.Sequence)
		if !ok {
			return nil, fmt.Errorf("a module path is [symbol ...], not %s", brief(e.Key))
		}
		var parts []string
		for _, p := range path {
			s, ok := p.(lang.Symbol)
			if !ok {
				return nil, fmt.Errorf("a module path is [symbol ...], not %s", brief(e.Key))
			}
			parts = append(parts, string(s))
		}
		s, err := FromValue(e.Value)
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", ModuleKey(parts), err)
		}
		b.Modules[ModuleKey(parts)] = s
	}
	return b, nil
}

// ReadBundle reads a .prb file: the binary encoding of a Bundle (or of a
// single Schema).
func ReadBundle(bin []byte) (*Bundle, error) {
	v, err := lang.Decode(bin)
	if err != nil {
		return nil, err
	}
	return BundleFromValue(v)
}

// EncodeBundle writes a bundle as a .prb file: its canonical binary form.
func EncodeBundle(b *Bundle) ([]byte, error) { return lang.EncodeCanonical(b.Value()) }
