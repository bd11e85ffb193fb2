package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/synd-lang/synd/lang"
)

// Set is a collection of schemas that refer to each other by module path,
// such as the modules of a bundle. A Set is not safe for concurrent Add, but
// any number of goroutines may validate against it once it is built.
type Set struct {
	modules map[string]*Schema
	defs    map[string]map[string]*Definition // by module, then name
	order   []string
}

// NewSet returns an empty set.
func NewSet() *Set {
	return &Set{modules: map[string]*Schema{}, defs: map[string]map[string]*Definition{}}
}

// SetOfBundle returns a set holding a bundle's modules.
func SetOfBundle(b *Bundle) *Set {
	s := NewSet()
	for _, k := range b.Paths() {
		s.Add(k, b.Modules[k])
	}
	return s
}

// Add adds (or replaces) the module at the path key (module names joined by
// dots, e.g. "service" or "syndicate.service").
func (s *Set) Add(key string, sc *Schema) {
	if _, ok := s.modules[key]; !ok {
		s.order = append(s.order, key)
	}
	s.modules[key] = sc
	byName := make(map[string]*Definition, len(sc.Definitions))
	for _, d := range sc.Definitions {
		if _, dup := byName[d.Name]; !dup {
			byName[d.Name] = d
		}
	}
	s.defs[key] = byName
}

// Clone returns a new set holding the same modules, to add to.
func (s *Set) Clone() *Set {
	c := NewSet()
	for _, k := range s.order {
		c.Add(k, s.modules[k])
	}
	return c
}

// Load reads a .prs file, a .prb bundle or a directory of .prs files into
// the set and returns the module paths it added: a .prs file is the module
// named by its file name without the extension.
func (s *Set) Load(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		files, err := filepath.Glob(filepath.Join(path, "*.prs"))
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		var mods []string
		for _, f := range files {
			m, err := s.Load(f)
			if err != nil {
				return nil, err
			}
			mods = append(mods, m...)
		}
		return mods, nil
	}
	if strings.HasSuffix(path, ".prb") {
		bin, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		b, err := ReadBundle(bin)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, m := range b.Paths() {
			s.Add(m, b.Modules[m])
		}
		return b.Paths(), nil
	}
	sc, err := ParseFile(path)
	if err != nil {
		return nil, err
	}
	mod := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	s.Add(mod, sc)
	return []string{mod}, nil
}

// Module returns the schema at a module path, or nil.
func (s *Set) Module(key string) *Schema { return s.modules[key] }

// Modules returns the module paths in the order they were added.
func (s *Set) Modules() []string { return append([]string(nil), s.order...) }

// Bundle returns the set as a bundle.
func (s *Set) Bundle() *Bundle {
	b := &Bundle{Modules: map[string]*Schema{}}
	for k, v := range s.modules {
		b.Modules[k] = v
	}
	return b
}

// Resolve finds a definition by name: "module.Name" (the module path joined
// by dots), or a bare "Name" if exactly one module defines it.
func (s *Set) Resolve(name string) (module string, def *Definition, err error) {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		mod, n := name[:i], name[i+1:]
		if byName := s.defs[mod]; byName != nil {
			if d := byName[n]; d != nil {
				return mod, d, nil
			}
			return "", nil, fmt.Errorf("module %s has no definition %s", mod, n)
		}
		return "", nil, fmt.Errorf("no module %s", mod)
	}
	var found []string
	for _, k := range s.order {
		if d := s.defs[k][name]; d != nil {
			module, def = k, d
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		return "", nil, fmt.Errorf("no module defines %s", name)
	case 1:
		return module, def, nil
	}
	return "", nil, fmt.Errorf("%s is defined in several modules (%s): write MODULE.%s", name, strings.Join(found, ", "), name)
}

