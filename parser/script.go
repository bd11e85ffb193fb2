package parser

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/synd-lang/synd/lang"
)

// Script is a compiled script file: instructions to run in a facet.
type Script struct {
	File string // as given
	Dir  string // the directory holding the file ("." if none)
	Body []Instr
}

// Instr is one compiled instruction. Every instruction knows where it was
// written; Target names the variable holding the reference it acts on.
type Instr interface {
	Pos() lang.Position
}

// At is embedded in instructions and expressions to carry their position.
type At struct{ P lang.Position }

// Pos returns the position.
func (a At) Pos() lang.Position { return a.P }

// Assert asserts Template to Target for the lifetime of the facet.
type Assert struct {
	At
	Target   string
	Template Template
}

// Send sends Template as a message to Target.
type Send struct {
	At
	Target   string
	Template Template
}

// Block runs its instructions in order; a Let extends the environment of
// the instructions after it.
type Block struct {
	At
	Body []Instr
}

// During starts Body in a child facet for each distinct match of Pattern at
// Target, stopping it when the match goes away.
type During struct {
	At
	Target  string
	Pattern *PatternTemplate
	Body    Instr
}

// OnMessage runs Body in a fresh child facet for each message at Target
// matching Pattern.
type OnMessage struct {
	At
	Target  string
	Pattern *PatternTemplate
	Body    Instr
}

// OnStop runs Body when the enclosing facet stops.
type OnStop struct {
	At
	Body Instr
}

// Let evaluates Expr, matches it against Pattern and extends the
// environment; a mismatch is an error.
type Let struct {
	At
	Pattern *PatternTemplate
	Expr    Expr
}

// Cond matches the value of Var against Pattern: on a match it runs Then with
// the bindings, otherwise Else (the rest of the enclosing block).
type Cond struct {
	At
	Var     string
	Pattern *PatternTemplate
	Then    Instr
	Else    []Instr
}

// Template builds a value from the environment.
type Template interface {
	Pos() lang.Position
}

// TLit is a literal value.
type TLit struct {
	At
	Value lang.Value
}

// TVar substitutes the value bound to Name.
type TVar struct {
	At
	Name string
}

// TEnv is `$.`: the whole environment as a dictionary with symbol keys.
type TEnv struct{ At }

// TRecord builds a record.
type TRecord struct {
	At
	Label  Template
	Fields []Template
	// Const is the value built, when no part of the template depends on
	// the environment (nil otherwise): built once, when compiled.
	Const lang.Value
}

// TSequence builds a sequence.
type TSequence struct {
	At
	Items []Template
	Const lang.Value // as TRecord's
}

// TSet builds a set.
type TSet struct {
	At
	Items []Template
	Const lang.Value // as TRecord's
}

// TDictionary builds a dictionary. RawKeys are the keys as written (without
// annotations): in the template of a caveat's rewrite they are literal.
type TDictionary struct {
	At
	Keys, Values []Template
	RawKeys      []lang.Value
	Const        lang.Value // as TRecord's
}

// ConstValue is the value a template always builds, whatever the
// environment, and false if it depends on it.
func ConstValue(t Template) (lang.Value, bool) {
	switch t := t.(type) {
	case *TLit:
		return t.Value, true
	case *TRecord:
		return t.Const, t.Const != nil
	case *TSequence:
		return t.Const, t.Const != nil
	case *TSet:
		return t.Const, t.Const != nil
	case *TDictionary:
		return t.Const, t.Const != nil
	}
	return nil, false
}

// TAttenuate is `<* $cap [CAVEAT ...]>`: Cap attenuated by Caveats.
type TAttenuate struct {
	At
	Cap     Template
	Caveats []Caveat
}

// Caveat is one caveat of an attenuation (sturdy.prs).
type Caveat struct {
	At
	Kind     CaveatKind
	Pattern  *PatternTemplate // reject, accept, rewrite
	Template Template         // rewrite: built from the pattern's bindings
	Alts     []Caveat         // or: accepts and rewrites tried in order
}

