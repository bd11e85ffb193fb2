package eval_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// A source posting through an Account faster than the system handles its
// work waits: the work queued on its behalf (what it posted and everything
// that caused) stays near the limit, and nothing is lost (issue 17, point 8;
// syndicate-rs's Account and ensure_clear_funds in syndicate/src/actor.rs).
func TestAccountPausesAFastSource(t *testing.T) {
	s := eval.NewSystem(nil)
	var owner *eval.Facet
	var space *eval.Ref
	got := 0
	s.Spawn("host", func(tn *eval.Turn) {
		owner = tn.Facet()
		owner.PreventInert()
		space = tn.NewDataspace("log")
		tn.OnMessage(space, capture("line"), func(*eval.Turn, []lang.Value) { got++ })
	})
	s.RunPending()
	const lines, limit = 50000, 100
	acct := s.NewAccount("yes", limit)
	var maxDebt int64
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.Hold()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the daemon's pipe reader
		defer wg.Done()
		defer s.Release()
		for i := 0; i < lines; i++ {
			err := acct.Post(ctx, owner, func(tn *eval.Turn) {
				maxDebt = max(maxDebt, acct.Debt())
				tn.Message(space, rec("line", lang.Int(int64(i))))
			})
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	require.NoError(t, s.Run(ctx))
	wg.Wait()
	assert.Equal(t, lines, got, "every line is handled")
	assert.LessOrEqual(t, maxDebt, int64(limit+1), "the source waited while its work was over the limit")
	assert.Zero(t, acct.Debt())

	acct.Close()
	assert.ErrorIs(t, acct.Post(ctx, owner, func(*eval.Turn) {}), eval.ErrAccountClosed)
}

// A closed context ends a waiting Post.
func TestAccountPostEndsWithContext(t *testing.T) {
	s := newSystem()
	var f *eval.Facet
	s.Spawn("host", func(tn *eval.Turn) { f = tn.Facet(); f.PreventInert() })
	s.RunPending()
	acct := s.NewAccount("src", 1)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, acct.Post(ctx, f, func(*eval.Turn) {}))
	require.NoError(t, acct.Post(ctx, f, func(*eval.Turn) {}))
	done := make(chan error)
	go func() { done <- acct.Post(ctx, f, func(*eval.Turn) {}) }() // debt 2 > 1: waits
	select {
	case err := <-done:
		t.Fatalf("Post did not wait: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
}

// A message loop through a dataspace (?? <tick> ! <tick>) is a runaway: its
// facet is stopped with a message, the dataspace's owner keeps running, and
// the system goes quiescent.
func TestRunawayMessageLoopIsStopped(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fanIn int // ticks sent per tick heard
		setup func(s *eval.System)
	}{
		{"linear", 1, func(s *eval.System) { s.MaxDepth = 10000 }},
		{"multiplying", 2, func(s *eval.System) { s.MaxQueued = 10000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSystem()
			tc.setup(s)
			host, space := hostDataspace(s)
			var looper *eval.Facet
			heard := 0
			s.Spawn("script", func(tn *eval.Turn) {
				looper = tn.NewFacet(func(tn *eval.Turn) {
					tn.OnMessage(space, capture("tick"), func(tn *eval.Turn, _ []lang.Value) {
						heard++
						for i := 0; i < tc.fanIn; i++ {
							tn.Message(space, rec("tick", lang.Int(0)))
						}
					})
					tn.Message(space, rec("tick", lang.Int(0)))
				})
			})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			require.NoError(t, s.Run(ctx), "the loop is stopped and the system goes quiescent")
			assert.False(t, looper.Alive(), "the looping facet is stopped")
			assert.True(t, host.Alive(), "the dataspace's owner keeps running")
			require.NotEmpty(t, s.Errors)
			assert.Contains(t, s.Errors[0].Error(), "runaway message loop")
			assert.Less(t, heard, 200000, "stopped early")
		})
	}
}

// Run looks at its context between bounded batches of turns, so a busy
// system (here a loop with the runaway bounds off) still stops when told
// to — how `synd run` honours SIGINT and SIGTERM while busy.
func TestRunStopsWhileBusy(t *testing.T) {
	s := newSystem()
	s.MaxDepth, s.MaxQueued = 0, 0
	var self *eval.Ref
	s.Spawn("loop", func(tn *eval.Turn) {
		self = tn.NewRef("self", &eval.Handler{OnMessage: func(tn *eval.Turn, v lang.Value) error {
			tn.Message(self, v)
			return nil
		}})
		tn.Facet().PreventInert()
		tn.Message(self, lang.Int(0))
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Run(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}