// lookup resolves a reference made from module from.
func (s *Set) lookup(from string, r *Ref) (string, *Definition) {
	mod := from
	if len(r.Module) > 0 {
		mod = r.Module[0]
		if len(r.Module) > 1 {
			mod = ModuleKey(r.Module)
		}
		if s.modules[mod] == nil {
			// syndicate's schemas name a module by its capitalised file
			// name as well (TransportAddress.Tcp for transportAddress.prs).
			for _, k := range s.order {
				if strings.EqualFold(k, mod) {
					mod = k
					break
				}
			}
		}
	}
	return mod, s.defs[mod][r.Name]
}

// Options change how values are validated.
type Options struct {
	// Strict reports two things a schema allows but its users treat as
	// mistakes: a value that matches only an alternative labelled
	// `invalid` (syndicate's schemas use such an alternative to catch a
	// field that is present but wrong, and reject it when they read it),
	// and a dictionary key that no part of a definition made only of
	// dictionary patterns mentions (an unknown option).
	Strict bool
	// RejectInvalid is the first half of Strict alone: a value matching
	// only an alternative labelled `invalid` fails, but unknown dictionary
	// keys pass. It is how syndicate-server reads the records it acts on.
	RejectInvalid bool
	// Hole, if set, says which values stand for any value (such as the
	// variables of a template): they match every pattern.
	Hole func(v lang.Value) bool
}

// StepKind says how a Step goes one level into a value.
type StepKind uint8

// The kinds of step into a value.
const (
	FieldStep StepKind = iota // a record field
	LabelStep                 // a record label
	IndexStep                 // a sequence element
	KeyStep                   // a dictionary value, by its key
	ElemStep                  // a set element
)

// Step is one step of a path into a value.
type Step struct {
	Kind  StepKind
	Index int        // FieldStep, IndexStep
	Key   lang.Value // KeyStep, ElemStep
	Label lang.Value // FieldStep: the record's label
	Name  string     // the binding name of the pattern there, if any
}

// String describes the step as messages do: "field 2 (config) of <daemon>",
// "item 1", "`restart:`".
func (s Step) String() string {
	switch s.Kind {
	case FieldStep:
		out := fmt.Sprintf("field %d of <%s>", s.Index+1, lang.Format(lang.Strip(s.Label)))
		if s.Name != "" {
			out = fmt.Sprintf("field %d (%s) of <%s>", s.Index+1, s.Name, lang.Format(lang.Strip(s.Label)))
		}
		return out
	case LabelStep:
		return "the label"
	case IndexStep:
		if s.Name != "" {
			return fmt.Sprintf("item %d (%s)", s.Index+1, s.Name)
		}
		return fmt.Sprintf("item %d", s.Index+1)
	case KeyStep:
		return fmt.Sprintf("`%s:`", lang.Format(lang.Strip(s.Key)))
	case ElemStep:
		return fmt.Sprintf("element %s", lang.Format(lang.Strip(s.Key)))
	}
	return "?"
}

// ValidationError says where a value fails a definition, what the schema
// expects there, and which alternatives came closest.
type ValidationError struct {
	Definition string     // the definition validated against
	Path       []Step     // from the value's root to where it fails
	Found      lang.Value // the value there, nil if it is missing
	Expected   string     // what the schema expects there, in its words
	Unknown    bool       // Found is a dictionary key no pattern knows
	// Alternatives lists the alternatives (Definition.label) that came
	// closest, outermost first.
	Alternatives []string
	// Pos is the position of the value there (or of the nearest enclosing
	// value that has one).
	Pos lang.Position
}

