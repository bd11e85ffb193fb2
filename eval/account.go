package eval

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Flow control, after syndicate-rs's Account (syndicate/src/actor.rs): work
// that enters the system from outside through an Account is charged to it,
// and so is all the work that work causes, turn after turn, until it has
// been handled. A source that produces faster than the system handles — a
// daemon printing `yes`, a relay peer flooding — waits in Post until its
// debt is back under its limit, so its input stays where it is (in a pipe
// or a socket buffer) instead of in memory.
//
// A reader goroutine uses it like this:
//
//	acct := sys.NewAccount("daemon foo", 0)
//	defer acct.Close()
//	for sc.Scan() {
//		line := sc.Text()
//		if acct.Post(ctx, facet, func(t *Turn) { ... line ... }) != nil {
//			return // ctx done or account closed
//		}
//	}
//
// Post must not be called from the scheduler's own goroutine (inside a turn
// or a WhenIdle callback): it may wait for that goroutine.
type Account struct {
	name  string
	limit int64
	debt  atomic.Int64

	mu     sync.Mutex
	cond   *sync.Cond
	closed bool
}

// DefaultAccountLimit is the debt, in queued events, past which a source's
// Post waits: enough for a burst of output lines and all they cause, small
// enough to stay a few megabytes.
const DefaultAccountLimit = 10000

// NewAccount makes an account for one source of outside work. limit is the
// debt (events queued on its behalf) past which Post waits; 0 means
// DefaultAccountLimit.
func (s *System) NewAccount(name string, limit int) *Account {
	if limit <= 0 {
		limit = DefaultAccountLimit
	}
	a := &Account{name: name, limit: int64(limit)}
	a.cond = sync.NewCond(&a.mu)
	return a
}

// Name is the account's name.
func (a *Account) Name() string { return a.name }

// Debt is the number of events queued on the account's behalf now.
func (a *Account) Debt() int64 { return a.debt.Load() }

// Post waits until the account's debt is at most its limit (or ctx is done,
// or the account is closed: then it returns that error and posts nothing),
// then posts fn as System.Post does, charging it and all it causes to the
// account.
func (a *Account) Post(ctx context.Context, facet *Facet, fn func(t *Turn)) error {
	if err := a.WaitClear(ctx); err != nil {
		return err
	}
	sys := facet.actor.sys
	a.borrow()
	sys.mu.Lock()
	sys.posted = append(sys.posted, runAction(facet, fn, a))
	sys.outside.Store(true)
	sys.mu.Unlock()
	sys.signal()
	return nil
}

// WaitClear waits until the debt is at most the limit. It returns ctx's
// error if ctx ends first, and ErrAccountClosed once the account is closed.
func (a *Account) WaitClear(ctx context.Context) error {
	if a.debt.Load() <= a.limit {
		a.mu.Lock()
		closed := a.closed
		a.mu.Unlock()
		if closed {
			return ErrAccountClosed
		}
		return ctx.Err()
	}
	stop := context.AfterFunc(ctx, func() {
		a.mu.Lock()
		a.cond.Broadcast()
		a.mu.Unlock()
	})
	defer stop()
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.debt.Load() > a.limit && !a.closed && ctx.Err() == nil {
		a.cond.Wait()
	}
	if a.closed {
		return ErrAccountClosed
	}
	return ctx.Err()
}

// Close wakes every waiting Post, which then returns ErrAccountClosed, as do
// later ones. Work already posted still runs.
func (a *Account) Close() {
	a.mu.Lock()
	a.closed = true
	a.cond.Broadcast()
	a.mu.Unlock()
}

// ErrAccountClosed is returned by Post and WaitClear on a closed account.
var ErrAccountClosed = fmt.Errorf("account closed")

func (a *Account) borrow() { a.debt.Add(1) }

// borrowN charges n more queued events to the account. A turn charged to
// it borrows once, when it ends, for all the deliveries it queued (as
// syndicate-rs charges a turn's actions when it commits): none of them can
// be taken off the queue before that.
func (a *Account) borrowN(n int64) { a.debt.Add(n) }

// repay is called on the scheduler's goroutine as an event charged to the
// account is taken off the queue.
func (a *Account) repay() {
	if a.debt.Add(-1) == a.limit {
		a.mu.Lock()
		a.cond.Broadcast()
		a.mu.Unlock()
	}
}
