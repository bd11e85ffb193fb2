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
		// <depends-on S ?dependee>, observed as `during` would (the same
		// Observe, the same ref), but each dependency is an edge of the
		// tracker rather than a facet of its own.
		t.Assert(ds, tr.obs.set(observeLabel, dependsOnPattern(tr.service), t.NewRef("during", (*dependencies)(tr)).Value()))
		tr.synced = t.NewRef("dependencies-known", tr)
		tr.syncing = true
		t.Sync(ds, tr.synced)
		t.OnStop(tr.stop)
	})
}

// edge is one dependency of a tracked service, while <depends-on S COND>
// is asserted: what a facet of its own (as dependencies.rs's during! makes)
// would hold — its two assertions and its stop — kept by the tracker, in
// the order they were made. It is also the entity observing COND.
type edge struct {
	tr         *tracker
	match      eval.Handle // of the depends-on capture
	require    eval.Handle // <require-service D>, 0 if none
	observe    eval.Handle // <Observe COND>
	matched    int         // matches of COND present (at most one)
	done       bool
	prev, next *edge   // older and newer edges of the tracker
	obs        record2 // <Observe COND-PATTERN #:edge>
	req        record1 // <require-service D>
}

// dependencies is the tracker as the observer of <depends-on S ?dependee>.
type dependencies tracker

// Assert implements eval.Entity: a dependency appears. Its effects are
// those of the facet dependencies.rs starts for it, in that order.
func (d *dependencies) Assert(t *eval.Turn, v lang.Value, h eval.Handle) error {
	tr := (*tracker)(d)
	caps, _ := v.(lang.Sequence)
	if len(caps) != 1 {
		return nil
	}
	cond := caps[0]
	e := &edge{tr: tr, match: h}
	tr.link(e)
	// Each distinct dependee is an obstacle until its state is asserted
	// (dependencies.rs keeps the same obstacle count): the dataspace tells
	// the tracker of each distinct capture once, so a counter is all it
	// needs.
	tr.obstacles++
	// As syndicate-server's dependency tracker: a dependee that is not a
	// service.prs ServiceState is still waited for, but names no service
	// to require; that is reported, in the schema's words.
	if dependee, err := serviceStateService(cond); err != nil {
		t.System().Report(t.Facet(), fmt.Errorf("<depends-on %s ...>: cannot tell which service the dependee is: %w", lang.Format(tr.service), err))
	} else {
		e.require = t.Assert(tr.ds, e.req.set(requireServiceLabel, dependee))
	}
	// The dependee's state is observed as `during` would (dependencies.rs:
	// during!(t, ds, #d, ...)), with the same Observe and the same ref,
	// but its matches are counted rather than each given a facet whose
	// only work is to count back when it stops.
	e.observe = t.Assert(tr.ds, e.obs.set(observeLabel, eval.LiteralPattern(cond), t.NewRef("during", e).Value()))
	tr.update(t, false)
	return nil
}

// Retract implements eval.Entity: a dependency goes.
func (d *dependencies) Retract(t *eval.Turn, h eval.Handle) error {
	tr := (*tracker)(d)
	if e := tr.find(h); e != nil {
		tr.unlink(e)
		e.stop(t)
	}
	return nil
}

// Message implements eval.Entity.
func (d *dependencies) Message(*eval.Turn, lang.Value) error { return nil }

// Assert implements eval.Entity: the dependee's state appears.
func (e *edge) Assert(t *eval.Turn, _ lang.Value, _ eval.Handle) error {
	if e.done {
		return nil
	}
	e.matched++
	e.tr.obstacles--
	e.tr.update(t, false)
	return nil
}

// Retract implements eval.Entity: the dependee's state goes.
func (e *edge) Retract(t *eval.Turn, _ eval.Handle) error {
	if !e.done && e.matched > 0 {
		e.matched--
		e.tr.obstacles++
		e.tr.update(t, false)
	}
	return nil
}

// Message implements eval.Entity.
func (e *edge) Message(*eval.Turn, lang.Value) error { return nil }

