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
		service := caps[0]
		tr := &tracker{ds: ds, facet: t.Facet(), service: service}
		t.DuringWire(ds, dependsOnPattern(service), func(t *eval.Turn, caps []lang.Value) {
			cond := caps[0]
			// Each distinct dependee is an obstacle until its state is
			// asserted (dependencies.rs keeps the same obstacle count):
			// the dataspace tells this facet of each distinct capture
			// once, so a counter is all the tracker needs.
			tr.obstacles++
			// As syndicate-server's dependency tracker: a dependee that is
			// not a service.prs ServiceState is still waited for, but names
			// no service to require; that is reported, in the schema's words.
			if dependee, err := serviceStateService(cond); err != nil {
				t.System().Report(t.Facet(), fmt.Errorf("<depends-on %s ...>: cannot tell which service the dependee is: %w", lang.Format(service), err))
			} else {
				t.Assert(ds, &lang.Record{Label: requireServiceLabel, Fields: []lang.Value{dependee}})
			}
			t.DuringWire(ds, eval.LiteralPattern(cond), func(t *eval.Turn, _ []lang.Value) {
				tr.obstacles--
				tr.update(t, false)
				t.OnStop(func(t *eval.Turn) {
					tr.obstacles++
					tr.update(t, false)
				})
			})
			tr.update(t, false)
			t.OnStop(func(t *eval.Turn) {
				tr.obstacles--
				tr.update(t, false)
			})
		})
		tr.synced = t.NewRef("dependencies-known", &eval.Handler{OnMessage: func(t *eval.Turn, _ lang.Value) error {
			tr.known, tr.syncing = true, false
			tr.update(t, true)
			return nil
		}})
		tr.syncing = true
		t.Sync(ds, tr.synced)
	})
}

var (
	// Labels boxed once (a Symbol is boxed each time it is made a Value).
	groupLabel          lang.Value = lang.Symbol("group")
	requireServiceLabel lang.Value = lang.Symbol("require-service")
	runServiceLabel     lang.Value = lang.Symbol("run-service")
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
			tr.handle = t.Assert(tr.ds, &lang.Record{Label: runServiceLabel, Fields: []lang.Value{tr.service}})
		})
		tr.running = true
	case !tr.syncing:
		tr.syncing = true
		t.InFacet(tr.facet, func() { t.Sync(tr.ds, tr.synced) })
	}
}
