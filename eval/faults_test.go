package eval_test

import (
	"errors"
	"testing"

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
	var owner, user *eval.Facet
	var space *eval.Ref
	s.Spawn("host", func(tn *eval.Turn) {
		owner = tn.Facet()
		owner.PreventInert()
		space = tn.NewDataspace("config")
	})
	s.RunPending()
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
