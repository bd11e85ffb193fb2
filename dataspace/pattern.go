// Package dataspace holds assertions and routes them to observers: the bag
// of assertions keyed by handle, `Observe` handling, and the skeleton index
// that makes routing cost grow with the observers that can match rather than
// with all of them.
//
// It knows nothing of scripts or actors: callers hand it assertions,
// retractions and messages, and it reports matches through an Effects.
package dataspace

import (
	"fmt"

	"github.com/synd-lang/synd/lang"
)

// Pattern is a dataspace pattern, as in syndicate's dataspacePatterns.prs:
//
//	<_>                          Discard
//	<bind PATTERN>               Bind
//	<lit VALUE>                  Lit (atoms and embedded values)
//	<group TYPE {KEY: PATTERN}>  Group, TYPE one of <rec LABEL>, <arr>, <dict>
type Pattern interface {
	// Value is the wire form of the pattern.
	Value() lang.Value
}

// Discard matches anything and captures nothing.
type Discard struct{}

// Bind matches what Pattern matches and captures the whole matched value.
type Bind struct{ Pattern Pattern }

// Lit matches values equal to Value.
type Lit struct{ Value_ lang.Value }

// GroupKind tells records, sequences and dictionaries apart in a Group.
type GroupKind uint8

// The kinds of group.
const (
	GroupRecord GroupKind = iota
	GroupSequence
	GroupDictionary
)

// Group matches a compound of the given kind (and, for records, label) whose
// entries at the listed keys match; keys not listed are not checked. Record
// and sequence keys are field indexes (lang.Int); dictionary keys are values.
type Group struct {
	Kind    GroupKind
	Label   lang.Value // records only
	Entries []GroupEntry
}

// GroupEntry is one key and its pattern.
type GroupEntry struct {
	Key     lang.Value
	Pattern Pattern
}

var (
	symDiscard = lang.Symbol("_")
	symBind    = lang.Symbol("bind")
	symLit     = lang.Symbol("lit")
	symGroup   = lang.Symbol("group")
	symRec     = lang.Symbol("rec")
	symArr     = lang.Symbol("arr")
	symDict    = lang.Symbol("dict")
	// SymObserve labels observation assertions: <Observe PATTERN #:observer>.
	SymObserve = lang.Symbol("Observe")
)

// Value implements Pattern.
func (Discard) Value() lang.Value { return lang.NewRecord(symDiscard) }

// Value implements Pattern.
func (b Bind) Value() lang.Value { return lang.NewRecord(symBind, b.Pattern.Value()) }

// Value implements Pattern.
func (l Lit) Value() lang.Value { return lang.NewRecord(symLit, l.Value_) }

// Value implements Pattern.
func (g Group) Value() lang.Value {
	var typ lang.Value
	switch g.Kind {
	case GroupRecord:
		typ = lang.NewRecord(symRec, g.Label)
	case GroupSequence:
		typ = lang.NewRecord(symArr)
	default:
		typ = lang.NewRecord(symDict)
	}
	kvs := make([]lang.Value, 0, 2*len(g.Entries))
	for _, e := range g.Entries {
		kvs = append(kvs, e.Key, e.Pattern.Value())
	}
	return lang.NewRecord(symGroup, typ, lang.DictionaryOf(kvs...))
}

// Literal returns the pattern matching exactly v: a Lit for atoms and
// embedded values, a group of literals for compounds.
func Literal(v lang.Value) Pattern {
	switch x := lang.Unwrap(v).(type) {
	case *lang.Record:
		es := make([]GroupEntry, len(x.Fields))
		for i, f := range x.Fields {
			es[i] = GroupEntry{lang.Int(i), Literal(f)}
		}
		return Group{Kind: GroupRecord, Label: lang.Strip(x.Label), Entries: es}
	case lang.Sequence:
		es := make([]GroupEntry, len(x))
		for i, f := range x {
			es[i] = GroupEntry{lang.Int(i), Literal(f)}
		}
		return Group{Kind: GroupSequence, Entries: es}
	case *lang.Dictionary:
		es := make([]GroupEntry, 0, x.Len())
		for _, e := range x.Entries() {
			es = append(es, GroupEntry{lang.Strip(e.Key), Literal(e.Value)})
		}
		return Group{Kind: GroupDictionary, Entries: es}
	}
	return Lit{lang.Strip(v)}
}

