package eval

import (
	"fmt"
	"strings"
	"time"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// RuntimeError is an error in a running script, with its position.
type RuntimeError struct {
	Pos lang.Position
	Msg string
}

func (e *RuntimeError) Error() string { return e.Pos.String() + ": " + e.Msg }

func rtErr(p lang.Position, format string, args ...any) error {
	return &RuntimeError{Pos: p, Msg: fmt.Sprintf(format, args...)}
}

// Program is a compiled script ready to run, with its environment.
type Program struct {
	Script *parser.Script
	Env    Env
}

// RunScript runs a compiled script in the active facet with env. A runtime
// error stops the active facet and is reported.
func (t *Turn) RunScript(s *parser.Script, env Env) {
	x := &interp{script: s}
	if _, err := x.block(t, s.Body, env); err != nil {
		t.Fail(err)
	}
}

// Hooks let an interactive caller watch a script run.
type Hooks struct {
	// Match is called when the body of a top-level ? (added true, then false
	// when the match goes away) or ?? starts, with its bindings.
	Match func(in parser.Instr, bindings Env, added bool)
}

// RunInstr runs one top-level instruction in the active facet and returns
// the environment after it (extended, if it is a let). It does not stop the
// facet on error; the caller decides.
func (t *Turn) RunInstr(s *parser.Script, in parser.Instr, env Env, hooks Hooks) (Env, error) {
	x := &interp{script: s, hooks: hooks, top: in}
	return x.exec(t, in, env)
}

type interp struct {
	sites map[*parser.PatternTemplate]*site // see pattern.go
	// caveatSites are the compiled attenuations (see attenuate_site.go).
	caveatSites map[*parser.TAttenuate]*caveatSite
	script      *parser.Script
	hooks       Hooks
	top         parser.Instr // the instruction whose matches hooks report

	stampAt time.Time  // the instant of the last timestamp
	stamp   lang.Value // and its text
}

// facetStopper is the entity of a `facet` expression: the message stop
// stops the facet.
type facetStopper struct{ f *Facet }

func (s *facetStopper) Assert(*Turn, lang.Value, Handle) error { return nil }
func (s *facetStopper) Retract(*Turn, Handle) error            { return nil }
func (s *facetStopper) Message(t *Turn, v lang.Value) error {
	if lang.Equal(v, lang.Symbol("stop")) {
		t.StopFacet(s.f)
	}
	return nil
}

func (x *interp) notify(in parser.Instr, env Env, added bool) {
	if x.hooks.Match != nil && in == x.top {
		x.hooks.Match(in, env, added)
	}
}

// block runs instructions in order and returns the environment after them.
func (x *interp) block(t *Turn, body []parser.Instr, env Env) (Env, error) {
	for _, in := range body {
		var err error
		if env, err = x.exec(t, in, env); err != nil {
			return env, err
		}
	}
	return env, nil
}

// exec runs one instruction and returns the environment for the ones after
// it (extended by a let).
func (x *interp) exec(t *Turn, in parser.Instr, env Env) (Env, error) {
	switch in := in.(type) {
	case *parser.Assert:
		target, v, err := x.targetAndValue(t, in.Target, in.P, in.Template, env)
		if err != nil {
			return env, err
		}
		t.Assert(target, v)
	case *parser.Send:
		target, v, err := x.targetAndValue(t, in.Target, in.P, in.Template, env)
		if err != nil {
			return env, err
		}
		t.Message(target, v)
	case *parser.Block:
		// A block shares the script's environment: its lets are seen after
		// it (script/mod.rs, Env::eval of Instruction::Sequence).
		return x.block(t, in.Body, env)
	case *parser.During:
		return env, x.observe(t, in, in.Target, in.Pattern, in.Body, env, true)
	case *parser.OnMessage:
		return env, x.observe(t, in, in.Target, in.Pattern, in.Body, env, false)
	case *parser.OnStop:
		body := in.Body
		t.OnStop(func(t *Turn) {
			if _, err := x.exec(t, body, env); err != nil {
				t.sys.reportError(t.facet, err)
			}
		})
	case *parser.Let:
		v, err := x.expr(t, in.Expr, env)
		if err != nil {
			return env, err
		}
		pat, err := x.pattern(in.Pattern, env)
		if err != nil {
			return env, err
		}
		caps, ok := dataspace.Match(pat, v, nil)
		if !ok {
			return env, rtErr(in.P, "let: %s does not match the pattern %s", lang.Format(v), lang.Format(pat.Value()))
		}
		return bind(env, in.Pattern.Names, caps), nil
	case *parser.Cond:
		var v lang.Value
		if in.Var == "." {
			v = env.Dictionary() // `$. =~ ...` matches the environment
		} else {
			var ok bool
			if v, ok = env.Lookup(in.Var); !ok {
				return env, rtErr(in.P, "undefined variable $%s", in.Var)
			}
		}
		pat, err := x.pattern(in.Pattern, env)
		if err != nil {
			return env, err
		}
		if caps, ok := dataspace.Match(pat, v, nil); ok {
			// The bindings extend the environment before Then runs, and
			// stay (script/mod.rs, Env::eval of Instruction::Cond).
			return x.exec(t, in.Then, bind(env, in.Pattern.Names, caps))
		}
		return x.block(t, in.Else, env)
	default:
		return env, rtErr(in.Pos(), "unknown instruction %T", in)
	}
	return env, nil
}

// targetAndValue finds an instruction's target and builds its value.
func (x *interp) targetAndValue(t *Turn, name string, p lang.Position, tp parser.Template, env Env) (*Ref, lang.Value, error) {
	target, err := x.target(name, p, env)
	if err != nil {
		return nil, nil, err
	}
	v, err := x.instantiate(t, tp, env)
	return target, v, err
}

// observe starts a ? (during) or ?? observer at the target: body runs in a
// child facet per match, with the pattern's bindings.
func (x *interp) observe(t *Turn, self parser.Instr, targetName string, pt *parser.PatternTemplate, body parser.Instr, env Env, during bool) error {
	target, err := x.target(targetName, self.Pos(), env)
	if err != nil {
		return err
	}
	pat, err := x.wirePattern(pt, env)
	if err != nil {
		return err
	}
	watched := x.hooks.Match != nil && self == x.top
	run := func(t *Turn, caps []lang.Value) {
		benv := bind(env, pt.Names, caps)
		if watched {
			x.notify(self, benv, true)
			if during {
				t.OnStop(func(*Turn) { x.notify(self, benv, false) })
			}
		}
		if _, err := x.exec(t, body, benv); err != nil {
			t.Fail(err)
		}
	}
	t.observeWire(target, pat, during, run)
	return nil
}

func bind(env Env, names []string, caps []lang.Value) Env {
	for i, n := range names {
		if i < len(caps) {
			env = env.With(n, caps[i])
		}
	}
	return env
}

// target finds the reference a variable holds.
func (x *interp) target(name string, p lang.Position, env Env) (*Ref, error) {
	v, ok := env.Lookup(name)
	if !ok {
		return nil, rtErr(p, "undefined variable $%s (the target of this instruction)", name)
	}
	if e, ok := lang.Unwrap(v).(lang.Embedded); ok {
		if r, ok := e.Ref.(*Ref); ok {
			return r, nil
		}
	}
	return nil, rtErr(p, "target $%s is not a reference: it holds %s", name, lang.Format(v))
}

// instantiate builds the value of a template.
func (x *interp) instantiate(t *Turn, tp parser.Template, env Env) (lang.Value, error) {
	return x.build(t, tp, env, 0)
}

// build builds the value of a template whose result will sit under d
// enclosing compounds; a variable's value placed there must leave the whole
// within MaxValueLevels.
func (x *interp) build(t *Turn, tp parser.Template, env Env, d int) (lang.Value, error) {
	switch tp := tp.(type) {
	case *parser.TLit:
		return tp.Value, nil
	case *parser.TVar:
		v, ok := env.Lookup(tp.Name)
		if !ok {
			return nil, rtErr(tp.P, "undefined variable $%s", tp.Name)
		}
		return v, checkLevels(tp.P, v, d)
	case *parser.TEnv:
		v := env.Dictionary()
		return v, checkLevels(tp.P, v, d)
	case *parser.TRecord:
		if tp.Const != nil {
			return tp.Const, nil
		}
		return x.buildRecord(t, tp, env, d)
	case *parser.TSequence:
		if tp.Const != nil {
			return tp.Const, nil
		}
		items, err := x.buildAll(t, tp.Items, env, d+1)
		if err != nil {
			return nil, err
		}
		return lang.Sequence(items), nil
	case *parser.TSet:
		if tp.Const != nil {
			return tp.Const, nil
		}
		items, err := x.buildAll(t, tp.Items, env, d+1)
		if err != nil {
			return nil, err
		}
		return lang.SetOf(items...), nil
	case *parser.TDictionary:
		if tp.Const != nil {
			return tp.Const, nil
		}
		kvs := make([]lang.Value, 0, 2*len(tp.Keys))
		for i := range tp.Keys {
			k, err := x.build(t, tp.Keys[i], env, d+1)
			if err != nil {
				return nil, err
			}
			v, err := x.build(t, tp.Values[i], env, d+1)
			if err != nil {
				return nil, err
			}
			kvs = append(kvs, k, v)
		}
		return lang.DictionaryOf(kvs...), nil
	case *parser.TAttenuate:
		return x.attenuate(t, tp, env)
	}
	return nil, rtErr(tp.Pos(), "unknown template %T", tp)
}

// buildRecord builds a record template; the record and its fields (up to
// four) are one allocation.
func (x *interp) buildRecord(t *Turn, tp *parser.TRecord, env Env, d int) (lang.Value, error) {
	label, err := x.build(t, tp.Label, env, d+1)
	if err != nil {
		return nil, err
	}
	if len(tp.Fields) == 0 {
		return &lang.Record{Label: label, Fields: make([]lang.Value, 0)}, nil
	}
	r, fs := newRecordOf(label, len(tp.Fields))
	for i, ft := range tp.Fields {
		if fs[i], err = x.build(t, ft, env, d+1); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// checkLevels fails if v, placed under d compounds, makes a value deeper
// than MaxValueLevels (issue 17.2: such values overflowed the stack of
// whatever walked them).
func checkLevels(p lang.Position, v lang.Value, d int) error {
	if d > 0 && !withinLevels(v, MaxValueLevels-d) {
		return rtErr(p, "the value built here would nest deeper than %d levels", MaxValueLevels)
	}
	return nil
}

func (x *interp) buildAll(t *Turn, ts []parser.Template, env Env, d int) ([]lang.Value, error) {
	out := make([]lang.Value, len(ts))
	for i, tp := range ts {
		v, err := x.build(t, tp, env, d)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (x *interp) pnode(n parser.PNode, env Env) (dataspace.Pattern, error) {
	switch n := n.(type) {
	case parser.PDiscard:
		return dataspace.Discard{}, nil
	case parser.PBind:
		sub, err := x.pnode(n.Sub, env)
		if err != nil {
			return nil, err
		}
		return dataspace.Bind{Pattern: sub}, nil
	case parser.PLit:
		return dataspace.Literal(n.Value), nil
	case parser.PVar:
		v, ok := env.Lookup(n.Name)
		if !ok {
			return nil, rtErr(n.P, "undefined variable $%s", n.Name)
		}
		return dataspace.Literal(v), nil
	case parser.PEnv:
		return dataspace.Literal(env.Dictionary()), nil
	case parser.PGroup:
		label, err := x.groupLabel(n, env)
		if err != nil {
			return nil, err
		}
		g := dataspace.Group{Kind: dataspace.GroupKind(n.Kind), Label: label}
		for i, k := range n.Keys {
			sub, err := x.pnode(n.Items[i], env)
			if err != nil {
				return nil, err
			}
			g.Entries = append(g.Entries, dataspace.GroupEntry{Key: k, Pattern: sub})
		}
		return g, nil
	}
	return nil, fmt.Errorf("unknown pattern node %T", n)
}

// groupLabel is the label of a record pattern: literal, or the value of its
// variable now.
func (x *interp) groupLabel(n parser.PGroup, env Env) (lang.Value, error) {
	if n.LabelVar == nil {
		return n.Label, nil
	}
	v, ok := env.Lookup(n.LabelVar.Name)
	if !ok {
		return nil, rtErr(n.LabelVar.P, "undefined variable $%s (the label of a record pattern)", n.LabelVar.Name)
	}
	return lang.Strip(v), nil
}

// expr evaluates the right-hand side of a let.
func (x *interp) expr(t *Turn, e parser.Expr, env Env) (lang.Value, error) {
	switch e := e.(type) {
	case *parser.EDataspace:
		return t.NewDataspace("dataspace").Value(), nil
	case *parser.ETimestamp:
		// On a virtual clock (and within a turn) many timestamps are of
		// one instant: it is formatted once.
		if now := t.sys.Now(); x.stamp == nil || !now.Equal(x.stampAt) {
			x.stampAt, x.stamp = now, lang.String(rfc3339(now))
		}
		return x.stamp, nil
	case *parser.EFacet:
		return t.NewRef("facet", &facetStopper{t.facet}).Value(), nil
	case *parser.EScriptDir:
		return lang.String(x.script.Dir), nil
	case *parser.EStringify:
		v, err := x.expr(t, e.Expr, env)
		if err != nil {
			return nil, err
		}
		return lang.String(lang.Format(v)), nil
	case *parser.EJoin:
		sep, err := x.expr(t, e.Sep, env)
		if err != nil {
			return nil, err
		}
		v, err := x.expr(t, e.Expr, env)
		if err != nil {
			return nil, err
		}
		items, ok := lang.Unwrap(v).(lang.Sequence)
		if !ok {
			items = lang.Sequence{v}
		}
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = textOf(it)
		}
		return lang.String(strings.Join(parts, textOf(sep))), nil
	case *parser.ETemplate:
		return x.instantiate(t, e.Template, env)
	}
	return nil, rtErr(e.Pos(), "unknown expression %T", e)
}

// rfc3339 writes t in UTC as chrono's DateTime::to_rfc3339 does (which
// syndicate-server's timestamp uses): an offset of +00:00, and fractional
// seconds of 3, 6 or 9 digits, whichever shows every non-zero digit.
func rfc3339(t time.Time) string {
	t = t.UTC()
	layout := "2006-01-02T15:04:05"
	switch ns := t.Nanosecond(); {
	case ns == 0:
	case ns%1e6 == 0:
		layout += ".000"
	case ns%1e3 == 0:
		layout += ".000000"
	default:
		layout += ".000000000"
	}
	return t.Format(layout + "+00:00")
}

// textOf is a string's text, or any other value's Preserves text.
func textOf(v lang.Value) string {
	if s, ok := lang.Unwrap(v).(lang.String); ok {
		return string(s)
	}
	return lang.Format(v)
}

// InstantiatePattern fills in a pattern template's variables from env.
func InstantiatePattern(pt *parser.PatternTemplate, env Env) (dataspace.Pattern, error) {
	return (&interp{}).pattern(pt, env)
}