// Message is the error without its position.
func (e *ValidationError) Message() string {
	var b strings.Builder
	subject := "the value"
	if r, ok := lang.Unwrap(e.Found).(*lang.Record); ok {
		subject = "<" + brief(lang.Strip(r.Label)) + " …>"
	}
	outer := e.Path
	if n := len(e.Path); n > 0 && !e.Unknown {
		subject = e.Path[n-1].String()
		outer = e.Path[:n-1]
	}
	switch {
	case e.Unknown:
		fmt.Fprintf(&b, "unknown key `%s:`; %s", brief(lang.Strip(e.Found)), e.Expected)
	case e.Found == nil:
		fmt.Fprintf(&b, "%s is missing; it expects %s", subject, e.Expected)
	default:
		fmt.Fprintf(&b, "%s expects %s; found `%s`", subject, e.Expected, brief(lang.Strip(e.Found)))
	}
	if len(outer) > 0 {
		parts := make([]string, len(outer))
		for i, s := range outer {
			parts[i] = s.String()
		}
		fmt.Fprintf(&b, " (in %s)", strings.Join(parts, ", "))
	}
	if len(e.Alternatives) > 0 {
		fmt.Fprintf(&b, " [closest: %s]", strings.Join(e.Alternatives, " > "))
	}
	return b.String()
}

// Error formats the error as position: message.
func (e *ValidationError) Error() string {
	if e.Pos.IsValid() {
		return e.Pos.String() + ": " + e.Message()
	}
	return e.Message()
}

// Validate checks v against the named definition (see Resolve) with default
// options.
func (s *Set) Validate(def string, v lang.Value) error {
	return s.ValidateWith(def, v, Options{})
}

// ValidateWith checks v against the named definition. The error is a
// *ValidationError when v does not match.
func (s *Set) ValidateWith(def string, v lang.Value, opts Options) error {
	mod, d, err := s.Resolve(def)
	if err != nil {
		return err
	}
	if f := s.Check(mod, d, v, opts); f != nil {
		return f
	}
	return nil
}

// Check checks v against definition d of module mod; it returns nil when v
// matches.
func (s *Set) Check(mod string, d *Definition, v lang.Value, opts Options) *ValidationError {
	m := &matcher{set: s, opts: opts}
	f := m.def(mod, d, v, ctx{pos: lang.PositionOf(v)}, false)
	if f == nil {
		return nil
	}
	f.err.Definition = qualified(mod, d.Name)
	m.finish(f)
	return &f.err
}

func qualified(mod, name string) string {
	if mod == "" {
		return name
	}
	return mod + "." + name
}

type matcher struct {
	set  *Set
	opts Options
	// active holds the definitions being matched, with the depth into the
	// value at which they are: meeting one again at the same depth means
	// the schema refers to itself without consuming any of the value
	// (`A = B . B = A .`), which would never end.
	active []activeKey
	steps  []Step // see ctx
}

type activeKey struct {
	def   *Definition
	depth int
}

// ctx is where in the value the matcher is: how deep, and the position of
// the value there. The steps to it are in matcher.steps (the matcher goes
// depth first, so steps[:depth] is always the way to the current value).
type ctx struct {
	depth int
	pos   lang.Position
}

// step goes one step deeper, into v.
func (m *matcher) step(c ctx, s Step, v lang.Value) ctx {
	pos := lang.PositionOf(v)
	if !pos.IsValid() {
		pos = c.pos
	}
	if c.depth < len(m.steps) {
		m.steps[c.depth] = s
	} else {
		m.steps = append(m.steps, s)
	}
	return ctx{depth: c.depth + 1, pos: pos}
}

// path returns a copy of the steps from the root to c.
func (m *matcher) path(c ctx) []Step {
	return append([]Step(nil), m.steps[:c.depth]...)
}

// expectation is what a pattern expects, worded only when it is shown.
type expectation struct {
	text string
	mod  string
	p    Pattern
}

func textExp(s string) expectation { return expectation{text: s} }

func (m *matcher) expect(mod string, p Pattern) expectation {
	return expectation{mod: mod, p: p}
}

func (m *matcher) word(e expectation) string {
	if e.text != "" || e.p == nil {
		return e.text
	}
	return m.describe(e.mod, e.p)
}