// ParsePattern reads the wire form of a pattern.
func ParsePattern(v lang.Value) (Pattern, error) {
	r, ok := lang.Unwrap(v).(*lang.Record)
	if !ok {
		return nil, fmt.Errorf("pattern must be a record, not %s", lang.Format(v))
	}
	label, _ := lang.Unwrap(r.Label).(lang.Symbol)
	switch {
	case label == symDiscard && len(r.Fields) == 0:
		return Discard{}, nil
	case label == symBind && len(r.Fields) == 1:
		p, err := ParsePattern(r.Fields[0])
		if err != nil {
			return nil, err
		}
		return Bind{p}, nil
	case label == symLit && len(r.Fields) == 1:
		return Literal(r.Fields[0]), nil
	case label == symGroup && len(r.Fields) == 2:
		g := Group{}
		typ, ok := lang.Unwrap(r.Fields[0]).(*lang.Record)
		if !ok {
			return nil, fmt.Errorf("group type must be <rec LABEL>, <arr> or <dict>, not %s", lang.Format(r.Fields[0]))
		}
		switch tl, _ := lang.Unwrap(typ.Label).(lang.Symbol); {
		case tl == symRec && len(typ.Fields) == 1:
			g.Kind, g.Label = GroupRecord, lang.Strip(typ.Fields[0])
		case tl == symArr && len(typ.Fields) == 0:
			g.Kind = GroupSequence
		case tl == symDict && len(typ.Fields) == 0:
			g.Kind = GroupDictionary
		default:
			return nil, fmt.Errorf("group type must be <rec LABEL>, <arr> or <dict>, not %s", lang.Format(typ))
		}
		d, ok := lang.Unwrap(r.Fields[1]).(*lang.Dictionary)
		if !ok {
			return nil, fmt.Errorf("group entries must be a dictionary, not %s", lang.Format(r.Fields[1]))
		}
		for _, e := range d.Entries() {
			k := lang.Strip(e.Key)
			if g.Kind != GroupDictionary {
				if i, ok := k.(lang.Int); !ok || i < 0 {
					return nil, fmt.Errorf("record and sequence group keys must be field indexes, not %s", lang.Format(k))
				}
			}
			p, err := ParsePattern(e.Value)
			if err != nil {
				return nil, err
			}
			g.Entries = append(g.Entries, GroupEntry{k, p})
		}
		return g, nil
	}
	return nil, fmt.Errorf("not a pattern: %s", lang.Format(v))
}

// Match matches v against p, appending captures to caps in the pattern's
// capture order (depth first, a bind before what it contains, keys in
// Preserves order). It reports whether v matched.
func Match(p Pattern, v lang.Value, caps []lang.Value) ([]lang.Value, bool) {
	v = lang.Unwrap(v)
	switch x := p.(type) {
	case Discard:
		return caps, true
	case Bind:
		caps = append(caps, v)
		return Match(x.Pattern, v, caps)
	case Lit:
		return caps, lang.Equal(x.Value_, v)
	case Group:
		if !groupAccepts(x, v) {
			return caps, false
		}
		for _, e := range x.Entries {
			child, ok := step(v, e.Key)
			if !ok {
				return caps, false
			}
			if caps, ok = Match(e.Pattern, child, caps); !ok {
				return caps, false
			}
		}
		return caps, true
	}
	return caps, false
}

func groupAccepts(g Group, v lang.Value) bool {
	switch x := v.(type) {
	case *lang.Record:
		return g.Kind == GroupRecord && lang.Equal(g.Label, x.Label)
	case lang.Sequence:
		return g.Kind == GroupSequence
	case *lang.Dictionary:
		return g.Kind == GroupDictionary
	}
	return false
}

// step moves from a compound to the child under key.
func step(v lang.Value, key lang.Value) (lang.Value, bool) {
	switch x := v.(type) {
	case *lang.Record:
		i, ok := key.(lang.Int)
		if !ok || i < 0 || int(i) >= len(x.Fields) {
			return nil, false
		}
		return lang.Unwrap(x.Fields[i]), true
	case lang.Sequence:
		i, ok := key.(lang.Int)
		if !ok || i < 0 || int(i) >= len(x) {
			return nil, false
		}
		return lang.Unwrap(x[i]), true
	case *lang.Dictionary:
		c, ok := x.Get(key)
		if !ok {
			return nil, false
		}
		return lang.Unwrap(c), true
	}
	return nil, false
}

// Observe returns the assertion <Observe PATTERN #:observer>.
func Observe(p Pattern, observer any) lang.Value {
	return lang.NewRecord(SymObserve, p.Value(), lang.Embedded{Ref: observer})
}

// ObserverOf returns the observer of an <Observe PATTERN #:observer>
// assertion, and false for any other value.
func ObserverOf(v lang.Value) (any, bool) {
	r, ok := lang.Unwrap(v).(*lang.Record)
	if !ok || len(r.Fields) != 2 || !lang.Equal(r.Label, SymObserve) {
		return nil, false
	}
	e, ok := lang.Unwrap(r.Fields[1]).(lang.Embedded)
	return e.Ref, ok
}
