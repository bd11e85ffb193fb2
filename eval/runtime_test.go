package eval_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ds "github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

func rec(label string, fields ...lang.Value) lang.Value {
	return lang.NewRecord(lang.Symbol(label), fields...)
}

// capture matches <label ?x ...> on field 0.
func capture(label string) ds.Pattern {
	return ds.Group{Kind: ds.GroupRecord, Label: lang.Symbol(label), Entries: []ds.GroupEntry{{Key: lang.Int(0), Pattern: ds.Bind{Pattern: ds.Discard{}}}}}
}

func newSystem() *eval.System {
	return eval.NewSystem(eval.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
}

// hostDataspace spawns the actor "host", whose root facet never goes inert
// and holds a dataspace named config, as a host's would; it runs that turn
// and returns the facet and the dataspace.
func hostDataspace(s *eval.System) (*eval.Facet, *eval.Ref) {
	var host *eval.Facet
	var space *eval.Ref
	s.Spawn("host", func(tn *eval.Turn) {
		host = tn.Facet()
		host.PreventInert()
		space = tn.NewDataspace("config")
	})
	s.RunPending()
	return host, space
}

func run(t *testing.T, s *eval.System) {
	t.Helper()
	require.NoError(t, s.Run(context.Background()))
}

func TestRetractionOnFacetStop(t *testing.T) {
	s := newSystem()
	var space *eval.Ref
	var child *eval.Facet
	var log []string
	s.Spawn("main", func(tn *eval.Turn) {
		space = tn.NewDataspace("ds")
		tn.During(space, capture("x"), func(tn *eval.Turn, caps []lang.Value) {
			log = append(log, "+"+lang.Format(caps[0]))
			tn.OnStop(func(*eval.Turn) { log = append(log, "-"+lang.Format(caps[0])) })
		})
		child = tn.NewFacet(func(tn *eval.Turn) { tn.Assert(space, rec("x", lang.Int(1))) })
	})
	s.RunPending()
	assert.Equal(t, []string{"+1"}, log)
	s.Post(child, func(tn *eval.Turn) { tn.Stop() })
	s.RunPending()
	assert.Equal(t, []string{"+1", "-1"}, log)
	assert.Equal(t, 0, space.Entity().(*eval.DataspaceEntity).DS.Count(rec("x", lang.Int(1))))
}

func TestStopOrder(t *testing.T) {
	s := newSystem()
	var log []string
	var top *eval.Facet
	var space *eval.Ref
	s.Spawn("main", func(tn *eval.Turn) {
		space = tn.NewDataspace("ds")
		tn.During(space, capture("held"), func(tn *eval.Turn, caps []lang.Value) {
			log = append(log, "asserted "+lang.Format(caps[0]))
			tn.OnStop(func(*eval.Turn) { log = append(log, "retracted "+lang.Format(caps[0])) })
		})
		top = tn.NewFacet(func(tn *eval.Turn) {
			tn.Assert(space, rec("held", lang.Symbol("top")))
			tn.OnStop(func(*eval.Turn) { log = append(log, "top handler 1") })
			tn.OnStop(func(*eval.Turn) { log = append(log, "top handler 2") })
			tn.NewFacet(func(tn *eval.Turn) {
				tn.Assert(space, rec("held", lang.Symbol("child")))
				tn.OnStop(func(*eval.Turn) { log = append(log, "child handler") })
			})
		})
	})
	s.RunPending()
	log = nil
	s.Post(top, func(tn *eval.Turn) { tn.Stop() })
	s.RunPending()
	assert.Equal(t, []string{
		"child handler", "top handler 1", "top handler 2", // children first, handlers in order
		"retracted child", "retracted top", // then retractions, delivered after the turn
	}, log)
}

func TestInertFacetsStop(t *testing.T) {
	s := newSystem()
	var stopped []string
	s.Spawn("main", func(tn *eval.Turn) {
		space := tn.NewDataspace("ds")
		tn.Assert(space, rec("keep-alive"))
		tn.NewFacet(func(tn *eval.Turn) {
			tn.OnStop(func(*eval.Turn) { stopped = append(stopped, "empty facet") })
		})
		parent := tn.NewFacet(func(tn *eval.Turn) {
			tn.OnStop(func(*eval.Turn) { stopped = append(stopped, "parent") })
			tn.NewFacet(func(tn *eval.Turn) {
				tn.After(time.Second, func(tn *eval.Turn) { stopped = append(stopped, "timer fired") })
				tn.OnStop(func(*eval.Turn) { stopped = append(stopped, "child") })
			})
		})
		assert.True(t, parent.Alive(), "a facet with a live child is not inert")
	})
	run(t, s)
	assert.Equal(t, []string{"empty facet", "timer fired", "child", "parent"}, stopped,
		"an inert facet stops at once; a child stopping leaves its parent inert, so it stops too")
}

func TestErrorStopsOnlyItsFacet(t *testing.T) {
	s := newSystem()
	var space *eval.Ref
	var log []string
	var bad, good *eval.Facet
	s.Spawn("main", func(tn *eval.Turn) {
		space = tn.NewDataspace("ds")
		tn.During(space, capture("x"), func(tn *eval.Turn, caps []lang.Value) {
			log = append(log, "seen "+lang.Format(caps[0]))
		})
		good = tn.NewFacet(func(tn *eval.Turn) { tn.Assert(space, rec("x", lang.Symbol("good"))) })
		bad = tn.NewFacet(func(tn *eval.Turn) { tn.Assert(space, rec("x", lang.Symbol("bad"))) })
	})
	s.RunPending()
	s.Post(bad, func(tn *eval.Turn) {
		tn.Assert(space, rec("x", lang.Symbol("never")))
		tn.Fail(errors.New("boom"))
	})
	s.RunPending()
	assert.False(t, bad.Alive())
	assert.True(t, good.Alive(), "siblings keep running")
	assert.Equal(t, []string{"seen good", "seen bad", "seen never"}, log,
		"the failing turn commits: what it asserted before the error is asserted (then retracted by the stop)")
	require.Len(t, s.Errors, 1)
	assert.Contains(t, s.Errors[0].Error(), "boom")
	d := space.Entity().(*eval.DataspaceEntity).DS
	assert.Equal(t, 0, d.Count(rec("x", lang.Symbol("bad"))), "the failed facet's assertions are retracted")
	assert.Equal(t, 1, d.Count(rec("x", lang.Symbol("good"))))

	// A panic in a handler is an error of that facet too.
	s.Post(good, func(tn *eval.Turn) { panic("oops") })
	s.RunPending()
	assert.False(t, good.Alive())
	assert.Contains(t, s.Errors[1].Error(), "oops")
}

// Two actors each assert into the other's dataspace in reaction to the
// other's assertion; the exchange settles and the system goes quiescent.
func TestCycleSettles(t *testing.T) {
	s := newSystem()
	var a, b *eval.Ref
	rounds := 0
	s.Spawn("setup", func(tn *eval.Turn) {
		tn.Facet().PreventInert() // the dataspaces live as long as this actor
		a = tn.NewDataspace("a")
		b = tn.NewDataspace("b")
		tn.Spawn("ping", func(tn *eval.Turn) {
			tn.Assert(b, rec("ping", lang.Int(0)))
			tn.During(a, capture("pong"), func(tn *eval.Turn, caps []lang.Value) {
				n := caps[0].(lang.Int)
				rounds++
				if n < 10 {
					tn.Assert(b, rec("ping", n+1))
				}
			})
		})
		tn.Spawn("pong", func(tn *eval.Turn) {
			tn.During(b, capture("ping"), func(tn *eval.Turn, caps []lang.Value) {
				tn.Assert(a, rec("pong", caps[0]))
			})
		})
	})
	run(t, s)
	assert.Equal(t, 11, rounds)
	assert.Equal(t, 11, len(b.Entity().(*eval.DataspaceEntity).DS.Assertions())-1, "pings 0..10 plus the Observe")
}

func TestMessagesAndSync(t *testing.T) {
	s := newSystem()
	var got []string
	s.Spawn("main", func(tn *eval.Turn) {
		space := tn.NewDataspace("ds")
		tn.Message(space, rec("says", lang.String("before")))
		tn.OnMessage(space, capture("says"), func(tn *eval.Turn, caps []lang.Value) {
			got = append(got, lang.Format(caps[0]))
		})
		tn.Message(space, rec("says", lang.String("after")))
		done := tn.NewRef("synced", &eval.Handler{OnMessage: func(tn *eval.Turn, v lang.Value) error {
			got = append(got, "synced")
			tn.Stop()
			return nil
		}})
		tn.Sync(space, done)
	})
	run(t, s)
	assert.Equal(t, []string{`"after"`, "synced"}, got, "messages reach only current observers; sync follows them")
}

func TestVirtualTimers(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := eval.NewSystem(eval.NewVirtualClock(start))
	var fired []string
	s.Spawn("main", func(tn *eval.Turn) {
		tn.After(2*time.Hour, func(tn *eval.Turn) { fired = append(fired, tn.System().Now().Sub(start).String()) })
		tn.After(time.Minute, func(tn *eval.Turn) { fired = append(fired, tn.System().Now().Sub(start).String()) })
		cancel := tn.After(time.Hour, func(tn *eval.Turn) { fired = append(fired, "cancelled!") })
		cancel()
	})
	begin := time.Now()
	run(t, s)
	assert.Equal(t, []string{"1m0s", "2h0m0s"}, fired)
	assert.Less(t, time.Since(begin), time.Second, "virtual time passes instantly")
	assert.Equal(t, 0, s.ActorsLive())
}

func TestRealClockAndPost(t *testing.T) {
	s := eval.NewSystem(nil)
	rootc := make(chan *eval.Facet, 1)
	got := make(chan string, 1)
	s.Spawn("main", func(tn *eval.Turn) {
		root := tn.Facet()
		rootc <- root
		release := root.PreventInert()
		tn.After(10*time.Millisecond, func(tn *eval.Turn) {})
		tn.OnStop(func(*eval.Turn) {})
		_ = release
	})
	s.Hold()
	go func() {
		root := <-rootc
		time.Sleep(20 * time.Millisecond)
		s.Post(root, func(tn *eval.Turn) { got <- "posted" })
		s.Release()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Run(ctx))
	select {
	case m := <-got:
		assert.Equal(t, "posted", m)
	default:
		t.Fatal("the posted event did not run")
	}
}

// trace runs a small but busy program and returns its delivery trace.
func trace() string {
	s := newSystem()
	var b strings.Builder
	s.Trace = func(e eval.Event) {
		if e.Target == nil {
			return // turns and facets: only deliveries are compared
		}
		fmt.Fprintf(&b, "%s %s %s %d\n", e.Kind, lang.Format(e.Target.Value()), lang.Format(orNil(e.Value)), e.Handle)
	}
	s.Spawn("main", func(tn *eval.Turn) {
		space := tn.NewDataspace("ds")
		for i := 0; i < 5; i++ {
			tn.Spawn(fmt.Sprintf("worker%d", i), func(tn *eval.Turn) {
				tn.During(space, capture("job"), func(tn *eval.Turn, caps []lang.Value) {
					tn.Assert(space, rec("done", lang.Int(int64(i)), caps[0]))
					tn.Message(space, rec("log", lang.Int(int64(i))))
				})
			})
		}
		for j := 0; j < 5; j++ {
			tn.NewFacet(func(tn *eval.Turn) {
				tn.Assert(space, rec("job", lang.Int(int64(j))))
				tn.After(time.Duration(j)*time.Second, func(tn *eval.Turn) { tn.Stop() })
			})
		}
	})
	_ = s.Run(context.Background())
	return b.String()
}

func orNil(v lang.Value) lang.Value {
	if v == nil {
		return lang.Symbol("-")
	}
	return v
}

func TestDeterministicReplay(t *testing.T) {
	first := trace()
	require.Greater(t, strings.Count(first, "\n"), 100)
	for i := 0; i < 100; i++ {
		require.Equal(t, first, trace(), "run %d differs", i)
	}
}