// finish words a failure's expectation.
func (m *matcher) finish(f *failure) {
	var opts []string
	for _, o := range f.options {
		if w := m.word(o); !contains(opts, w) {
			opts = append(opts, w)
		}
	}
	f.err.Expected = f.prefix + strings.Join(opts, ", ")
	if len(opts) > 1 {
		f.err.Expected = f.prefix + "one of " + strings.Join(opts, ", ")
	}
}

// failure is a mismatch being reported upward. options is the list of
// expectations when several alternatives all failed at the same place;
// shaped says the value had the right shape there (right kind and label),
// making the failure "closer" than a kind mismatch at the same depth.
type failure struct {
	err     ValidationError
	options []expectation
	prefix  string
	shaped  bool
}

func (f *failure) score() int {
	s := 2 * len(f.err.Path)
	if f.shaped {
		s++
	}
	return s
}

func (m *matcher) fail(c ctx, v lang.Value, e expectation) *failure {
	return &failure{err: ValidationError{Path: m.path(c), Found: v, Pos: c.pos}, options: []expectation{e}}
}

func (m *matcher) def(mod string, d *Definition, v lang.Value, c ctx, partOfAnd bool) *failure {
	key := activeKey{d, c.depth}
	for _, a := range m.active {
		if a == key {
			return m.fail(c, v, textExp(fmt.Sprintf("a value (the schema's definitions of %s refer to each other without end)", d.Name)))
		}
	}
	m.active = append(m.active, key)
	defer func() { m.active = m.active[:len(m.active)-1] }()
	var f *failure
	switch {
	case d.Or != nil:
		f = m.or(mod, d, v, c, partOfAnd)
	case d.And != nil:
		for _, p := range d.And {
			if f = m.pattern(mod, p.Pattern, v, c, true); f != nil {
				break
			}
		}
	default:
		f = m.pattern(mod, d.Pattern, v, c, partOfAnd)
	}
	if f == nil && m.opts.Strict && !partOfAnd && !m.hole(v) {
		f = m.closed(mod, d, v, c)
	}
	return f
}

