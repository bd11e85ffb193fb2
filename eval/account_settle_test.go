package eval_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// A turn charged to an account is charged for what it queued when it ends
// — also when it ends in a panic — and every event is repaid as it is
// handled: the debt comes back to zero.
func TestAccountChargedPerTurn(t *testing.T) {
	for _, tc := range []struct {
		name  string
		panic bool
	}{{"turn ends", false}, {"turn panics", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := eval.NewSystem(nil)
			s.OnError = func(*eval.Facet, error) {}
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
			acct := s.NewAccount("source", 0)
			var during int64
			require.NoError(t, acct.Post(context.Background(), owner, func(tn *eval.Turn) {
				for i := 0; i < 3; i++ {
					tn.Message(space, rec("line", lang.Int(int64(i))))
				}
				during = acct.Debt()
				if tc.panic {
					panic("boom") // stops the owner: the lines go undelivered, but are repaid
				}
			}))
			s.RunPending()
			assert.Equal(t, int64(0), during, "the turn's own deliveries are charged when it ends")
			if !tc.panic {
				assert.Equal(t, 3, got)
			}
			assert.Zero(t, acct.Debt())
		})
	}
}
