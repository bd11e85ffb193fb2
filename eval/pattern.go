package eval

import (
	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// site is what the evaluator keeps about one pattern of a script: whether it
// depends on the environment and, if not, the pattern and its wire form,
// built the first time the pattern is used and shared by every later use.
type site struct {
	constant bool
	pat      dataspace.Pattern // constant sites: built once
	wire     lang.Value        // constant sites: the Observe pattern, once
}

func (x *interp) site(pt *parser.PatternTemplate) *site {
	if s, ok := x.sites[pt]; ok {
		return s
	}
	s := &site{constant: constantPNode(pt.Root)}
	if x.sites == nil {
		x.sites = map[*parser.PatternTemplate]*site{}
	}
	x.sites[pt] = s
	return s
}

// constantPNode reports whether a pattern uses no variable.
func constantPNode(n parser.PNode) bool {
	switch n := n.(type) {
	case parser.PVar, parser.PEnv:
		return false
	case parser.PBind:
		return constantPNode(n.Sub)
	case parser.PGroup:
		if n.LabelVar != nil {
			return false
		}
		for _, it := range n.Items {
			if !constantPNode(it) {
				return false
			}
		}
	}
	return true
}

// pattern fills in a pattern template's variables (once, for a pattern
// without variables).
func (x *interp) pattern(pt *parser.PatternTemplate, env Env) (dataspace.Pattern, error) {
	s := x.site(pt)
	if s.constant && s.pat != nil {
		return s.pat, nil
	}
	p, err := x.pnode(pt.Root, env)
	if err == nil && s.constant {
		s.pat = p
	}
	return p, err
}

// wirePattern is the dataspacePatterns.prs form of a pattern template with
// its variables filled in, built straight from the template (once, for a
// pattern without variables), as a `?` or `??` asserts it in an Observe.
func (x *interp) wirePattern(pt *parser.PatternTemplate, env Env) (lang.Value, error) {
	s := x.site(pt)
	if s.constant && s.wire != nil {
		return s.wire, nil
	}
	v, err := x.wire(pt.Root, env)
	if err == nil && s.constant {
		s.wire = v
	}
	return v, err
}

var (
	wireDiscard = lang.NewRecord(lang.Symbol("_"))
	symGroup    = lang.Symbol("group")
	wireArr     = lang.NewRecord(lang.Symbol("arr"))
	wireDict    = lang.NewRecord(lang.Symbol("dict"))
)

func (x *interp) wire(n parser.PNode, env Env) (lang.Value, error) {
	switch n := n.(type) {
	case parser.PDiscard:
		return wireDiscard, nil
	case parser.PBind:
		sub, err := x.wire(n.Sub, env)
		if err != nil {
			return nil, err
		}
		return lang.NewRecord(symBind, sub), nil
	case parser.PLit:
		return wireLiteral(n.Value), nil
	case parser.PVar:
		v, ok := env.Lookup(n.Name)
		if !ok {
			return nil, rtErr(n.P, "undefined variable $%s", n.Name)
		}
		return wireLiteral(v), nil
	case parser.PEnv:
		return wireLiteral(env.Dictionary()), nil
	case parser.PGroup:
		kvs := make([]lang.Value, 0, 2*len(n.Items))
		for i, it := range n.Items {
			sub, err := x.wire(it, env)
			if err != nil {
				return nil, err
			}
			kvs = append(kvs, n.Keys[i], sub)
		}
		var typ lang.Value
		switch n.Kind {
		case 0:
			label, err := x.groupLabel(n, env)
			if err != nil {
				return nil, err
			}
			typ = lang.NewRecord(symRec, label)
		case 1:
			typ = wireArr
		default:
			typ = wireDict
		}
		return lang.NewRecord(symGroup, typ, lang.DictionaryOf(kvs...)), nil
	}
	return nil, rtErr(lang.Position{}, "unknown pattern node %T", n)
}

// wireLiteral is the wire form of dataspace.Literal(v): <lit ATOM>, or a
// group of literals for a compound.
func wireLiteral(v lang.Value) lang.Value {
	switch x := lang.Unwrap(v).(type) {
	case *lang.Record:
		kvs := make([]lang.Value, 0, 2*len(x.Fields))
		for i, f := range x.Fields {
			kvs = append(kvs, lang.Int(i), wireLiteral(f))
		}
		return lang.NewRecord(symGroup, lang.NewRecord(symRec, lang.Strip(x.Label)), lang.DictionaryOf(kvs...))
	case lang.Sequence:
		kvs := make([]lang.Value, 0, 2*len(x))
		for i, f := range x {
			kvs = append(kvs, lang.Int(i), wireLiteral(f))
		}
		return lang.NewRecord(symGroup, wireArr, lang.DictionaryOf(kvs...))
	case *lang.Dictionary:
		kvs := make([]lang.Value, 0, 2*x.Len())
		for _, e := range x.Entries() {
			kvs = append(kvs, lang.Strip(e.Key), wireLiteral(e.Value))
		}
		return lang.NewRecord(symGroup, wireDict, lang.DictionaryOf(kvs...))
	}
	return lang.NewRecord(symLit, lang.Strip(v))
}