// CaveatKind names the kinds of caveat.
type CaveatKind uint8

// The caveats.
const (
	CaveatReject CaveatKind = iota + 1
	CaveatAccept
	CaveatRewrite
	CaveatOr
)

// Expr is the right-hand side of a let.
type Expr interface {
	Pos() lang.Position
}

// EDataspace makes a new dataspace.
type EDataspace struct{ At }

// ETimestamp is the current time in RFC 3339 (UTC, written +00:00).
type ETimestamp struct{ At }

// EFacet is a reference that stops the current facet on the message `stop`.
type EFacet struct{ At }

// EScriptDir is the directory of the running script.
type EScriptDir struct{ At }

// EStringify is the Preserves text of the value of Expr.
type EStringify struct {
	At
	Expr Expr
}

// EJoin joins the items of the value of Expr with the value of Sep (both
// expressions; a value that is not a string is joined as its text).
type EJoin struct {
	At
	Sep  Expr
	Expr Expr
}

// ETemplate is a template instantiated with the environment.
type ETemplate struct {
	At
	Template Template
}

// PatternTemplate is a pattern whose `$x` parts are filled in when it is
// used. Names lists the variables it binds, in capture order.
type PatternTemplate struct {
	Root  PNode
	Names []string
}

// PNode is a node of a pattern template.
type PNode interface{ isPNode() }

// PDiscard matches anything.
type PDiscard struct{}

// PBind binds Name to what Sub matches.
type PBind struct {
	Name string
	Sub  PNode
}

// PLit matches a literal value (structurally, if compound).
type PLit struct{ Value lang.Value }

// PVar matches the value bound to Name (structurally, if compound).
type PVar struct {
	Name string
	P    lang.Position
}

// PEnv matches the environment dictionary ($.).
type PEnv struct{}

// PGroup matches a record (Label set), sequence or dictionary by the listed
// keys, in key order. A record's label is Label, or, when LabelVar is set,
// the value of that variable when the pattern is used.
type PGroup struct {
	Kind     uint8 // 0 record, 1 sequence, 2 dictionary (as dataspace.GroupKind)
	Label    lang.Value
	LabelVar *PVar
	Keys     []lang.Value
	Items    []PNode
}

func (PDiscard) isPNode() {}
func (PBind) isPNode()    {}
func (PLit) isPNode()     {}
func (PVar) isPNode()     {}
func (PEnv) isPNode()     {}
func (PGroup) isPNode()   {}

// ErrorList is every error found in a file, in order of position.
type ErrorList []*lang.Error

// Error lists the errors, one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns the list as an error, or nil if it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// CompileFile reads and compiles a script. If there is any error, the Script
// is nil and the error is an ErrorList with every error found.
func CompileFile(file string, src []byte) (*Script, error) {
	if s, ok := compileData(file, src); ok {
		return s, nil
	}
	vals, err := ParseAll(file, src, Options{Positions: true, Annotations: true})
	if err != nil {
		e, ok := err.(*lang.Error)
		if !ok {
			e = &lang.Error{Kind: lang.SyntaxError, Pos: lang.Position{File: file}, Msg: err.Error()}
		}
		return nil, ErrorList{e}
	}
	return CompileValues(file, vals)
}

// CompileValues compiles the values of a script file (read with positions).
func CompileValues(file string, vals []lang.Value) (*Script, error) {
	return CompileValuesTarget(file, vals, "config")
}

// CompileValuesTarget is CompileValues with instructions aimed at the
// variable target rather than config (the REPL's :target).
func CompileValuesTarget(file string, vals []lang.Value, target string) (*Script, error) {
	c := &compiler{file: file}
	body := c.block(vals, target, target)
	if len(c.errs) > 0 {
		sort.SliceStable(c.errs, func(i, j int) bool {
			a, b := c.errs[i].Pos, c.errs[j].Pos
			return a.Line < b.Line || (a.Line == b.Line && a.Column < b.Column)
		})
		return nil, c.errs
	}
	return newScript(file, body), nil
}

