package schema

import (
	"strings"

	"github.com/synd-lang/synd/lang"
)

// Diagnostic is a mistake found in a script by checking its records against
// schemas.
type Diagnostic struct {
	Pos        lang.Position
	Msg        string
	Definition string // the definition that came closest, module.Name
	Unknown    bool   // the mistake is a dictionary key no schema knows
}

// Error formats the diagnostic as file:line:col: message.
func (d Diagnostic) Error() string {
	if d.Pos.IsValid() {
		return d.Pos.String() + ": " + d.Msg
	}
	return d.Msg
}

// Checker validates the records a script asserts and sends against the
// definitions of a set of schemas, chosen by record label.
type Checker struct {
	// Options are those records are validated with; NewChecker sets
	// Strict. A hole given to CheckValue is added to them.
	Options Options
	set     *Set
	labels  map[string][]candidate // by lang.Key of the stripped label
}

type candidate struct {
	mod string
	def *Definition
}

// NewChecker returns a checker for the records defined by the named modules
// of set, or single definitions named module.Name (all of the set's modules
// if nothing is named; names the set does not have are skipped). A record
// whose label one of these definitions gives (directly, or in an
// alternative) must match one of the definitions giving that label.
func NewChecker(set *Set, names ...string) *Checker {
	if len(names) == 0 {
		names = set.Modules()
	}
	c := &Checker{Options: Options{Strict: true}, set: set, labels: map[string][]candidate{}}
	for _, name := range names {
		mod, defs := name, []*Definition(nil)
		if s := set.Module(name); s != nil {
			defs = s.Definitions
		} else if m, d, err := set.Resolve(name); err == nil {
			mod, defs = m, []*Definition{d}
		}
		for _, d := range defs {
			var labels []lang.Value
			if d.Pattern != nil {
				labels = append(labels, recordLabels(d.Pattern)...)
			}
			for _, a := range d.Or {
				labels = append(labels, recordLabels(a.Pattern)...)
			}
			seen := map[string]bool{}
			for _, l := range labels {
				k := lang.Key(l)
				if !seen[k] {
					seen[k] = true
					c.labels[k] = append(c.labels[k], candidate{mod, d})
				}
			}
		}
	}
	return c
}

// recordLabels returns the literal label of a record pattern.
func recordLabels(p Pattern) []lang.Value {
	if r, ok := p.(Rec); ok {
		if l, ok := r.Label.Pattern.(Lit); ok {
			return []lang.Value{l.Value}
		}
	}
	return nil
}

// Knows reports whether some definition gives records this label.
func (c *Checker) Knows(label lang.Value) bool {
	return len(c.labels[lang.Key(lang.Strip(label))]) > 0
}

// CheckValue checks one record (or any value: only records with a known
// label are checked) with the checker's options, hole saying which parts of
// it stand for any value. It returns nil if it passes.
func (c *Checker) CheckValue(v lang.Value, hole func(lang.Value) bool) *Diagnostic {
	r, ok := lang.Unwrap(v).(*lang.Record)
	if !ok || (hole != nil && hole(r.Label)) {
		return nil
	}
	cands := c.labels[lang.Key(lang.Strip(r.Label))]
	if len(cands) == 0 {
		return nil
	}
	var best *failure
	var bestM *matcher
	var bestDef string
	for _, cd := range cands {
		opts := c.Options
		if hole != nil {
			opts.Hole = hole
		}
		m := &matcher{set: c.set, opts: opts}
		f := m.def(cd.mod, cd.def, v, ctx{pos: lang.PositionOf(v)}, false)
		if f == nil {
			return nil
		}
		if best == nil || f.score() > best.score() {
			best, bestM, bestDef = f, m, qualified(cd.mod, cd.def.Name)
		}
	}
	best.err.Definition = bestDef
	bestM.finish(best)
	return &Diagnostic{Pos: best.err.Pos, Msg: best.err.Message() + " (schema " + bestDef + ")", Definition: bestDef, Unknown: best.err.Unknown}
}

// CheckScript checks the records a script asserts (`<...>`, `+= ...`) and
// sends (`! ...`), wherever they are among its instructions, read with
// positions. Template variables ($name), attenuations (<* ...>) and
// patterns are not checked; `=sym` in a template is the symbol sym.
func (c *Checker) CheckScript(values []lang.Value) []Diagnostic {
	w := &scriptWalker{c: c}
	w.block(values)
	return w.out
}

