package eval_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ds "github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// An entity that refuses a delivery (returns an error, or panics) charges
// the sender's facet, never the facet owning the entity: a host service or a
// dataspace owned by the root facet survives any input (issue 17, point 1).
func TestDeliveryErrorStopsTheSender(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refuse func() error
	}{
		{"error", func() error { return errors.New("refused") }},
		{"panic", func() error { panic("refused") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSystem()
			var owner, sender, bystander *eval.Facet
			var picky *eval.Ref
			s.Spawn("host", func(tn *eval.Turn) {
				owner = tn.Facet()
				owner.PreventInert()
				picky = tn.NewRef("picky", &eval.Handler{
					OnMessage: func(*eval.Turn, lang.Value) error { return tc.refuse() },
					OnAssert:  func(*eval.Turn, lang.Value, eval.Handle) error { return tc.refuse() },
				})
			})
			s.RunPending()
			s.Spawn("user", func(tn *eval.Turn) {
				sender = tn.NewFacet(func(tn *eval.Turn) { tn.Facet().PreventInert() })
				bystander = tn.NewFacet(func(tn *eval.Turn) { tn.Facet().PreventInert() })
			})
			s.RunPending()
			s.Post(sender, func(tn *eval.Turn) { tn.Message(picky, lang.Symbol("bad")) })
			s.RunPending()
			assert.True(t, owner.Alive(), "the receiving entity's owner keeps running")
			assert.False(t, sender.Alive(), "the sender's facet stops")
			assert.True(t, bystander.Alive(), "its siblings keep running")
			require.Len(t, s.Errors, 1)
			assert.Contains(t, s.Errors[0].Error(), "refused")
			assert.Contains(t, s.Errors[0].Error(), sender.String(), "reported against the sender")
		})
	}
}

// A dataspace relays on behalf of the sender: an observer that refuses what
// the dataspace tells it charges the facet that made the routed assertion,
// and neither the dataspace's owner nor the observer's owner stops.
func TestRelayedDeliveryErrorStopsTheOriginalSender(t *testing.T) {
	s := newSystem()
	var owner, sender *eval.Facet
	var space, picky *eval.Ref
	s.Spawn("host", func(tn *eval.Turn) {
		owner = tn.Facet()
		owner.PreventInert()
		space = tn.NewDataspace("config")
		picky = tn.NewRef("picky", &eval.Handler{
			OnAssert: func(*eval.Turn, lang.Value, eval.Handle) error { return errors.New("refused") },
		})
		tn.Assert(space, ds.Observe(capture("poke"), picky))
	})
	s.RunPending()
	s.Spawn("user", func(tn *eval.Turn) {
		sender = tn.NewFacet(func(tn *eval.Turn) { tn.Assert(space, rec("poke", lang.Int(1))) })
	})
	s.RunPending()
	assert.True(t, owner.Alive(), "the dataspace's (and the observer's) owner keeps running")
	assert.False(t, sender.Alive(), "the facet whose assertion was routed stops")
	require.Len(t, s.Errors, 1)
	assert.Contains(t, s.Errors[0].Error(), sender.String())
	d := space.Entity().(*eval.DataspaceEntity).DS
	assert.Equal(t, 0, d.Count(rec("poke", lang.Int(1))), "the stopped sender's assertion is retracted")
}

// <Observe foo bar> is plain data in a dataspace, as in syndicate-server
// (<Dataspace as Entity>::assert registers an observer only when
// Observe::parse succeeds): nothing fails, nothing stops.
func TestMalformedObserveIsData(t *testing.T) {
	s := newSystem()
	owner, space := hostDataspace(s)
	var user *eval.Facet
	bad := rec("Observe", lang.Symbol("foo"), lang.Symbol("bar"))
	s.Spawn("user", func(tn *eval.Turn) {
		user = tn.NewFacet(func(tn *eval.Turn) { tn.Assert(space, bad) })
	})
	s.RunPending()
	assert.True(t, owner.Alive())
	assert.True(t, user.Alive())
	assert.Empty(t, s.Errors)
	assert.Equal(t, 1, space.Entity().(*eval.DataspaceEntity).DS.Count(bad))
}

// A template that doubles a value each turn while sharing its parts makes a
// value whose written size grows exponentially: past MaxValueNodes it is
// refused and the facet building it stops, instead of the next key or
// comparison of it running for ever (found by FuzzRunScript:
// `? <?name ?port> <has-port $name $port>` re-matches its own output).
func TestExponentialValueStopsItsFacet(t *testing.T) {
	s := newSystem()
	host, space := hostDataspace(s)
	var builder *eval.Facet
	s.Spawn("script", func(tn *eval.Turn) {
		builder = tn.NewFacet(func(tn *eval.Turn) {
			tn.During(space, capture("x"), func(tn *eval.Turn, caps []lang.Value) {
				tn.Assert(space, rec("x", lang.Sequence{caps[0], caps[0]}))
			})
			tn.Assert(space, rec("x", lang.Int(0)))
		})
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, s.Run(ctx), "the doubling stops and the system goes quiescent")
	assert.True(t, builder.Alive(), "only the facet of the match that built the value stops")
	assert.True(t, host.Alive())
	require.NotEmpty(t, s.Errors)
	assert.Contains(t, s.Errors[0].Error(), "nodes")
}

// A value nested deeper than MaxValueDepth (a template wrapping what it
// matched, turn after turn) is refused with an error that stops only the
// facet building it (issue 17, point 2: a 3.6 M-level value used to
// overflow the goroutine stack, uncatchably).
func TestDeepValueStopsItsFacet(t *testing.T) {
	s := newSystem()
	host, space := hostDataspace(s)
	var script *eval.Facet
	var deep lang.Value = lang.Int(0)
	for i := 0; i < 3600000; i++ {
		deep = lang.Sequence{deep}
	}
	s.Spawn("script", func(tn *eval.Turn) {
		script = tn.Facet()
		tn.Assert(space, rec("x", deep))
	})
	require.NoError(t, s.Run(context.Background()))
	assert.False(t, script.Alive())
	assert.True(t, host.Alive())
	require.NotEmpty(t, s.Errors)
	assert.Contains(t, s.Errors[0].Error(), "nested more than 10000 deep")
	assert.Equal(t, 0, space.Entity().(*eval.DataspaceEntity).DS.Len())
}