func newScript(file string, body []Instr) *Script {
	dir := "."
	if file != "" && file != "-" && !strings.HasPrefix(file, "<") {
		dir = filepath.Dir(file)
	}
	return &Script{File: file, Dir: dir, Body: body}
}

// compileData compiles a file of data — nothing but records that are
// plain templates, each an assertion to $config of itself, as a
// configuration directory's files mostly are — in one cheap pass: what
// CompileFile makes of it, with each record's own position, but read
// without the position and annotation wrappers of every value inside (a
// plain record's value has no use for them: the compiler strips them) and
// kept as the reader built it, in memory the collector does not scan. It
// reports false, having made nothing, for any other file (an instruction,
// an annotation before a record, a syntax error), which CompileFile then
// compiles as usual.
func compileData(file string, src []byte) (*Script, bool) {
	r := getReader(file, src, Options{})
	defer putReader(r)
	c := &compiler{file: file}
	var body []Instr
	for {
		r.leadingComments()
		t := r.peek()
		if r.err != nil {
			return nil, false
		}
		if t.typ == TokEOF {
			break
		}
		if t.typ != TokOpenRecord {
			return nil, false
		}
		at := At{r.toPos(t.pos)}
		v, err := r.value(nil)
		if err != nil {
			return nil, false
		}
		rec, ok := v.(*lang.Record)
		if !ok || !plainTemplate(rec) {
			return nil, false
		}
		body = append(body, &Assert{at, "config", c.lit(at, rec)})
	}
	return newScript(file, body), true
}

type compiler struct {
	file string
	errs ErrorList
	// Template nodes are carved out of chunks: a 10,000-line script makes
	// some 100,000 of them.
	lits  slab[TLit]
	recs  slab[TRecord]
	tmpls slab[Template]
	vals  slab[lang.Value]
	// records are the records of constant values.
	records slab[lang.Record]
}

// slab hands out elements of chunks that grow from 8 to 256 elements, so
// that a one-line script (the REPL's) keeps little and a long one makes
// few allocations.
type slab[T any] struct {
	buf  []T
	next int
}

func (s *slab[T]) grow(n int) {
	if s.next < 8 {
		s.next = 8
	}
	size := max(s.next, n)
	s.buf = make([]T, size)
	if s.next < 256 {
		s.next *= 2
	}
}

// take returns a new zero element.
func (s *slab[T]) take() *T {
	if len(s.buf) == 0 {
		s.grow(1)
	}
	p := &s.buf[0]
	s.buf = s.buf[1:]
	return p
}

// slice returns n new zero elements, capped so that appending to them
// copies.
func (s *slab[T]) slice(n int) []T {
	if n == 0 {
		return make([]T, 0) // not nil, as make would give; no allocation
	}
	if len(s.buf) < n {
		s.grow(n)
	}
	out := s.buf[:n:n]
	s.buf = s.buf[n:]
	return out
}

// lit makes a literal template.
func (c *compiler) lit(at At, v lang.Value) *TLit {
	t := c.lits.take()
	*t = TLit{at, v}
	return t
}

func (c *compiler) errorf(p lang.Position, format string, args ...any) {
	if !p.IsValid() {
		p = lang.Position{File: c.file, Line: 1, Column: 1}
	}
	c.errs = append(c.errs, &lang.Error{Kind: lang.SyntaxError, Pos: p, Msg: fmt.Sprintf(format, args...)})
}

// cursor walks the values of a block.
type cursor struct {
	vals []lang.Value
	i    int
	end  lang.Position // where the block ends, for "expected ... at end" errors
}

func (k *cursor) more() bool { return k.i < len(k.vals) }

func (k *cursor) peek() lang.Value {
	if k.i < len(k.vals) {
		return k.vals[k.i]
	}
	return nil
}

func (k *cursor) next() lang.Value {
	v := k.peek()
	if v != nil {
		k.i++
	}
	return v
}

// lastPos is the position of the last value consumed (for errors at the end).
func (k *cursor) lastPos() lang.Position {
	if k.i > 0 {
		return lang.PositionOf(k.vals[k.i-1])
	}
	return k.end
}