type scriptWalker struct {
	c   *Checker
	out []Diagnostic
}

func isTemplateHole(v lang.Value) bool {
	switch x := lang.Unwrap(v).(type) {
	case lang.Symbol:
		return strings.HasPrefix(string(x), "$")
	case *lang.Record:
		if s, ok := lang.Unwrap(x.Label).(lang.Symbol); ok && s == "*" {
			return true // an attenuated reference
		}
	}
	return false
}

func (w *scriptWalker) template(v lang.Value) {
	v = unescape(v)
	if d := w.c.CheckValue(v, isTemplateHole); d != nil {
		w.out = append(w.out, *d)
		return
	}
	if r, ok := lang.Unwrap(v).(*lang.Record); ok && w.c.Knows(r.Label) {
		w.nested(r.Fields)
	}
}

// nested checks the records inside a record that passed, such as the
// <relay-listener ...> of <require-service <relay-listener ...>>.
func (w *scriptWalker) nested(vs []lang.Value) {
	for _, v := range vs {
		if isTemplateHole(v) {
			continue
		}
		switch x := lang.Unwrap(v).(type) {
		case *lang.Record:
			if d := w.c.CheckValue(v, isTemplateHole); d != nil {
				w.out = append(w.out, *d)
				continue
			}
			w.nested(x.Fields)
		case lang.Sequence:
			w.nested(x)
		case *lang.Dictionary:
			for _, e := range x.Entries() {
				w.nested([]lang.Value{e.Value})
			}
		}
	}
}

func (w *scriptWalker) block(items []lang.Value) {
	for i := 0; i < len(items); {
		i = w.instr(items, i)
	}
}

func symbolAt(items []lang.Value, i int) string {
	if i < len(items) {
		if s, ok := lang.Unwrap(items[i]).(lang.Symbol); ok {
			return string(s)
		}
	}
	return ""
}

// instr walks the instruction starting at items[i] and returns the index
// after it.
func (w *scriptWalker) instr(items []lang.Value, i int) int {
	if i >= len(items) {
		return i
	}
	switch x := lang.Unwrap(items[i]).(type) {
	case lang.Sequence:
		w.block(x)
		return i + 1
	case *lang.Record, *lang.Dictionary:
		w.template(items[i])
		return i + 1
	case lang.Symbol:
		switch s := string(x); {
		case s == "?" || s == "??":
			return w.instr(items, i+2)
		case s == "?-":
			return w.instr(items, i+1)
		case s == "!" || s == "+=":
			if i+1 < len(items) {
				w.template(items[i+1])
			}
			return i + 2
		case s == "let":
			return expression(items, i+3)
		case strings.HasPrefix(s, "$"):
			if symbolAt(items, i+1) == "=~" {
				return w.instr(items, i+3)
			}
			return w.instr(items, i+1)
		}
	}
	return i + 1
}

// expression returns the index after the expression starting at items[i].
func expression(items []lang.Value, i int) int {
	switch symbolAt(items, i) {
	case "stringify":
		return expression(items, i+1)
	case "join":
		return expression(items, expression(items, i+1))
	}
	return i + 1
}

// unescape turns the `=sym` of a template into the symbol sym, keeping
// positions.
func unescape(v lang.Value) lang.Value {
	return lang.Map(v, func(v lang.Value) (lang.Value, bool) {
		if x, ok := v.(lang.Symbol); ok && len(x) > 1 && x[0] == '=' {
			return x[1:], true
		}
		return nil, false
	})
}

// Explain returns the definitions that give records this label, in the text
// form with their comments, each headed by its module: what an editor shows
// on hover. It is empty for a label no definition gives.
func (c *Checker) Explain(label lang.Value) string {
	var b strings.Builder
	for i, cd := range c.labels[lang.Key(lang.Strip(label))] {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("# " + cd.mod + ".prs\n")
		if cd.def.Doc != "" {
			for _, line := range strings.Split(cd.def.Doc, "\n") {
				b.WriteString("# " + line + "\n")
			}
		}
		b.WriteString(DefinitionText(cd.def) + "\n")
	}
	return b.String()
}