// stop ends a dependency as the stop of its facet would: first what the
// facet of each match of its condition did when it stopped (the dependee
// is an obstacle again), then its own stop handler (the dependee is no
// obstacle), then the retraction of its assertions, newest first.
func (e *edge) stop(t *eval.Turn) {
	tr := e.tr
	e.done = true
	for ; e.matched > 0; e.matched-- {
		tr.obstacles++
		tr.update(t, false)
	}
	tr.obstacles--
	tr.update(t, false)
	t.InFacet(tr.facet, func() {
		t.Retract(e.observe)
		if e.require != 0 {
			t.Retract(e.require)
		}
	})
}

// stop runs when the tracker's facet stops, before its own assertions are
// retracted: its dependencies end first, newest first, as child facets
// would.
func (tr *tracker) stop(t *eval.Turn) {
	for e := tr.last; e != nil; e = tr.last {
		tr.unlink(e)
		e.stop(t)
	}
}

// link adds e as the newest edge.
func (tr *tracker) link(e *edge) {
	e.prev = tr.last
	if tr.last != nil {
		tr.last.next = e
	}
	tr.last = e
	tr.edges++
	if tr.byMatch != nil {
		tr.byMatch[e.match] = e
	} else if tr.edges > maxScannedEdges {
		tr.byMatch = make(map[eval.Handle]*edge, tr.edges)
		for x := tr.last; x != nil; x = x.prev {
			tr.byMatch[x.match] = x
		}
	}
}

func (tr *tracker) unlink(e *edge) {
	if e.prev != nil {
		e.prev.next = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		tr.last = e.prev
	}
	e.prev, e.next = nil, nil
	tr.edges--
	if tr.byMatch != nil {
		delete(tr.byMatch, e.match)
	}
}

// maxScannedEdges is how many dependencies a tracker finds by scanning its
// list; beyond, it keeps them by handle too.
const maxScannedEdges = 8

// find returns the edge of the depends-on capture h.
func (tr *tracker) find(h eval.Handle) *edge {
	if tr.byMatch != nil {
		return tr.byMatch[h]
	}
	for e := tr.last; e != nil; e = e.prev {
		if e.match == h {
			return e
		}
	}
	return nil
}

// record1 and record2 are a record of one or two fields laid out in the
// allocation of what asserts it (an edge, a tracker), which lives as long.
type record1 struct {
	r lang.Record
	f [1]lang.Value
}

func (x *record1) set(label, field lang.Value) *lang.Record {
	x.f[0] = field
	x.r = lang.Record{Label: label, Fields: x.f[:]}
	return &x.r
}

type record2 struct {
	r lang.Record
	f [2]lang.Value
}

func (x *record2) set(label, a, b lang.Value) *lang.Record {
	x.f = [2]lang.Value{a, b}
	x.r = lang.Record{Label: label, Fields: x.f[:]}
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
// built straight from the service, the group, its entries and their
// dictionary in one allocation.
func dependsOnPattern(service lang.Value) lang.Value {
	b := &struct {
		g  lang.Record
		gf [2]lang.Value
		es [2]lang.DictEntry
		d  lang.Dictionary
	}{}
	b.es = [2]lang.DictEntry{{Key: lang.Int(0), Value: eval.LiteralPattern(service)}, {Key: lang.Int(1), Value: captureWireForm}}
	b.gf = [2]lang.Value{dependsOnType, lang.DictionaryOfEntriesIn(&b.d, b.es[:])}
	b.g = lang.Record{Label: groupLabel, Fields: b.gf[:]}
	return &b.g
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
	// The dependencies present, oldest to newest (last), and by the
	// handle of their capture once there are many.
	last    *edge
	edges   int
	byMatch map[eval.Handle]*edge
	obs     record2 // <Observe <depends-on S ?dependee> #:tracker>
	run     record1 // <run-service S>, made the first time
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
			if tr.run.r.Label == nil {
				tr.run.set(runServiceLabel, tr.service)
			}
			tr.handle = t.Assert(tr.ds, &tr.run.r)
		})
		tr.running = true
	case !tr.syncing:
		tr.syncing = true
		t.InFacet(tr.facet, func() { t.Sync(tr.ds, tr.synced) })
	}
}