// unwrapPos is lang.Unwrap(v) and lang.PositionOf(v) in one pass, without
// gathering the annotations.
func unwrapPos(v lang.Value) (lang.Value, lang.Position) {
	var p lang.Position
	for {
		a, ok := v.(*lang.Annotated)
		if !ok {
			return v, p
		}
		if !p.IsValid() {
			p = a.Pos
		}
		v = a.Value
	}
}

func symbolOf(v lang.Value) (string, bool) {
	s, ok := lang.Unwrap(v).(lang.Symbol)
	return string(s), ok
}

// block compiles the instructions of a block with target and outer target
// (the target before the latest $var retargeting, which =~ runs its branches
// with, as syndicate-server's Parser::parse does).
func (c *compiler) block(vals []lang.Value, target, outer string) []Instr {
	k := &cursor{vals: vals}
	var out []Instr
	for k.more() {
		in := c.instr(k, target, outer)
		if in != nil {
			out = append(out, in)
		}
	}
	return out
}

// instr compiles one instruction from the cursor; the rest of the block is
// consumed too when the instruction is a `=~` conditional.
func (c *compiler) instr(k *cursor, target, outer string) Instr {
	v := k.next()
	p := lang.PositionOf(v)
	at := At{p}
	switch x := lang.Unwrap(v).(type) {
	case *lang.Record, *lang.Dictionary:
		return &Assert{at, target, c.valueTemplate(v)}
	case lang.Sequence:
		return &Block{at, c.block(x, target, outer)}
	case lang.Symbol:
		s := string(x)
		switch {
		case s == "!":
			t, ok := c.payload(k, "!", "a template to send")
			if !ok {
				return nil
			}
			return &Send{at, target, t}
		case s == "+=":
			t, ok := c.payload(k, "+=", "a template to assert")
			if !ok {
				return nil
			}
			return &Assert{at, target, t}
		case s == "?" || s == "??":
			if !k.more() {
				c.errorf(p, "%s needs a pattern and an instruction", s)
				return nil
			}
			pat := c.pattern(k.next())
			if !k.more() {
				c.errorf(p, "%s needs an instruction after its pattern", s)
				return nil
			}
			body := c.instr(k, target, outer)
			if pat == nil || body == nil {
				return nil
			}
			if s == "?" {
				return &During{at, target, pat, body}
			}
			return &OnMessage{at, target, pat, body}
		case s == "?-":
			if !k.more() {
				c.errorf(p, "?- needs an instruction to run on stop")
				return nil
			}
			body := c.instr(k, target, outer)
			if body == nil {
				return nil
			}
			return &OnStop{at, body}
		case s == "let":
			return c.let(k, at)
		case s == "$." && !isMatchOp(k.peek()):
			c.errorf(p, "$. cannot stand as an instruction (it is not a reference); only `$. =~ PATTERN ...` may start with it")
			return nil
		case s == "$":
			c.errorf(p, "$ needs a variable name")
			return nil
		case strings.HasPrefix(s, "$"):
			name := s[1:]
			if !k.more() {
				c.errorf(p, "expected an instruction after %s", s)
				return nil
			}
			if isMatchOp(k.peek()) {
				k.next()
				return c.cond(k, at, s, name, target)
			}
			return c.instr(k, name, target)
		case strings.HasPrefix(s, "?"):
			c.errorf(p, "binder %s cannot stand as an instruction", s)
			return nil
		case s == "_":
			c.errorf(p, "_ cannot stand as an instruction")
			return nil
		case s == "=~":
			// A bare =~ matches the current target's variable; its branches
			// run with the outer target (script/mod.rs, Parser::parse).
			return c.cond(k, at, "=~", target, outer)
		case s == "=":
			c.errorf(p, "unexpected %s", s)
			return nil
		}
		c.errorf(p, "unexpected symbol %s; expected an instruction", s)
		return nil
	}
	c.errorf(p, "unexpected %s %s; expected an instruction", lang.Unwrap(v).Kind(), lang.Format(lang.Strip(v)))
	return nil
}

