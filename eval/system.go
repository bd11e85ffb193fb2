package eval

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/lang"
)

// Duration is a span of clock time.
type Duration = time.Duration

// Clock tells the time. A system's timers fire by it.
type Clock interface {
	Now() time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

// Now implements Clock.
func (RealClock) Now() time.Time { return time.Now() }

// VirtualClock is a clock that only moves when the scheduler, finding nothing
// else to do, jumps it to the next timer. Tests run on it: a day of timers
// passes in no real time, and every run sees the same times.
type VirtualClock struct{ now time.Time }

// NewVirtualClock returns a virtual clock reading start.
func NewVirtualClock(start time.Time) *VirtualClock { return &VirtualClock{now: start} }

// Now implements Clock.
func (c *VirtualClock) Now() time.Time { return c.now }

// Event is one step of the system, as reported to a system's Trace
// function: the start of a turn, a delivery, or a facet starting or stopping.
type Event struct {
	// Kind is turn (a turn starts in Facet's actor), assert, retract,
	// message, sync (a delivery to Target), facet-start or facet-stop.
	Kind   string
	Target *Ref
	Value  lang.Value // for assert and message
	Handle Handle     // for assert and retract
	Facet  *Facet     // for turn, facet-start and facet-stop
}

// System is one world of actors with its scheduler. It is single-threaded:
// every turn runs on the goroutine that calls Run, in a deterministic order.
// Other goroutines reach it only through Post, Hold and Release.
type System struct {
	clock      Clock
	virtual    bool
	nextID     uint64
	nextRef    uint64
	queue      eventQueue
	timers     timerHeap
	timerSeq   uint64
	actorsLive int
	actors     []*Actor

	// Trace, if set, sees every delivery before it is handled.
	Trace func(Event)
	// OnError, if set, receives errors that stopped a facet; by default they
	// are kept in Errors.
	OnError func(f *Facet, err error)
	// Errors collects reported errors when OnError is nil.
	Errors []error
	// MaxDepth bounds a causal chain of turns: an event queued by the
	// MaxDepth-th turn in a row caused by one outside event is a runaway
	// (a message loop) and its facet is stopped. 0 means no bound; NewSystem
	// sets DefaultMaxDepth.
	MaxDepth uint32
	// MaxQueued bounds the queue against a loop that multiplies its events:
	// past it, an event more than runawayDepth turns from the outside event
	// that caused it is a runaway. 0 means no bound; NewSystem sets
	// DefaultMaxQueued.
	MaxQueued int
	// MaxValueNodes and MaxValueDepth bound a value a turn asserts or
	// sends (0: no bound); a bigger or deeper one is refused and the facet
	// that built it stops. NewSystem sets DefaultMaxValueNodes and
	// DefaultMaxValueDepth.
	MaxValueNodes int
	MaxValueDepth int
	// StepLimit, if positive, bounds the turns the system runs in all: Run
	// returns ErrStepLimit (and RunPending returns) once that many have run.
	// Fuzzing and untrusted experiments use it.
	StepLimit int
	steps     int
	// Horizon, if set, stops Run on a virtual clock when the next timer lies
	// beyond it, so that periodic timers cannot keep a test running forever.
	Horizon time.Time

	mu       sync.Mutex
	outside  atomic.Bool // posted or shutdown waiting: drainPosted has work
	idle     []func()
	shutdown bool
	posted   []action
	holds    int
	wake     chan struct{}
	turn     Turn
	// shapes compiles the Observe patterns of every dataspace of the
	// system, which all run on its goroutine (dataspace.Shapes).
	shapes *dataspace.Shapes
}

// NewSystem returns an empty system on the given clock (nil: the real one).
func NewSystem(clock Clock) *System {
	if clock == nil {
		clock = RealClock{}
	}
	_, virtual := clock.(*VirtualClock)
	s := &System{clock: clock, virtual: virtual, wake: make(chan struct{}, 1),
		MaxDepth: DefaultMaxDepth, MaxQueued: DefaultMaxQueued,
		MaxValueNodes: DefaultMaxValueNodes, MaxValueDepth: DefaultMaxValueDepth}
	s.turn.sys = s
	return s
}

// Clock returns the system's clock.
func (s *System) Clock() Clock { return s.clock }

// Now is the clock's time.
func (s *System) Now() time.Time { return s.clock.Now() }

func (s *System) newID() uint64 {
	s.nextID++
	return s.nextID
}

// SetRefBase makes the next refs number from base on (if they have not got
// that far): a host sets it after boot so that the refs of the scripts it
// then runs number the same whatever boot made.
func (s *System) SetRefBase(base uint64) {
	if s.nextRef < base {
		s.nextRef = base
	}
}

// newRefID numbers refs on their own, so that the numbers shown in traces
// (#:<ref N name>) depend only on the order refs are made.
func (s *System) newRefID() uint64 {
	s.nextRef++
	return s.nextRef
}

// Report reports an error against a facet without stopping it (for
// primitives that keep going after a bad input).
func (s *System) Report(f *Facet, err error) { s.reportError(f, err) }

func (s *System) reportError(f *Facet, err error) {
	if s.OnError != nil {
		s.OnError(f, err)
		return
	}
	s.Errors = append(s.Errors, fmt.Errorf("%s: %w", f, err))
}

// Spawn starts an actor from outside any turn; boot runs when the scheduler
// next runs.
func (s *System) Spawn(name string, boot func(t *Turn)) *Actor {
	return s.spawn(name, boot, nil)
}

// spawn makes an actor; its boot is queued as an effect of t (nil: from
// outside any turn).
func (s *System) spawn(name string, boot func(t *Turn), t *Turn) *Actor {
	a := &Actor{id: s.newID(), name: name, sys: s}
	a.root = &Facet{id: s.newID(), actor: a, alive: true}
	s.actorsLive++
	live := s.actors[:0]
	for _, x := range s.actors {
		if !x.done {
			live = append(live, x)
		}
	}
	s.actors = append(live, a)
	push := s.queue.push
	if t != nil {
		push = t.push
	}
	push(runAction(a.root, func(t *Turn) {
		boot(t)
		if a.root.alive && a.root.isInert() {
			t.StopFacet(a.root)
		}
	}, nil))
	return a
}

// Post runs fn in a turn of facet's actor with facet active, as soon as the
// scheduler can. It is safe to call from any goroutine; this is how outside
// events (process exits, file changes, user input) enter the system.
func (s *System) Post(facet *Facet, fn func(t *Turn)) {
	s.mu.Lock()
	s.posted = append(s.posted, runAction(facet, fn, nil))
	s.outside.Store(true)
	s.mu.Unlock()
	s.signal()
}

// Hold tells the scheduler that something outside may still Post (a running
// process, a watcher): Run does not return for quiescence while held.
func (s *System) Hold() {
	s.mu.Lock()
	s.holds++
	s.mu.Unlock()
}

// Release undoes one Hold.
func (s *System) Release() {
	s.mu.Lock()
	s.holds--
	s.mu.Unlock()
	s.signal()
}

func (s *System) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run handles events until the system is quiescent (nothing queued, no
// timers, no holds) or ctx is done. With a virtual clock, it jumps the clock
// to each next timer instead of waiting.
func (s *System) Run(ctx context.Context) error {
	for {
		if err := s.drain(ctx); err != nil {
			return err
		}
		if s.fireDueTimers() {
			continue
		}
		s.mu.Lock()
		held, posted := s.holds > 0, len(s.posted) > 0
		s.mu.Unlock()
		if posted {
			continue
		}
		if s.runIdle() {
			continue
		}
		next, hasTimer := s.timers.next()
		if !hasTimer && !held {
			return nil
		}
		if hasTimer && s.virtual && !s.Horizon.IsZero() && next.After(s.Horizon) {
			return nil
		}
		if hasTimer && s.virtual && !held {
			s.clock.(*VirtualClock).now = next
			continue
		}
		s.queue.release() // going to sleep: give back a burst's memory
		var tm *time.Timer
		var timerC <-chan time.Time
		if hasTimer {
			if s.virtual {
				// Held with a virtual clock: outside events come first; if
				// none is waiting, time moves on.
				select {
				case <-s.wake:
				case <-ctx.Done():
					return ctx.Err()
				default:
					s.clock.(*VirtualClock).now = next
				}
				continue
			}
			tm = time.NewTimer(time.Until(next))
			timerC = tm.C
		}
		select {
		case <-s.wake:
		case <-timerC:
		case <-ctx.Done():
		}
		if tm != nil {
			tm.Stop()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// WhenIdle calls fn (on the scheduler's goroutine) the next time Run has
// nothing queued. It is safe to call from any goroutine: a REPL uses it to
// wait until the effects of its input have settled.
func (s *System) WhenIdle(fn func()) {
	s.mu.Lock()
	s.idle = append(s.idle, fn)
	s.mu.Unlock()
	s.signal()
}

// runIdle calls the idle callbacks; it reports whether there were any.
func (s *System) runIdle() bool {
	s.mu.Lock()
	if len(s.posted) > 0 { // something posted before the callback came first
		s.mu.Unlock()
		return true
	}
	fns := s.idle
	s.idle = nil
	s.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
	return len(fns) > 0
}

// RunPending handles everything queued and every timer already due, without
// waiting or moving a virtual clock. It is for tests and the REPL.
func (s *System) RunPending() {
	for {
		if s.drain(context.Background()) != nil || !s.fireDueTimers() {
			return
		}
	}
}

// batchSize is how many turns run between two looks at Run's context (and
// under one deferred recover).
const batchSize = 1024

// drain handles deliveries, taking in posted events as it goes, until there
// is nothing left queued. It looks at ctx between batches and returns its
// error if it is done, so that a busy system still stops when told to; it
// returns ErrStepLimit once StepLimit turns have run.
func (s *System) drain(ctx context.Context) error {
	s.drainPosted()
	for s.queue.len() > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.StepLimit > 0 && s.steps >= s.StepLimit {
			return ErrStepLimit
		}
		s.runBatch()
		s.queue.sweep()
	}
	return nil
}

// ErrStepLimit is returned by Run when the system has run StepLimit turns.
var ErrStepLimit = errors.New("step limit reached")

// runBatch runs up to batchSize turns under one recover: a panic ends the
// batch after charging it (see recovered), and drain starts the next.
func (s *System) runBatch() {
	defer func() {
		if r := recover(); r != nil {
			s.recovered(r)
		}
	}()
	n := batchSize
	if s.StepLimit > 0 {
		n = min(n, s.StepLimit-s.steps)
	}
	for i := 0; i < n; i++ {
		if s.outside.Load() {
			s.drainPosted()
		}
		if s.queue.len() == 0 {
			return
		}
		s.steps++
		s.step()
	}
}

// Advance moves a virtual clock forward by d, firing the timers that fall due
// on the way, in order.
func (s *System) Advance(d Duration) {
	vc, ok := s.clock.(*VirtualClock)
	if !ok {
		return
	}
	end := vc.now.Add(d)
	for {
		s.RunPending()
		next, ok := s.timers.next()
		if !ok || next.After(end) {
			break
		}
		vc.now = next
	}
	vc.now = end
	s.RunPending()
}

func (s *System) drainPosted() {
	s.mu.Lock()
	s.outside.Store(false)
	if s.shutdown {
		s.shutdown = false
		s.mu.Unlock()
		s.StopAll()
		s.mu.Lock()
	}
	if len(s.posted) > 0 {
		for _, a := range s.posted {
			s.queue.push(a)
		}
		clear(s.posted)
		s.posted = s.posted[:0]
	}
	s.mu.Unlock()
}

// step handles the next queued delivery in a turn of its own. Its effects go
// straight onto the queue, after everything already there. The action is
// read in place, before anything the turn does can append to the queue.
func (s *System) step() {
	a := s.queue.take()
	kind, target, sender, plain := a.kind, a.target, a.facet, a.plain
	if a.acct != nil {
		a.acct.repay()
	}
	f := sender
	if kind != evRun {
		f = target.facet
	}
	if f == nil || !f.alive {
		return // the receiver is gone
	}
	if s.Trace != nil {
		s.Trace(Event{Kind: "turn", Facet: f})
		if kind != evRun {
			var v lang.Value
			if kind != evSync {
				v = a.value
			}
			s.Trace(Event{Kind: kind.String(), Target: target, Value: v, Handle: a.handle})
		}
	}
	t := &s.turn
	t.begin(f, kind, sender, target, a.depth, a.acct)
	var err error
	switch kind {
	case evRun:
		a.value.(runFn)(t)
	case evMessage:
		if d, ok := target.entity.(*DataspaceEntity); ok && plain {
			d.DS.MessagePlain(turnEffects{t}, a.value) // what Message does, without the annotation walk
		} else {
			err = target.entity.Message(t, a.value)
		}
	case evAssert:
		err = target.entity.Assert(t, a.value, a.handle)
	case evRetract:
		err = target.entity.Retract(t, a.handle)
	case evSync:
		err = s.sync(t, target, a.value.(syncPeer).ref)
	}
	if err != nil {
		s.chargeError(sender, f, err)
	}
	t.settle()
	t.running = false
}

// recovered handles a panic out of the current step: a panic while running
// a function in a facet fails that facet; a panic of an entity handling a
// delivery is charged to the sender, as an error would be.
func (s *System) recovered(r any) {
	t := &s.turn
	if !t.running {
		panic(r) // not from a turn: a bug of the scheduler itself
	}
	t.settle()
	home, kind, sender, target := t.home, t.kind, t.from, t.target
	t.begin(home, evRun, nil, nil, 0, nil) // what failing does is its own
	err := fmt.Errorf("internal error: %v\n%s", r, debug.Stack())
	if kind == evRun {
		t.failFacet(home, err)
	} else {
		s.chargeError(sender, home, fmt.Errorf("in %s handling %s: %w", lang.Format(target.Describe()), kind, err))
	}
	t.running = false
}

// sync answers a sync: the entity does if it handles syncs itself, else
// the peer is sent #t at once.
func (s *System) sync(t *Turn, target, peer *Ref) error {
	if sy, ok := target.entity.(Syncer); ok {
		return sy.Sync(t, peer)
	}
	t.Message(peer, lang.Bool(true))
	return nil
}

// chargeError reports an error an entity returned for a delivery and stops
// the facet whose action it was (the sender), in a turn of the sender's own
// actor. The receiving entity's facet is never stopped for it: one bad
// assertion must not take down a dataspace's owner. A sender that has
// already stopped is only reported.
func (s *System) chargeError(sender, receiver *Facet, err error) {
	if sender == nil {
		s.reportError(receiver, err)
		return
	}
	s.reportError(sender, err)
	if !sender.alive {
		return
	}
	s.queue.push(runAction(sender, func(t *Turn) { t.StopFacet(sender) }, nil))
}

// DefaultMaxDepth is a system's MaxDepth unless changed: a million turns
// in a row, each caused by the one before, from one outside event.
const DefaultMaxDepth = 1 << 20

// DefaultMaxQueued is a system's MaxQueued unless changed: 65,536 queued
// events. Only events deep in a causal chain count as runaways past it, so
// a wide but shallow burst (one message to 10,000 observers, a config of
// thousands of services) may queue more.
const DefaultMaxQueued = 1 << 16

// runawayDepth is how deep in a causal chain an event must be to count as a
// runaway when the queue is over MaxQueued: a legitimate burst (a message
// fanned out to many observers) is shallow; a loop that multiplies its
// events has gone round many times before it fills the queue.
const runawayDepth = 16

// slotFor returns a fresh queue slot for an effect of the current turn,
// depth turns deep in its causal chain and charged to acct, or nil if the
// effect belongs to a runaway loop (and is dropped).
func (s *System) slotFor(depth uint32, acct *Account) *action {
	if (s.MaxDepth > 0 && depth > s.MaxDepth) || (s.MaxQueued > 0 && depth > runawayDepth && s.queue.n >= s.MaxQueued) {
		if s.isRunaway(depth) {
			return nil
		}
	}
	if acct != nil {
		acct.borrow()
	}
	return s.queue.slot()
}

// isRunaway reports whether an effect of the current turn, depth turns deep
// in its causal chain, belongs to a runaway loop; if so, the facet
// responsible is reported and stopped (once) and the effect is dropped.
func (s *System) isRunaway(depth uint32) bool {
	deep := s.MaxDepth > 0 && depth > s.MaxDepth
	flood := s.MaxQueued > 0 && s.queue.len() >= s.MaxQueued && depth > runawayDepth
	if !deep && !flood {
		return false
	}
	f := s.blame()
	if f == nil {
		return false // not from a turn (cannot happen: slotFor is for turns)
	}
	if f.runaway {
		return true
	}
	f.runaway = true
	why := fmt.Sprintf("a chain of %d turns, each caused by the one before", depth)
	if flood {
		why = fmt.Sprintf("%d events queued, %d turns deep in one chain", s.queue.len(), depth)
	}
	s.reportError(f, fmt.Errorf("runaway message loop (%s): facet stopped", why))
	s.queue.push(runAction(f, func(t *Turn) { t.StopFacet(f) }, nil))
	return true
}

// blame finds the facet responsible for the current turn's effects: the
// facet the turn runs in or, for a dataspace relaying, the facet whose
// delivery it handles — the nearest of it and its ancestors still running,
// since a message handler's own facet has usually stopped by then.
func (s *System) blame() *Facet {
	t := &s.turn
	if !t.running {
		return nil
	}
	f := t.home
	if t.relaying {
		f = t.from
	}
	for f != nil && !f.alive {
		f = f.parent
	}
	return f
}

// StopAll stops every actor, newest first, as a shutdown does: their facets
// stop (running stop handlers, retracting assertions, ending processes).
// Call it from the system's goroutine or before Run; see Shutdown.
func (s *System) StopAll() {
	for i := len(s.actors) - 1; i >= 0; i-- {
		a := s.actors[i]
		if !a.done {
			s.queue.push(runAction(a.root, func(t *Turn) { t.StopFacet(a.root) }, nil))
		}
	}
}

// Shutdown asks the system, from any goroutine, to stop every actor.
func (s *System) Shutdown() {
	s.mu.Lock()
	s.shutdown = true
	s.outside.Store(true)
	s.mu.Unlock()
	s.signal()
}

// ActorsLive is the number of actors that have not terminated.
func (s *System) ActorsLive() int { return s.actorsLive }

type timer struct {
	when      time.Time
	seq       uint64
	facet     *Facet
	fn        func(t *Turn)
	cancelled bool
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(*timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}

// next drops cancelled timers from the top and returns the earliest time.
func (h *timerHeap) next() (time.Time, bool) {
	for h.Len() > 0 {
		if top := (*h)[0]; top.cancelled || !top.facet.alive {
			heap.Pop(h)
			continue
		}
		return (*h)[0].when, true
	}
	return time.Time{}, false
}

func (s *System) addTimer(f *Facet, d Duration, fn func(t *Turn)) func() {
	s.timerSeq++
	tm := &timer{when: s.clock.Now().Add(d), seq: s.timerSeq, facet: f, fn: fn}
	heap.Push(&s.timers, tm)
	f.timers++
	return func() {
		if !tm.cancelled {
			tm.cancelled = true
			tm.facet.timers--
			// The heap keeps a cancelled timer until its time comes (or
			// it reaches the top): what fn holds is let go now.
			tm.fn = nil
		}
	}
}

// fireDueTimers queues every timer that is due; it reports whether any was.
func (s *System) fireDueTimers() bool {
	now := s.clock.Now()
	fired := false
	for {
		when, ok := s.timers.next()
		if !ok || when.After(now) {
			return fired
		}
		tm := heap.Pop(&s.timers).(*timer)
		tm.cancelled = true
		fired = true
		s.queue.push(runAction(tm.facet, func(t *Turn) {
			tm.facet.timers--
			tm.fn(t)
			if tm.facet.alive && tm.facet.isInert() {
				t.StopFacet(tm.facet)
			}
		}, nil))
	}
}