func (m *matcher) or(mod string, d *Definition, v lang.Value, c ctx, partOfAnd bool) *failure {
	var fails []*failure
	for _, a := range d.Or {
		f := m.pattern(mod, a.Pattern, v, c, partOfAnd)
		if f == nil {
			if (m.opts.Strict || m.opts.RejectInvalid) && a.Label == "invalid" && len(fails) > 0 {
				break
			}
			return nil
		}
		f.err.Alternatives = append([]string{d.Name + "." + a.Label}, f.err.Alternatives...)
		fails = append(fails, f)
	}
	best := fails[0]
	for _, f := range fails[1:] {
		if f.score() > best.score() {
			best = f
		}
	}
	if best.score() == 2*c.depth {
		// Nothing got anywhere: the schema expects one of the alternatives.
		var opts []expectation
		for _, f := range fails {
			opts = append(opts, f.options...)
		}
		merged := *best
		merged.err.Alternatives = nil
		merged.options = opts
		return &merged
	}
	return best
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func (m *matcher) hole(v lang.Value) bool {
	return m.opts.Hole != nil && m.opts.Hole(v)
}

func (m *matcher) pattern(mod string, p Pattern, v lang.Value, c ctx, partOfAnd bool) *failure {
	if m.hole(v) {
		return nil
	}
	x := lang.Unwrap(v)
	switch p := p.(type) {
	case Any:
		return nil
	case Atom:
		for _, k := range atomKinds {
			if k.kind == p.Kind {
				if x.Kind() != k.lang {
					return m.fail(c, v, m.expect(mod, p))
				}
				return nil
			}
		}
		return m.fail(c, v, m.expect(mod, p))
	case Embedded:
		if _, ok := x.(lang.Embedded); !ok {
			return m.fail(c, v, m.expect(mod, p))
		}
		return nil
	case Lit:
		if !lang.Equal(x, p.Value) {
			return m.fail(c, v, m.expect(mod, p))
		}
		return nil
	case SeqOf:
		seq, ok := x.(lang.Sequence)
		if !ok {
			return m.fail(c, v, m.expect(mod, p))
		}
		for i, e := range seq {
			if f := m.pattern(mod, p.Elem, e, m.step(c, Step{Kind: IndexStep, Index: i}, e), false); f != nil {
				return f
			}
		}
		return nil
	case SetOf:
		set, ok := x.(*lang.Set)
		if !ok {
			return m.fail(c, v, m.expect(mod, p))
		}
		for _, e := range set.Elements() {
			if f := m.pattern(mod, p.Elem, e, m.step(c, Step{Kind: ElemStep, Key: e}, e), false); f != nil {
				return f
			}
		}
		return nil
	case DictOf:
		d, ok := x.(*lang.Dictionary)
		if !ok {
			return m.fail(c, v, m.expect(mod, p))
		}
		for _, e := range d.Entries() {
			if f := m.pattern(mod, p.Key, e.Key, m.step(c, Step{Kind: KeyStep, Key: e.Key}, e.Key), false); f != nil {
				f.prefix = "a key that is "
				return f
			}
			if f := m.pattern(mod, p.Value, e.Value, m.step(c, Step{Kind: KeyStep, Key: e.Key}, e.Value), false); f != nil {
				return f
			}
		}
		return nil
	case *Ref:
		rmod, d := m.set.lookup(mod, p)
		if d == nil {
			return m.fail(c, v, textExp(fmt.Sprintf("a %s (which no loaded schema defines)", p)))
		}
		return m.def(rmod, d, v, c, partOfAnd)
	case Rec:
		r, ok := x.(*lang.Record)
		if !ok {
			return m.fail(c, v, m.expect(mod, p))
		}
		if f := m.pattern(mod, p.Label.Pattern, r.Label, m.step(c, Step{Kind: LabelStep}, r.Label), false); f != nil {
			if _, lit := p.Label.Pattern.(Lit); lit {
				return m.fail(c, v, m.expect(mod, p))
			}
			return f
		}
		return m.fields(mod, p.Fields.Pattern, r, v, c)
	case Tuple, TuplePrefix:
		seq, ok := x.(lang.Sequence)
		if !ok {
			return m.fail(c, v, m.expect(mod, p))
		}
		return m.items(mod, p, seq, nil, v, c)
	case Dict:
		d, ok := x.(*lang.Dictionary)
		if !ok {
			return m.fail(c, v, m.expect(mod, p))
		}
		for _, e := range p.Entries {
			val, ok := d.Get(e.Key)
			if !ok {
				f := m.fail(m.step(c, Step{Kind: KeyStep, Key: e.Key, Name: e.Pattern.Name}, nil), nil, m.expect(mod, e.Pattern.Pattern))
				f.shaped = true
				return f
			}
			if f := m.pattern(mod, e.Pattern.Pattern, val, m.step(c, Step{Kind: KeyStep, Key: keyAt(d, e.Key), Name: e.Pattern.Name}, val), false); f != nil {
				return f
			}
		}
		return nil
	}
	return m.fail(c, v, textExp(fmt.Sprintf("something this validator does not know (%T)", p)))
}

// keyAt returns the key of d equal to k as it was written (with its
// position), or k.
func keyAt(d *lang.Dictionary, k lang.Value) lang.Value {
	for _, e := range d.Entries() {
		if lang.Equal(lang.Strip(e.Key), k) {
			return e.Key
		}
	}
	return k
}

// fields matches a record's fields against the record's fields pattern.
func (m *matcher) fields(mod string, p Pattern, r *lang.Record, v lang.Value, c ctx) *failure {
	switch p.(type) {
	case Tuple, TuplePrefix:
		return m.items(mod, p, lang.Sequence(r.Fields), r, v, c)
	}
	return m.pattern(mod, p, lang.Sequence(r.Fields), c, false)
}

// items matches the elements of a sequence (or of a record's fields, when r
// is set) against a Tuple or TuplePrefix.
func (m *matcher) items(mod string, p Pattern, seq lang.Sequence, r *lang.Record, v lang.Value, c ctx) *failure {
	var fixed []NamedPattern
	var variable *NamedPattern
	switch p := p.(type) {
	case Tuple:
		fixed = p.Elems
	case TuplePrefix:
		fixed, variable = p.Fixed, &p.Variable
	}
	what := "items"
	if r != nil {
		what = "fields"
	}
	if len(seq) < len(fixed) || (variable == nil && len(seq) != len(fixed)) {
		if len(fixed) == 1 {
			what = strings.TrimSuffix(what, "s")
		}
		count := fmt.Sprintf("%d %s", len(fixed), what)
		if variable != nil {
			count = "at least " + count
		}
		expected := fmt.Sprintf("%s (%s)", count, m.itemsText(mod, p))
		if r != nil {
			expected = fmt.Sprintf("%s: %s", count, m.describe(mod, Rec{Label: NamedPattern{Pattern: Lit{Value: lang.Strip(r.Label)}}, Fields: NamedPattern{Pattern: p}}))
		}
		f := m.fail(c, v, textExp(expected))
		f.shaped = true
		return f
	}
	step := func(i int, name string) Step {
		if r != nil {
			return Step{Kind: FieldStep, Index: i, Label: r.Label, Name: name}
		}
		return Step{Kind: IndexStep, Index: i, Name: name}
	}
	for i, np := range fixed {
		if f := m.pattern(mod, np.Pattern, seq[i], m.step(c, step(i, np.Name), seq[i]), false); f != nil {
			return f
		}
	}
	if variable == nil {
		return nil
	}
	rest := seq[len(fixed):]
	if so, ok := variable.Pattern.(SeqOf); ok {
		for i, e := range rest {
			j := len(fixed) + i
			if f := m.pattern(mod, so.Elem, e, m.step(c, step(j, variable.Name), e), false); f != nil {
				return f
			}
		}
		return nil
	}
	return m.pattern(mod, variable.Pattern, rest, c, false)
}

// closed reports, in strict mode, a key of dictionary v that no part of d
// mentions, when d is made only of dictionary patterns.
func (m *matcher) closed(mod string, d *Definition, v lang.Value, c ctx) *failure {
	dict, ok := lang.Unwrap(v).(*lang.Dictionary)
	if !ok {
		return nil
	}
	keys, finite := m.set.keysOfDef(mod, d, map[*Definition]bool{})
	if !finite || len(keys) == 0 {
		return nil
	}
	for _, e := range dict.Entries() {
		k := lang.Strip(e.Key)
		known := false
		for _, x := range keys {
			if lang.Equal(x, k) {
				known = true
				break
			}
		}
		if !known && !m.hole(e.Key) {
			names := make([]string, len(keys))
			for i, x := range keys {
				names[i] = lang.Format(x)
			}
			f := m.fail(m.step(c, Step{Kind: KeyStep, Key: e.Key}, e.Key), e.Key, textExp(fmt.Sprintf("%s knows %s", d.Name, strings.Join(names, ", "))))
			f.err.Path = m.path(c)
			f.err.Unknown = true
			f.shaped = true
			return f
		}
	}
	return nil
}

// keysOfDef lists the dictionary keys a definition mentions; finite is
// false unless every part of it is a dictionary pattern.
func (s *Set) keysOfDef(mod string, d *Definition, seen map[*Definition]bool) (keys []lang.Value, finite bool) {
	if seen[d] {
		return nil, false
	}
	seen[d] = true
	defer delete(seen, d)
	var parts []Pattern
	switch {
	case d.Or != nil:
		for _, a := range d.Or {
			parts = append(parts, a.Pattern)
		}
	case d.And != nil:
		for _, p := range d.And {
			parts = append(parts, p.Pattern)
		}
	default:
		parts = []Pattern{d.Pattern}
	}
	for _, p := range parts {
		switch p := p.(type) {
		case Dict:
			for _, e := range p.Entries {
				keys = append(keys, e.Key)
			}
		case *Ref:
			rmod, rd := s.lookup(mod, p)
			if rd == nil {
				return nil, false
			}
			ks, ok := s.keysOfDef(rmod, rd, seen)
			if !ok {
				return nil, false
			}
			keys = append(keys, ks...)
		default:
			return nil, false
		}
	}
	sort.Slice(keys, func(i, j int) bool { return lang.Compare(keys[i], keys[j]) < 0 })
	out := keys[:0]
	for i, k := range keys {
		if i == 0 || !lang.Equal(keys[i-1], k) {
			out = append(out, k)
		}
	}
	return out, true
}

// describe says what a pattern expects, in the schema's words.
func (m *matcher) describe(mod string, p Pattern) string {
	switch p := p.(type) {
	case Any:
		return "any value"
	case Atom:
		switch p.Kind {
		case Boolean:
			return "a boolean (#t or #f)"
		case Double:
			return "a double"
		case SignedInteger:
			return "an integer"
		case String:
			return "a string"
		case ByteString:
			return "a byte string"
		case Symbol:
			return "a symbol"
		}
	case Embedded:
		return "an embedded reference"
	case Lit:
		return lang.Format(p.Value)
	case *Ref:
		_, d := m.set.lookup(mod, p)
		if d != nil && d.Or == nil && d.And == nil {
			return m.describe(mod, d.Pattern)
		}
		return "a " + p.String()
	case SeqOf:
		return "[" + patternText(p.Elem) + " ...]"
	case SetOf:
		return "#{" + patternText(p.Elem) + "}"
	case DictOf:
		return "a dictionary {" + patternText(p.Key) + ": " + patternText(p.Value) + " ...:...}"
	case Dict:
		return "a dictionary " + patternText(p)
	}
	return patternText(p)
}

// itemsText writes the element patterns of a Tuple or TuplePrefix.
func (m *matcher) itemsText(mod string, p Pattern) string {
	t := patternText(p)
	return strings.TrimSuffix(strings.TrimPrefix(t, "["), "]")
}

// Unresolved lists the references of the set's schemas (outside embedded
// patterns, whose interfaces need not be loaded) that name a definition no
// module of the set has, as positioned messages.
func (s *Set) Unresolved() []string {
	var out []string
	for _, mod := range s.order {
		for _, d := range s.modules[mod].Definitions {
			var pats []Pattern
			for _, a := range d.Or {
				pats = append(pats, a.Pattern)
			}
			for _, np := range d.And {
				pats = append(pats, np.Pattern)
			}
			if d.Pattern != nil {
				pats = append(pats, d.Pattern)
			}
			for _, p := range pats {
				walkRefs(p, func(r *Ref) {
					if _, rd := s.lookup(mod, r); rd == nil {
						msg := fmt.Sprintf("%s refers to %s, which no loaded schema defines", qualified(mod, d.Name), r)
						if r.Pos.IsValid() {
							msg = r.Pos.String() + ": " + msg
						}
						out = append(out, msg)
					}
				})
			}
		}
	}
	return out
}

// walkRefs calls f for each reference in p outside embedded patterns.
func walkRefs(p Pattern, f func(*Ref)) {
	named := func(nps ...NamedPattern) {
		for _, np := range nps {
			walkRefs(np.Pattern, f)
		}
	}
	switch p := p.(type) {
	case *Ref:
		f(p)
	case SeqOf:
		walkRefs(p.Elem, f)
	case SetOf:
		walkRefs(p.Elem, f)
	case DictOf:
		walkRefs(p.Key, f)
		walkRefs(p.Value, f)
	case Rec:
		named(p.Label, p.Fields)
	case Tuple:
		named(p.Elems...)
	case TuplePrefix:
		named(p.Fixed...)
		named(p.Variable)
	case Dict:
		for _, e := range p.Entries {
			named(e.Pattern)
		}
	}
}