// cond compiles `=~ PATTERN INSTR REST...` matching the variable name; INSTR
// and REST (the rest of the block) run with target.
func (c *compiler) cond(k *cursor, at At, what, name, target string) Instr {
	if what != "=~" {
		what += " =~"
	}
	if !k.more() {
		c.errorf(at.P, "%s needs a pattern and an instruction", what)
		return nil
	}
	pat := c.pattern(k.next())
	if !k.more() {
		c.errorf(at.P, "%s needs an instruction after its pattern", what)
		return nil
	}
	then := c.instr(k, target, target)
	var rest []Instr
	for k.more() {
		if in := c.instr(k, target, target); in != nil {
			rest = append(rest, in)
		}
	}
	if pat == nil || then == nil {
		return nil
	}
	return &Cond{at, name, pat, then, rest}
}

func isMatchOp(v lang.Value) bool {
	s, _ := symbolOf(v)
	return s == "=~"
}

func (c *compiler) payload(k *cursor, op, what string) (Template, bool) {
	if !k.more() {
		c.errorf(k.lastPos(), "%s needs %s", op, what)
		return nil, false
	}
	t := c.valueTemplate(k.next())
	return t, t != nil
}

func (c *compiler) let(k *cursor, at At) Instr {
	if !k.more() {
		c.errorf(at.P, "let needs a pattern, = and an expression")
		return nil
	}
	pv := k.next()
	if eq, _ := symbolOf(k.peek()); eq != "=" {
		c.errorf(at.P, "let without =: expected `let PATTERN = EXPRESSION`")
		return nil
	}
	k.next()
	if !k.more() {
		c.errorf(at.P, "let needs an expression after =")
		return nil
	}
	pat := c.pattern(pv)
	e := c.expr(k)
	if pat == nil || e == nil {
		return nil
	}
	return &Let{at, pat, e}
}

func (c *compiler) expr(k *cursor) Expr {
	v := k.next()
	p := lang.PositionOf(v)
	at := At{p}
	if s, ok := symbolOf(v); ok {
		switch s {
		case "dataspace":
			return &EDataspace{at}
		case "timestamp":
			return &ETimestamp{at}
		case "facet":
			return &EFacet{at}
		case "scriptdir":
			return &EScriptDir{at}
		case "stringify":
			if !k.more() {
				c.errorf(p, "stringify needs an expression")
				return nil
			}
			e := c.expr(k)
			if e == nil {
				return nil
			}
			return &EStringify{at, e}
		case "join":
			if !k.more() {
				c.errorf(p, "join needs a separator and an expression")
				return nil
			}
			sep := c.expr(k)
			if !k.more() {
				c.errorf(p, "join needs an expression after its separator")
				return nil
			}
			e := c.expr(k)
			if sep == nil || e == nil {
				return nil
			}
			return &EJoin{at, sep, e}
		}
	}
	t := c.valueTemplate(v)
	if t == nil {
		return nil
	}
	return &ETemplate{at, t}
}

