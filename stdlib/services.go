package stdlib

import (
	"fmt"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	protocols "github.com/synd-lang/synd/stdlib/schemas"
)

func rec(label string, fields ...lang.Value) *lang.Record {
	return lang.NewRecord(lang.Symbol(label), fields...)
}

// recPattern matches <label P0 P1 ...>.
func recPattern(label string, fields ...dataspace.Pattern) dataspace.Pattern {
	g := dataspace.Group{Kind: dataspace.GroupRecord, Label: lang.Symbol(label)}
	for i, f := range fields {
		g.Entries = append(g.Entries, dataspace.GroupEntry{Key: lang.Int(i), Pattern: f})
	}
	return g
}

var capture = dataspace.Bind{Pattern: dataspace.Discard{}}

// StartDependencies runs the service dependency tracker of service.prs on
// ds, from the active facet:
//
//   - while <require-service S> is asserted, every dependee D named by a
//     <depends-on S <service-state D STATE>> is required too, and
//     <run-service S> is asserted while every such <service-state D STATE>
//     is present (the dependencies already asserted are waited for, with a
//     sync, before S first starts).
//
// As in syndicate-server's dependencies.rs, the tracker does not handle
// <restart-service S>: each service class does (the daemon supervisor
// restarts its daemon whether it was required or run directly).
func StartDependencies(t *eval.Turn, ds *eval.Ref) {
	t.During(ds, recPattern("require-service", capture), func(t *eval.Turn, caps []lang.Value) {
		tr := &tracker{ds: ds, facet: t.Facet(), service: caps[0]}
		t.DuringWire(ds, dependsOnPattern(tr.service), tr.dependency)
		tr.synced = t.NewRef("dependencies-known", tr)
		tr.syncing = true
		t.Sync(ds, tr.synced)
	})
}

// dependency runs, in a facet of its own, while <depends-on S COND> is
// asserted.
func (tr *tracker) dependency(t *eval.Turn, caps []lang.Value) {
	cond := caps[0]
	// Each distinct dependee is an obstacle until its state is asserted
	// (dependencies.rs keeps the same obstacle count): the dataspace tells
	// this facet of each distinct capture once, so a counter is all the
	// tracker needs.
	tr.obstacles++
	// As syndicate-server's dependency tracker: a dependee that is not a
	// service.prs ServiceState is still waited for, but names no service
	// to require; that is reported, in the schema's words.
	if dependee, err := serviceStateService(cond); err != nil {
		t.System().Report(t.Facet(), fmt.Errorf("<depends-on %s ...>: cannot tell which service the dependee is: %w", lang.Format(tr.service), err))
	} else {
		t.Assert(tr.ds, record1(requireServiceLabel, dependee))
	}
	// The dependee's state is observed as `during` would (dependencies.rs:
	// during!(t, ds, #d, ...)), with the same Observe and the same ref,
	// but its matches are counted rather than each given a facet whose
	// only work is to count back when it stops: a condition is an
	// obstacle less while it is matched, and the edge's stop (below)
	// settles what its matches counted, as their facets' stop did.
	c := &condition{tr: tr}
	t.Assert(tr.ds, observeRecord(eval.LiteralPattern(cond), t.NewRef("during", c).Value()))
	tr.update(t, false)
	t.OnStop(c.stop)
}

// condition observes one dependee's state for a dependency: matched counts
// the matches present (a literal pattern has at most one).
type condition struct {
	tr      *tracker
	matched int
}

// Assert implements eval.Entity: a match appears.
func (c *condition) Assert(t *eval.Turn, _ lang.Value, _ eval.Handle) error {
	c.matched++
	c.tr.obstacles--
	c.tr.update(t, false)
	return nil
}

// Retract implements eval.Entity: a match goes. (Once the dependency's
// facet has stopped, the system delivers nothing more to its refs.)
func (c *condition) Retract(t *eval.Turn, _ eval.Handle) error {
	if c.matched > 0 {
		c.matched--
		c.tr.obstacles++
		c.tr.update(t, false)
	}
	return nil
}

// Message implements eval.Entity.
func (c *condition) Message(*eval.Turn, lang.Value) error { return nil }

// stop runs when the dependency's facet stops: first what each match's
// facet did when it stopped with its parent (the condition is an obstacle
// again), then the dependency's own end (its dependee is no obstacle).
func (c *condition) stop(t *eval.Turn) {
	for ; c.matched > 0; c.matched-- {
		c.tr.obstacles++
		c.tr.update(t, false)
	}
	c.tr.obstacles--
	c.tr.update(t, false)
}

