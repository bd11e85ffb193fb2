package check

import (
	"fmt"
	"sort"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// Undefined reports variables used where nothing binds them: a `$x` in a
// template, a pattern or an expression, the target of an instruction, or the
// subject of a `=~`. The scopes are the evaluator's (one environment per
// script, as syndicate-server's script/mod.rs Env::eval): a file starts
// with Globals bound; a let binds for every instruction after it, blocks
// included; a pattern's binders are bound in the body of its ? or ?? only
// (the body runs with a copy of the environment); a `=~` binds in its
// instruction and after it. A name bound on only one branch of a `=~` counts
// as bound after it: only a use that no path binds is reported.
type Undefined struct {
	Globals []string
}

// Name implements Pass.
func (*Undefined) Name() string { return "undefined" }

// Check implements Pass.
func (u *Undefined) Check(f *File, report func(Diagnostic)) {
	if f.Script == nil {
		return
	}
	w := &scopeWalker{report: report}
	var s *scope
	s = s.with(u.Globals...).with(f.Vars...)
	w.block(f.Script.Body, s)
}

// scope is a persistent list of bound names.
type scope struct {
	name string
	next *scope
}

func (s *scope) with(names ...string) *scope {
	for _, n := range names {
		s = &scope{name: n, next: s}
	}
	return s
}

func (s *scope) has(name string) bool {
	for ; s != nil; s = s.next {
		if s.name == name {
			return true
		}
	}
	return false
}

func (s *scope) names() []string {
	seen := map[string]bool{}
	var out []string
	for ; s != nil; s = s.next {
		if !seen[s.name] {
			seen[s.name] = true
			out = append(out, s.name)
		}
	}
	sort.Strings(out)
	return out
}

type scopeWalker struct {
	report func(Diagnostic)
}

func (w *scopeWalker) use(name string, p lang.Position, s *scope, what string) {
	if s.has(name) {
		return
	}
	d := Diagnostic{Pos: p, Severity: Error, Message: fmt.Sprintf("undefined variable $%s%s", name, what)}
	if near := nearest(name, s.names()); near != "" {
		d.Suggestion = "$" + near
		d.Message += fmt.Sprintf("; did you mean $%s?", near)
	}
	w.report(d)
}

func (w *scopeWalker) block(body []parser.Instr, s *scope) *scope {
	for _, in := range body {
		s = w.instr(in, s)
	}
	return s
}

// instr checks one instruction and returns the scope of the ones after it.
func (w *scopeWalker) instr(in parser.Instr, s *scope) *scope {
	switch in := in.(type) {
	case *parser.Assert:
		w.use(in.Target, in.P, s, " (the target of this assertion)")
		w.template(in.Template, s)
	case *parser.Send:
		w.use(in.Target, in.P, s, " (the target of this message)")
		w.template(in.Template, s)
	case *parser.Block:
		return w.block(in.Body, s)
	case *parser.During:
		w.use(in.Target, in.P, s, " (the target of this observer)")
		w.pattern(in.Pattern, s)
		w.instr(in.Body, s.with(in.Pattern.Names...))
	case *parser.OnMessage:
		w.use(in.Target, in.P, s, " (the target of this observer)")
		w.pattern(in.Pattern, s)
		w.instr(in.Body, s.with(in.Pattern.Names...))
	case *parser.OnStop:
		w.instr(in.Body, s)
	case *parser.Let:
		w.expr(in.Expr, s)
		w.pattern(in.Pattern, s)
		return s.with(in.Pattern.Names...)
	case *parser.Cond:
		if in.Var != "." { // $. is the environment itself
			w.use(in.Var, in.P, s, " (matched with =~)")
		}
		w.pattern(in.Pattern, s)
		then := w.instr(in.Then, s.with(in.Pattern.Names...))
		after := w.block(in.Else, s)
		for _, n := range then.names() {
			if !after.has(n) {
				after = after.with(n)
			}
		}
		return after
	}
	return s
}

func (w *scopeWalker) template(t parser.Template, s *scope) {
	switch t := t.(type) {
	case *parser.TVar:
		w.use(t.Name, t.P, s, "")
	case *parser.TRecord:
		w.template(t.Label, s)
		for _, f := range t.Fields {
			w.template(f, s)
		}
	case *parser.TSequence:
		for _, x := range t.Items {
			w.template(x, s)
		}
	case *parser.TSet:
		for _, x := range t.Items {
			w.template(x, s)
		}
	case *parser.TDictionary:
		for i := range t.Keys {
			w.template(t.Keys[i], s)
			w.template(t.Values[i], s)
		}
	case *parser.TAttenuate:
		w.template(t.Cap, s)
		w.caveats(t.Caveats, s)
	}
}

func (w *scopeWalker) caveats(cs []parser.Caveat, s *scope) {
	for _, c := range cs {
		if c.Pattern != nil {
			w.pattern(c.Pattern, s)
		}
		if c.Template != nil {
			var names []string
			if c.Pattern != nil {
				names = c.Pattern.Names
			}
			w.template(c.Template, s.with(names...))
		}
		w.caveats(c.Alts, s)
	}
}

func (w *scopeWalker) expr(e parser.Expr, s *scope) {
	switch e := e.(type) {
	case *parser.EStringify:
		w.expr(e.Expr, s)
	case *parser.EJoin:
		w.expr(e.Sep, s)
		w.expr(e.Expr, s)
	case *parser.ETemplate:
		w.template(e.Template, s)
	}
}

// pattern checks the `$x` parts of a pattern: they are filled in from the
// scope before matching, so the pattern's own binders do not count.
func (w *scopeWalker) pattern(p *parser.PatternTemplate, s *scope) {
	var node func(n parser.PNode)
	node = func(n parser.PNode) {
		switch n := n.(type) {
		case parser.PVar:
			w.use(n.Name, n.P, s, "")
		case parser.PBind:
			node(n.Sub)
		case parser.PGroup:
			if n.LabelVar != nil {
				w.use(n.LabelVar.Name, n.LabelVar.P, s, " (the label of this pattern)")
			}
			for _, x := range n.Items {
				node(x)
			}
		}
	}
	node(p.Root)
}