// template compiles a value into a template; it returns nil after reporting
// an error.
func (c *compiler) template(v lang.Value) Template {
	u, p := unwrapPos(v)
	at := At{p}
	switch x := u.(type) {
	case lang.Symbol:
		s := string(x)
		switch {
		case s == "$.":
			return &TEnv{at}
		case strings.HasPrefix(s, "$") && len(s) > 1:
			return &TVar{at, s[1:]}
		case s == "$":
			c.errorf(p, "$ needs a variable name")
			return nil
		case strings.HasPrefix(s, "="):
			return c.lit(at, lang.Symbol(s[1:]))
		case strings.HasPrefix(s, "?"):
			c.errorf(p, "binder %s is not allowed in a template", s)
			return nil
		case s == "_":
			c.errorf(p, "_ is not allowed in a template")
			return nil
		}
		return c.lit(at, u)
	case *lang.Record:
		if l, _ := symbolOf(x.Label); l == "*" {
			return c.attenuation(x, at)
		}
		label := c.template(x.Label)
		fields := c.tmpls.slice(len(x.Fields))
		ok := label != nil
		for i, f := range x.Fields {
			fields[i] = c.template(f)
			ok = ok && fields[i] != nil
		}
		if !ok {
			return nil
		}
		t := c.recs.take()
		*t = TRecord{At: at, Label: label, Fields: fields}
		if l, ok := ConstValue(label); ok {
			if fs, ok := c.constValues(fields); ok {
				r := c.records.take()
				*r = lang.Record{Label: l, Fields: fs}
				t.Const = r
			}
		}
		return t
	case lang.Sequence:
		items, ok := c.templates(x)
		if !ok {
			return nil
		}
		t := &TSequence{At: at, Items: items}
		if vs, ok := c.constValues(items); ok {
			t.Const = lang.Sequence(vs)
		}
		return t
	case *lang.Set:
		items, ok := c.templates(x.Elements())
		if !ok {
			return nil
		}
		t := &TSet{At: at, Items: items}
		if vs, ok := c.constValues(items); ok {
			t.Const = lang.SetOf(vs...)
		}
		return t
	case *lang.Dictionary:
		var ks, vs []Template
		var raw []lang.Value
		ok := true
		for _, e := range x.Entries() {
			kt, vt := c.template(e.Key), c.template(e.Value)
			ok = ok && kt != nil && vt != nil
			ks, vs = append(ks, kt), append(vs, vt)
			raw = append(raw, lang.Strip(e.Key))
		}
		if !ok {
			return nil
		}
		t := &TDictionary{At: at, Keys: ks, Values: vs, RawKeys: raw}
		if kc, ok := c.constValues(ks); ok {
			if vc, ok := c.constValues(vs); ok {
				kvs := make([]lang.Value, 0, 2*len(kc))
				for i := range kc {
					kvs = append(kvs, kc[i], vc[i])
				}
				t.Const = lang.DictionaryOf(kvs...)
			}
		}
		return t
	}
	return c.lit(at, lang.Strip(v))
}

// valueTemplate compiles the template of an instruction or expression: a
// value with nothing in it to fill in or check (no $variable, binder, _,
// =literal or attenuation at any depth) is one literal, the value without
// its annotations, and its parts are not compiled one by one. (The
// templates of caveats keep their structure: sturdyTemplate turns a
// record into a TCompound, as script/mod.rs instantiate_template does.)
func (c *compiler) valueTemplate(v lang.Value) Template {
	if plainTemplate(v) {
		_, p := unwrapPos(v)
		return c.lit(At{p}, c.strip(v))
	}
	return c.template(v)
}

// strip is lang.Strip, with records and sequences carved from the
// compiler's chunks.
func (c *compiler) strip(v lang.Value) lang.Value {
	switch x := lang.Unwrap(v).(type) {
	case *lang.Record:
		r := c.records.take()
		fs := c.vals.slice(len(x.Fields))
		for i, f := range x.Fields {
			fs[i] = c.strip(f)
		}
		*r = lang.Record{Label: c.strip(x.Label), Fields: fs}
		return r
	case lang.Sequence:
		items := c.vals.slice(len(x))
		for i, it := range x {
			items[i] = c.strip(it)
		}
		return lang.Sequence(items)
	case *lang.Set, *lang.Dictionary:
		return lang.Strip(x)
	default:
		return x
	}
}

// plainTemplate reports whether v, as a template, builds itself.
func plainTemplate(v lang.Value) bool {
	switch x := lang.Unwrap(v).(type) {
	case lang.Symbol:
		s := string(x)
		return s != "_" && !strings.HasPrefix(s, "$") && !strings.HasPrefix(s, "?") && !strings.HasPrefix(s, "=")
	case *lang.Record:
		if l, _ := symbolOf(x.Label); l == "*" {
			return false
		}
		return plainTemplate(x.Label) && plainTemplates(x.Fields)
	case lang.Sequence:
		return plainTemplates(x)
	case *lang.Set:
		return plainTemplates(x.Elements())
	case *lang.Dictionary:
		for _, e := range x.Entries() {
			if !plainTemplate(e.Key) || !plainTemplate(e.Value) {
				return false
			}
		}
	}
	return true
}

