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
	// The labels of the wire form as interface values, boxed once.
	valGroup lang.Value = symGroup
	valRec   lang.Value = symRec
	valLit   lang.Value = symLit
	valBind  lang.Value = symBind
	// valObserve labels the Observe assertions of ? and ??.
	valObserve lang.Value = dataspace.SymObserve
	wireArr               = lang.NewRecord(lang.Symbol("arr"))
	wireDict              = lang.NewRecord(lang.Symbol("dict"))
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
		return newRecord1(valBind, sub), nil
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
		// The group, its type, its entries (up to four) and their
		// dictionary are one allocation.
		b := &struct {
			g  lang.Record
			gf [2]lang.Value
			r  lang.Record
			rf [1]lang.Value
			d  lang.Dictionary
			es [4]lang.DictEntry
		}{}
		es := b.es[:0]
		if len(n.Items) > len(b.es) {
			es = make([]lang.DictEntry, 0, len(n.Items))
		}
		for i, it := range n.Items {
			sub, err := x.wire(it, env)
			if err != nil {
				return nil, err
			}
			es = append(es, lang.DictEntry{Key: n.Keys[i], Value: sub})
		}
		var typ lang.Value
		switch n.Kind {
		case 0:
			label, err := x.groupLabel(n, env)
			if err != nil {
				return nil, err
			}
			b.rf[0] = label
			b.r = lang.Record{Label: valRec, Fields: b.rf[:]}
			typ = &b.r
		case 1:
			typ = wireArr
		default:
			typ = wireDict
		}
		b.gf = [2]lang.Value{typ, lang.DictionaryOfEntriesIn(&b.d, es[:len(es):len(es)])}
		b.g = lang.Record{Label: valGroup, Fields: b.gf[:]}
		return &b.g, nil
	}
	return nil, rtErr(lang.Position{}, "unknown pattern node %T", n)
}

// LiteralPattern is the wire form (dataspacePatterns.prs) of
// dataspace.Literal(v), the pattern matching exactly v, built straight
// from v.
func LiteralPattern(v lang.Value) lang.Value { return wireLiteral(v) }

// DuringWire is During with the pattern in its wire form already (as
// LiteralPattern builds it): the Observe asserted is the same.
func (t *Turn) DuringWire(ds *Ref, pattern lang.Value, body func(t *Turn, captures []lang.Value)) {
	t.observeWire(ds, pattern, true, body)
}

// wireLiteral is the wire form of dataspace.Literal(v): <lit ATOM>, or a
// group of literals for a compound.
func wireLiteral(v lang.Value) lang.Value {
	switch x := lang.Unwrap(v).(type) {
	case *lang.Record:
		switch len(x.Fields) {
		case 1:
			return wireRecord1(x)
		case 2:
			return wireSmallRecord(x)
		}
		return newRecord2(valGroup, newRecord1(valRec, lang.Strip(x.Label)), indexDict(x.Fields))
	case lang.Sequence:
		return newRecord2(valGroup, wireArr, indexDict(x))
	case *lang.Dictionary:
		es := make([]lang.DictEntry, 0, x.Len())
		for _, e := range x.Entries() {
			es = append(es, lang.DictEntry{Key: lang.Strip(e.Key), Value: wireLiteral(e.Value)})
		}
		return newRecord2(valGroup, wireDict, lang.DictionaryOfEntries(es))
	}
	return newRecord1(valLit, lang.Strip(v))
}

// wireLit is <lit ATOM> where it can sit inside the allocation of the
// group holding it.
type wireLit struct {
	r lang.Record
	f [1]lang.Value
}

// wireField is wireLiteral(v), an atom's <lit ATOM> placed in l.
func wireField(v lang.Value, l *wireLit) lang.Value {
	switch lang.Unwrap(v).(type) {
	case *lang.Record, lang.Sequence, *lang.Dictionary:
		return wireLiteral(v)
	}
	l.f[0] = lang.Strip(v)
	l.r = lang.Record{Label: valLit, Fields: l.f[:]}
	return &l.r
}

// wireRecord1 is wireSmallRecord for a record of one field.
func wireRecord1(x *lang.Record) lang.Value {
	b := &struct {
		g  lang.Record
		gf [2]lang.Value
		r  lang.Record
		rf [1]lang.Value
		es [1]lang.DictEntry
		d  lang.Dictionary
		l  [1]wireLit
	}{}
	b.es[0] = lang.DictEntry{Key: lang.Int(0), Value: wireField(x.Fields[0], &b.l[0])}
	b.rf[0] = lang.Strip(x.Label)
	b.r = lang.Record{Label: valRec, Fields: b.rf[:]}
	b.gf = [2]lang.Value{&b.r, lang.DictionaryOfEntriesIn(&b.d, b.es[:])}
	b.g = lang.Record{Label: valGroup, Fields: b.gf[:]}
	return &b.g
}

// wireSmallRecord is wireLiteral of a record of at most two fields, the
// usual case: the group, its type, its entries, their dictionary and the
// <lit ATOM> of its atoms are one allocation.
func wireSmallRecord(x *lang.Record) lang.Value {
	b := &struct {
		g  lang.Record
		gf [2]lang.Value
		r  lang.Record
		rf [1]lang.Value
		es [2]lang.DictEntry
		d  lang.Dictionary
		l  [2]wireLit
	}{}
	n := len(x.Fields)
	for i, f := range x.Fields {
		b.es[i] = lang.DictEntry{Key: lang.Int(i), Value: wireField(f, &b.l[i])}
	}
	b.rf[0] = lang.Strip(x.Label)
	b.r = lang.Record{Label: valRec, Fields: b.rf[:]}
	b.gf = [2]lang.Value{&b.r, lang.DictionaryOfEntriesIn(&b.d, b.es[:n:n])}
	b.g = lang.Record{Label: valGroup, Fields: b.gf[:]}
	return &b.g
}

// indexDict is {0: L0 1: L1 ...}, the literal patterns of items by index.
func indexDict(items []lang.Value) *lang.Dictionary {
	es := make([]lang.DictEntry, len(items))
	for i, f := range items {
		es[i] = lang.DictEntry{Key: lang.Int(i), Value: wireLiteral(f)}
	}
	return lang.DictionaryOfEntries(es)
}

// newRecord1 and newRecord2 make a record and its fields in one
// allocation.
func newRecord1(label, a lang.Value) *lang.Record {
	x := &struct {
		r lang.Record
		f [1]lang.Value
	}{}
	x.f[0] = a
	x.r = lang.Record{Label: label, Fields: x.f[:]}
	return &x.r
}

func newRecord2(label, a, b lang.Value) *lang.Record {
	x := &struct {
		r lang.Record
		f [2]lang.Value
	}{}
	x.f = [2]lang.Value{a, b}
	x.r = lang.Record{Label: label, Fields: x.f[:]}
	return &x.r
}