// record1 is <label field>, record and field in one allocation.
func record1(label, field lang.Value) *lang.Record {
	x := &struct {
		r lang.Record
		f [1]lang.Value
	}{}
	x.f[0] = field
	x.r = lang.Record{Label: label, Fields: x.f[:]}
	return &x.r
}

// observeRecord is <Observe PATTERN #:observer>, record and fields in one
// allocation.
func observeRecord(pattern, observer lang.Value) *lang.Record {
	x := &struct {
		r lang.Record
		f [2]lang.Value
	}{}
	x.f = [2]lang.Value{pattern, observer}
	x.r = lang.Record{Label: observeLabel, Fields: x.f[:]}
	return &x.r
}

var (
	// Labels boxed once (a Symbol is boxed each time it is made a Value).
	groupLabel          lang.Value = lang.Symbol("group")
	requireServiceLabel lang.Value = lang.Symbol("require-service")
	runServiceLabel     lang.Value = lang.Symbol("run-service")
	observeLabel        lang.Value = dataspace.SymObserve
	dependsOnType                  = lang.NewRecord(lang.Symbol("rec"), lang.Symbol("depends-on"))
	captureWireForm                = capture.Value()
)

// dependsOnPattern is the wire form of <depends-on SERVICE ?dependee>,
// built straight from the service.
func dependsOnPattern(service lang.Value) lang.Value {
	return lang.NewRecord(groupLabel, dependsOnType, lang.DictionaryOfEntries([]lang.DictEntry{
		{Key: lang.Int(0), Value: eval.LiteralPattern(service)},
		{Key: lang.Int(1), Value: captureWireForm},
	}))
}

// serviceStateService is the service a service.prs ServiceState names:
// <service-state SERVICE STATE>, where both fields may be anything. A value
// of that exact shape needs no schema check; anything else is left to
// protocols.Validate, which has the words for what is wrong.
func serviceStateService(v lang.Value) (lang.Value, error) {
	if r, ok := lang.Unwrap(v).(*lang.Record); ok && len(r.Fields) == 2 {
		if l, ok := lang.Unwrap(r.Label).(lang.Symbol); ok && l == "service-state" {
			return r.Fields[0], nil
		}
	}
	if err := protocols.Validate("service.ServiceState", v); err != nil {
		return nil, err
	}
	return lang.Unwrap(v).(*lang.Record).Fields[0], nil
}

type tracker struct {
	ds      *eval.Ref
	facet   *eval.Facet
	service lang.Value
	// obstacles counts the dependees whose state is not asserted now.
	obstacles int
	known     bool
	running   bool
	handle    eval.Handle
	synced    *eval.Ref // answers syncs with ds
	syncing   bool      // a sync is on its way
}

// Assert implements eval.Entity for the tracker's sync ref.
func (tr *tracker) Assert(*eval.Turn, lang.Value, eval.Handle) error { return nil }

// Retract implements eval.Entity.
func (tr *tracker) Retract(*eval.Turn, eval.Handle) error { return nil }

// Message implements eval.Entity: the answer to a sync with ds, so every
// dependency asserted before it is known.
func (tr *tracker) Message(t *eval.Turn, _ lang.Value) error {
	tr.known, tr.syncing = true, false
	tr.update(t, true)
	return nil
}

func (tr *tracker) ready() bool {
	if !tr.known || !tr.facet.Alive() {
		return false
	}
	return tr.obstacles == 0
}

// update asserts or withdraws <run-service S> to match the dependencies.
// Withdrawing is immediate; starting happens only on the answer to a sync
// with the dataspace (fromSync), so that a change already on its way — a
// requirement withdrawn just after a dependency, as when a facet unwinds — is
// seen before anything starts.
func (tr *tracker) update(t *eval.Turn, fromSync bool) {
	want := tr.ready()
	switch {
	case want == tr.running:
		return
	case !want:
		t.InFacet(tr.facet, func() { t.Retract(tr.handle) })
		tr.running = false
	case fromSync:
		t.InFacet(tr.facet, func() {
			tr.handle = t.Assert(tr.ds, record1(runServiceLabel, tr.service))
		})
		tr.running = true
	case !tr.syncing:
		tr.syncing = true
		t.InFacet(tr.facet, func() { t.Sync(tr.ds, tr.synced) })
	}
}