func plainTemplates(vs []lang.Value) bool {
	for _, v := range vs {
		if !plainTemplate(v) {
			return false
		}
	}
	return true
}

// constValues are the values of templates that are all constant.
func (c *compiler) constValues(ts []Template) ([]lang.Value, bool) {
	for _, t := range ts {
		if _, ok := ConstValue(t); !ok {
			return nil, false
		}
	}
	out := c.vals.slice(len(ts))
	for i, t := range ts {
		out[i], _ = ConstValue(t)
	}
	return out, true
}

func (c *compiler) templates(vs []lang.Value) ([]Template, bool) {
	out := c.tmpls.slice(len(vs))
	ok := true
	for i, v := range vs {
		out[i] = c.template(v)
		ok = ok && out[i] != nil
	}
	return out, ok
}

func (c *compiler) attenuation(r *lang.Record, at At) Template {
	if len(r.Fields) != 2 {
		c.errorf(at.P, "attenuation must be <* $ref [CAVEAT ...]>")
		return nil
	}
	cp := c.template(r.Fields[0])
	list, ok := lang.Unwrap(r.Fields[1]).(lang.Sequence)
	if !ok {
		c.errorf(lang.PositionOf(r.Fields[1]), "attenuation caveats must be a sequence [CAVEAT ...]")
		return nil
	}
	var cs []Caveat
	good := cp != nil
	for _, cv := range list {
		cav, ok := c.caveat(cv)
		good = good && ok
		cs = append(cs, cav)
	}
	if !good {
		return nil
	}
	return &TAttenuate{at, cp, cs}
}

func (c *compiler) caveat(v lang.Value) (Caveat, bool) {
	p := lang.PositionOf(v)
	r, ok := lang.Unwrap(v).(*lang.Record)
	if !ok {
		c.errorf(p, "a caveat must be <reject P>, <accept P>, <rewrite P T> or <or [ALTERNATIVE ...]>")
		return Caveat{}, false
	}
	label, _ := symbolOf(r.Label)
	switch {
	case label == "reject" && len(r.Fields) == 1, label == "accept" && len(r.Fields) == 1:
		pat := c.pattern(r.Fields[0])
		kind := CaveatReject
		if label == "accept" {
			kind = CaveatAccept
		}
		return Caveat{At: At{p}, Kind: kind, Pattern: pat}, pat != nil
	case label == "rewrite" && len(r.Fields) == 2:
		pat := c.pattern(r.Fields[0])
		t := c.template(r.Fields[1])
		return Caveat{At: At{p}, Kind: CaveatRewrite, Pattern: pat, Template: t}, pat != nil && t != nil
	case label == "or" && len(r.Fields) == 1:
		alts, isSeq := lang.Unwrap(r.Fields[0]).(lang.Sequence)
		if !isSeq {
			c.errorf(p, "<or ...> takes a sequence of <accept P> and <rewrite P T> alternatives")
			return Caveat{}, false
		}
		cv := Caveat{At: At{p}, Kind: CaveatOr}
		good := true
		for _, a := range alts {
			alt, ok := c.caveat(a)
			if ok && alt.Kind != CaveatRewrite && alt.Kind != CaveatAccept {
				c.errorf(alt.P, "<or ...> takes only <accept P> and <rewrite P T> alternatives")
				ok = false
			}
			good = good && ok
			cv.Alts = append(cv.Alts, alt)
		}
		return cv, good
	}
	c.errorf(p, "a caveat must be <reject P>, <accept P>, <rewrite P T> or <or [ALTERNATIVE ...]>, not %s", lang.Format(lang.Strip(v)))
	return Caveat{}, false
}

// CompilePattern compiles one value (read with positions) as a pattern.
func CompilePattern(file string, v lang.Value) (*PatternTemplate, error) {
	c := &compiler{file: file}
	p := c.pattern(v)
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return p, nil
}

// pattern compiles a value into a pattern template, or reports errors and
// returns nil.
func (c *compiler) pattern(v lang.Value) *PatternTemplate {
	before := len(c.errs)
	var names []string
	root := c.pnode(v, &names)
	if len(c.errs) > before {
		return nil
	}
	return &PatternTemplate{Root: root, Names: names}
}

func (c *compiler) pnode(v lang.Value, names *[]string) PNode {
	p := lang.PositionOf(v)
	switch x := lang.Unwrap(v).(type) {
	case lang.Symbol:
		s := string(x)
		switch {
		case s == "_":
			return PDiscard{}
		case s == "$.":
			return PEnv{}
		case strings.HasPrefix(s, "?"):
			// A bare ? binds the empty name, as script/mod.rs analyze reads it.
			*names = append(*names, s[1:])
			return PBind{Name: s[1:], Sub: PDiscard{}}
		case s == "$":
			c.errorf(p, "$ needs a variable name")
			return nil
		case strings.HasPrefix(s, "$"):
			return PVar{Name: s[1:], P: p}
		case strings.HasPrefix(s, "="):
			return PLit{lang.Symbol(s[1:])}
		}
		return PLit{x}
	case *lang.Record:
		if l, ok := symbolOf(x.Label); ok && strings.HasPrefix(l, "?") && len(l) > 1 && len(x.Fields) == 1 {
			*names = append(*names, l[1:])
			return PBind{Name: l[1:], Sub: c.pnode(x.Fields[0], names)}
		}
		g := PGroup{Kind: 0}
		if l, ok := symbolOf(x.Label); ok && strings.HasPrefix(l, "$") && len(l) > 1 && l != "$." {
			// A variable label is instantiated, then used as a literal
			// (script/mod.rs, PatternInstantiator::instantiate_pattern).
			g.LabelVar = &PVar{Name: l[1:], P: lang.PositionOf(x.Label)}
		} else {
			label, ok := c.literalLabel(x.Label)
			if !ok {
				return nil
			}
			g.Label = label
		}
		for i, f := range x.Fields {
			g.Keys = append(g.Keys, lang.Int(i))
			g.Items = append(g.Items, c.pnode(f, names))
		}
		return g
	case lang.Sequence:
		g := PGroup{Kind: 1}
		for i, f := range x {
			g.Keys = append(g.Keys, lang.Int(i))
			g.Items = append(g.Items, c.pnode(f, names))
		}
		return g
	case *lang.Dictionary:
		g := PGroup{Kind: 2}
		type kv struct {
			k lang.Value
			v lang.Value
		}
		var es []kv
		for _, e := range x.Entries() {
			// Keys are literal as written: {=k: P} is keyed by the symbol
			// =k (script/mod.rs, PatternInstantiator::instantiate_pattern).
			es = append(es, kv{lang.Strip(e.Key), e.Value})
		}
		slices.SortStableFunc(es, func(a, b kv) int { return lang.Compare(a.k, b.k) })
		for _, e := range es {
			g.Keys = append(g.Keys, e.k)
			g.Items = append(g.Items, c.pnode(e.v, names))
		}
		return g
	case *lang.Set:
		c.errorf(p, "sets are not allowed in patterns")
		return nil
	}
	return PLit{lang.Strip(v)}
}

// literalLabel accepts the label of a record pattern: it must be literal.
func (c *compiler) literalLabel(v lang.Value) (lang.Value, bool) {
	p := lang.PositionOf(v)
	if s, ok := symbolOf(v); ok {
		switch {
		case s == "_" || strings.HasPrefix(s, "?") || s == "$" || s == "$.":
			c.errorf(p, "the label of a record pattern must be literal, not %s", s)
			return nil, false
		case strings.HasPrefix(s, "="):
			return lang.Symbol(s[1:]), true
		}
	}
	return lang.Strip(v), true
}
