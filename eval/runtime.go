// Package eval runs programs of the reactive core: actors owning trees of
// facets, entities that receive assertions, retractions and messages, turns
// whose effects are delivered after they end, and a deterministic scheduler
// with a real or virtual clock. The script evaluator (see the evaluator
// files) runs compiled instructions on it.
package eval

import (
	"fmt"
	"runtime/debug"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/lang"
)

// Handle identifies one assertion until it is retracted.
type Handle = dataspace.Handle

// Entity receives events. Methods run inside a turn of the actor owning the
// entity's facet. An error (or a panic) is the sender's fault: it is
// reported and stops the facet that sent the event, never the receiver's.
type Entity interface {
	Assert(t *Turn, v lang.Value, h Handle) error
	Retract(t *Turn, h Handle) error
	Message(t *Turn, v lang.Value) error
}

// Syncer is optionally implemented by entities that handle sync themselves.
// Others answer a sync at once by sending #t to the peer.
type Syncer interface {
	Sync(t *Turn, peer *Ref) error
}

// Ref is a reference to an entity, as embedded in values. Refs compare by
// identity (see lang.Identity). An attenuated ref filters and rewrites what
// passes through it by its caveats (see Caveats and Ref.Attenuate).
type Ref struct {
	id     uint64
	facet  *Facet
	entity Entity
	name   string
	// caveats attenuate what passes through the ref; base is the
	// unattenuated ref they were applied to (nil when caveats is empty).
	caveats Caveats
	base    *Ref
}

// EmbeddedID implements lang.Identity.
func (r *Ref) EmbeddedID() uint64 { return r.id }

// Describe implements lang.Describer: refs print as <ref N name>.
func (r *Ref) Describe() lang.Value {
	if r.name == "" {
		return lang.NewRecord(lang.Symbol("ref"), lang.Int(int64(r.id)))
	}
	return lang.NewRecord(lang.Symbol("ref"), lang.Int(int64(r.id)), lang.Symbol(r.name))
}

// Name is the ref's name, given when it was created.
func (r *Ref) Name() string { return r.name }

// Facet returns the facet owning the entity.
func (r *Ref) Facet() *Facet { return r.facet }

// Entity returns the entity behind the ref.
func (r *Ref) Entity() Entity { return r.entity }

// Value returns the ref as an embedded value.
func (r *Ref) Value() lang.Value { return lang.Embedded{Ref: r} }

// Actor owns a tree of facets and handles one event at a time.
type Actor struct {
	id   uint64
	name string
	root *Facet
	sys  *System
	done bool
}

// Name is the actor's name.
func (a *Actor) Name() string { return a.name }

// ID is the actor's number, unique in its system.
func (a *Actor) ID() uint64 { return a.id }

// Root is the actor's root facet.
func (a *Actor) Root() *Facet { return a.root }

// Done reports whether the actor has terminated.
func (a *Actor) Done() bool { return a.done }

// Facet is a node of an actor's facet tree. It owns the assertions made in
// it, its children, its stop handlers and its timers.
type Facet struct {
	id     uint64
	actor  *Actor
	parent *Facet
	// children, oldest to newest, as a doubly linked list: a child leaves
	// it in constant time however many siblings it has.
	firstChild, lastChild *Facet
	prevSib, nextSib      *Facet
	nchildren             int
	out                   outbounds
	stopHandlers          []func(t *Turn)
	timers                int // pending timers; they keep the facet from being inert
	preventInert          int
	alive                 bool
	runaway               bool // reported as a runaway; its further effects are dropped
	// Label describes the facet in traces and the REPL.
	Label string
	// Data is for the owner of the facet (the evaluator keeps its scope here).
	Data any
}

// ID is the facet's number, unique in its system.
func (f *Facet) ID() uint64 { return f.id }

// Actor returns the actor owning the facet.
func (f *Facet) Actor() *Actor { return f.actor }

// Parent returns the parent facet, nil for an actor's root.
func (f *Facet) Parent() *Facet { return f.parent }

// Children returns the live child facets in creation order.
func (f *Facet) Children() []*Facet {
	out := make([]*Facet, 0, f.nchildren)
	for c := f.firstChild; c != nil; c = c.nextSib {
		out = append(out, c)
	}
	return out
}

func (f *Facet) addChild(c *Facet) {
	c.prevSib, c.nextSib = f.lastChild, nil
	if f.lastChild != nil {
		f.lastChild.nextSib = c
	} else {
		f.firstChild = c
	}
	f.lastChild = c
	f.nchildren++
}

// removeChild unlinks c. Its own sibling pointers are left as they were, so
// that a walk standing on c can still move on.
func (f *Facet) removeChild(c *Facet) {
	if c.prevSib != nil {
		c.prevSib.nextSib = c.nextSib
	} else if f.firstChild == c {
		f.firstChild = c.nextSib
	} else {
		return // not linked
	}
	if c.nextSib != nil {
		c.nextSib.prevSib = c.prevSib
	} else {
		f.lastChild = c.prevSib
	}
	f.nchildren--
}

// Alive reports whether the facet has not stopped.
func (f *Facet) Alive() bool { return f.alive }

// Outbound returns the assertions the facet holds, in handle order, as
// (target, value) pairs.
func (f *Facet) Outbound() []Assertion {
	out := make([]Assertion, 0, f.out.live)
	for _, o := range f.out.list[f.out.lo:] {
		if o.target != nil && o.value != nil {
			out = append(out, Assertion{Handle: o.handle, Target: o.target, Value: o.value})
		}
	}
	return out
}

// Assertion is one assertion a facet holds.
type Assertion struct {
	Handle Handle
	Target *Ref
	Value  lang.Value
}

// PreventInert keeps the facet from stopping when inert until the returned
// function is called.
func (f *Facet) PreventInert() (release func()) {
	f.preventInert++
	done := false
	return func() {
		if !done {
			done = true
			f.preventInert--
		}
	}
}

// isInert: no children, no assertions, no timers, nothing preventing.
func (f *Facet) isInert() bool {
	return f.nchildren == 0 && f.out.live == 0 && f.timers == 0 && f.preventInert == 0
}

// String names the facet for messages: actor name and facet number.
func (f *Facet) String() string {
	return fmt.Sprintf("%s/%d", f.actor.name, f.id)
}

// eventKind is what a delivery carries.
type eventKind uint8

const (
	evAssert eventKind = iota
	evRetract
	evMessage
	evSync
	evRun // run a function in a facet (boot, external events)
)

func (k eventKind) String() string {
	return [...]string{"assert", "retract", "message", "sync", "run"}[k]
}

// action is a delivery or a function to run, waiting in the scheduler's
// queue: 56 bytes.
type action struct {
	kind eventKind
	// plain: a message its sender found free of annotations (checkValue),
	// which a dataspace need not look for again.
	plain  bool
	depth  uint32 // turns in the causal chain that led to it (0: from outside)
	target *Ref
	// value is what an assert or a message carries; for evRun, the function
	// (a runFn) and for evSync, the peer (a syncPeer): neither is boxed on
	// the heap, and neither leaves the scheduler.
	value  lang.Value
	handle Handle
	facet  *Facet   // for evRun: where to run; for deliveries: the sender, charged with the receiver's errors
	acct   *Account // the outside source it is charged to, if any
}

// runFn is the function of an evRun action, in its value.
type runFn func(t *Turn)

// Kind makes runFn a lang.Value, only so that it fits an action's value.
func (runFn) Kind() lang.Kind { return lang.KindEmbedded }

// syncPeer is the peer of an evSync action, in its value.
type syncPeer struct{ ref *Ref }

// Kind makes syncPeer a lang.Value, only so that it fits an action's value.
func (syncPeer) Kind() lang.Kind { return lang.KindEmbedded }

// runAction is an action running fn in facet, charged to acct (if any).
func runAction(facet *Facet, fn func(t *Turn), acct *Account) action {
	return action{kind: evRun, facet: facet, value: runFn(fn), acct: acct}
}

// Turn is the handling of one event by one actor. Its effects are queued and
// delivered, in order, after it ends.
type Turn struct {
	sys   *System
	actor *Actor
	facet *Facet
	// home is the facet the turn runs in (facet, unless InFacet moved it).
	home *Facet
	// kind, from and target are those of the action handled: from is the
	// sender of a delivery (nil for a run).
	kind   eventKind
	from   *Facet
	target *Ref
	// relaying: a dataspace handles a delivery from from; the deliveries
	// it makes in turn are charged to from, not to the dataspace.
	relaying bool
	// running is set while a step runs the turn.
	running bool
	// depth and acct are those of the event being handled; what the turn
	// queues is one step deeper and charged to the same account.
	depth uint32
	acct  *Account
	// owed is how many deliveries the turn has queued that acct is yet to
	// be charged for (see settle).
	owed int64
}

// begin sets the turn up to handle an action in facet f. One Turn serves
// every step of a system, so a pointer that is already right is not
// written again: while the collector marks, every pointer written costs a
// write barrier.
func (t *Turn) begin(f *Facet, kind eventKind, from *Facet, target *Ref, depth uint32, acct *Account) {
	if t.actor != f.actor {
		t.actor = f.actor
	}
	if t.facet != f {
		t.facet = f
	}
	if t.home != f {
		t.home = f
	}
	if t.from != from {
		t.from = from
	}
	if t.target != target {
		t.target = target
	}
	if t.acct != acct {
		t.acct = acct
	}
	t.kind, t.depth, t.running = kind, depth, true
	t.relaying = false
	if kind != evRun && kind != evSync {
		_, t.relaying = target.entity.(*DataspaceEntity)
	}
}

// settle charges the turn's account for the deliveries the turn queued.
func (t *Turn) settle() {
	if t.owed != 0 {
		t.acct.borrowN(t.owed)
		t.owed = 0
	}
}

// push queues an effect of the turn.
func (t *Turn) push(a action) {
	a.depth, a.acct = t.depth+1, t.acct
	if p := t.sys.slotFor(a.depth, a.acct); p != nil {
		*p = a
	}
}

// deliver queues a delivery of the turn from facet from to target, writing
// it straight into its queue slot, and returns that slot (nil if a
// runaway's delivery was dropped) for the caller to mark plain.
func (t *Turn) deliver(kind eventKind, target *Ref, v lang.Value, h Handle, from *Facet) *action {
	s, depth, acct := t.sys, t.depth+1, t.acct
	q := &s.queue
	if (s.MaxDepth > 0 && depth > s.MaxDepth) || (s.MaxQueued > 0 && depth > runawayDepth && q.n >= s.MaxQueued) {
		if s.isRunaway(depth) {
			return nil
		}
	}
	if acct != nil {
		t.owed++
	}
	if q.n == len(q.buf) {
		q.grow()
	}
	p := &q.buf[(q.head+q.n)&(len(q.buf)-1)]
	q.n++
	// The slot may still hold an action of an earlier lap of the ring,
	// often with the same target and sender: a pointer already right is
	// not written (see Turn.begin).
	p.kind, p.plain, p.depth, p.value, p.handle = kind, false, depth, v, h
	if p.target != target {
		p.target = target
	}
	if p.facet != from {
		p.facet = from
	}
	if p.acct != acct {
		p.acct = acct
	}
	return p
}

// sender is the facet charged with the deliveries the turn makes from f:
// f itself, or, in a dataspace's turn, the facet whose delivery it relays.
func (t *Turn) sender(f *Facet) *Facet {
	if t.relaying {
		return t.from
	}
	return f
}

// System returns the system the turn runs in.
func (t *Turn) System() *System { return t.sys }

// Facet is the active facet: where assertions made now belong.
func (t *Turn) Facet() *Facet { return t.facet }

// InFacet runs f with another facet of the same actor active.
func (t *Turn) InFacet(facet *Facet, f func()) {
	saved := t.facet
	t.facet = facet
	defer func() { t.facet = saved }()
	f()
}

// Assert asserts v to target for as long as the active facet lives (or until
// Retract). It returns the handle of the assertion.
func (t *Turn) Assert(target *Ref, v lang.Value) Handle {
	h := Handle(t.sys.newID())
	f := t.facet
	if f == nil || !f.alive {
		return h // a dead facet cannot hold assertions
	}
	if !t.relaying {
		if _, err := t.sys.checkValue(v); err != nil {
			t.Fail(err)
			return h
		}
	}
	out, ok := v, true
	if target.caveats.Len() != 0 {
		out, ok = target.rewrite(t.sys, v)
	}
	if !ok {
		f.out.add(h, target, nil)
		return h
	}
	f.out.add(h, target, out)
	t.deliver(evAssert, target, out, h, t.sender(f))
	return h
}

// Retract withdraws an assertion made by a facet of this actor.
func (t *Turn) Retract(h Handle) {
	for f := t.facet; f != nil; f = f.parent {
		if t.retractFrom(f, h) {
			return
		}
	}
	t.retractAnywhere(t.actor.root, h)
}

func (t *Turn) retractAnywhere(f *Facet, h Handle) bool {
	if t.retractFrom(f, h) {
		return true
	}
	for c := f.firstChild; c != nil; c = c.nextSib {
		if t.retractAnywhere(c, h) {
			return true
		}
	}
	return false
}

func (t *Turn) retractFrom(f *Facet, h Handle) bool {
	i := f.out.find(h)
	if i < 0 {
		return false
	}
	if o := f.out.remove(i); o.value != nil {
		t.deliver(evRetract, o.target, nil, h, t.sender(f))
	}
	return true
}

// Message sends v to target.
func (t *Turn) Message(target *Ref, v lang.Value) {
	plain := false
	if !t.relaying {
		var err error
		if plain, err = t.sys.checkValue(v); err != nil {
			t.Fail(err)
			return
		}
	}
	out := v
	if target.caveats.Len() != 0 {
		var ok bool
		if out, ok = target.rewrite(t.sys, v); !ok {
			return
		}
		plain = false // a rewrite's templates may add annotations
	}
	if a := t.deliver(evMessage, target, out, 0, t.sender(t.facet)); a != nil {
		a.plain = plain
	}
}

// Sync asks target to reply to peer (with the message #t) once everything
// sent to target before has been handled.
func (t *Turn) Sync(target, peer *Ref) {
	t.push(action{kind: evSync, target: target, value: syncPeer{peer}, facet: t.sender(t.facet)})
}

// NewRef makes a ref to entity, owned by the active facet.
func (t *Turn) NewRef(name string, e Entity) *Ref {
	return &Ref{id: t.sys.newRefID(), facet: t.facet, entity: e, name: name}
}

// NewFacet starts a child of the active facet, running boot in it. If the
// child is inert after boot, it stops at once.
func (t *Turn) NewFacet(boot func(t *Turn)) *Facet {
	return t.newFacet(t.facet, boot, false)
}

// NewFacetHeld is NewFacet for a facet whose lifetime is bounded by someone
// else (a during's match): it does not stop when inert.
func (t *Turn) NewFacetHeld(boot func(t *Turn)) *Facet {
	return t.newFacet(t.facet, boot, true)
}

func (t *Turn) newFacet(parent *Facet, boot func(t *Turn), held bool) *Facet {
	f := &Facet{id: t.sys.newID(), actor: parent.actor, parent: parent, alive: true}
	if held {
		f.preventInert = 1
	}
	parent.addChild(f)
	if t.sys.Trace != nil {
		t.sys.Trace(Event{Kind: "facet-start", Facet: f})
	}
	t.InFacet(f, func() { t.protect(f, func() { boot(t) }) })
	if f.alive && f.isInert() {
		t.StopFacet(f)
	}
	return f
}

// OnStop registers a handler run when the active facet stops. Handlers run in
// the order registered, after the facet's children have stopped and before
// its assertions are retracted, with the parent facet active.
func (t *Turn) OnStop(handler func(t *Turn)) {
	t.facet.stopHandlers = append(t.facet.stopHandlers, handler)
}

// Stop stops the active facet.
func (t *Turn) Stop() { t.StopFacet(t.facet) }

// StopFacet stops f: its children first (newest first), then its stop
// handlers, then the retraction of everything it asserted, newest first. A
// parent left inert stops too.
func (t *Turn) StopFacet(f *Facet) {
	if !f.alive {
		return
	}
	f.alive = false
	if t.sys.Trace != nil {
		t.sys.Trace(Event{Kind: "facet-stop", Facet: f})
	}
	for c := f.lastChild; c != nil; {
		prev := c.prevSib
		t.StopFacet(c)
		c = prev
	}
	handlerFacet := f.parent
	if handlerFacet == nil || !handlerFacet.alive {
		handlerFacet = f
	}
	for _, h := range f.stopHandlers {
		t.InFacet(handlerFacet, func() { t.protect(handlerFacet, func() { h(t) }) })
	}
	f.stopHandlers = nil
	// Newest first: teardown unwinds setup, so an assertion made to guard
	// another (a requirement after its dependencies) goes before it.
	held := f.out.take()
	for i := len(held) - 1; i >= 0; i-- {
		if o := held[i]; o.target != nil && o.value != nil {
			t.deliver(evRetract, o.target, nil, o.handle, t.sender(f))
		}
	}
	if p := f.parent; p != nil {
		p.removeChild(f)
		if p.alive && p.isInert() {
			t.StopFacet(p)
		}
	} else {
		f.actor.done = true
		t.sys.actorsLive--
	}
}

// Spawn starts a new actor whose root facet runs boot in a turn of its own.
// It returns the actor at once.
func (t *Turn) Spawn(name string, boot func(t *Turn)) *Actor {
	return t.sys.spawn(name, boot, t)
}

// After runs fn in the active facet after d of the system clock has passed,
// unless the facet has stopped by then. A pending timer keeps the facet from
// being inert.
func (t *Turn) After(d Duration, fn func(t *Turn)) (cancel func()) {
	return t.sys.addTimer(t.facet, d, fn)
}

// Fail reports err against the active facet and stops it. The turn still
// commits, as syndicate-server's safe_eval does (an error there calls
// t.stop() and the turn's effects stand): messages sent before the error are
// delivered, and assertions made before it are asserted and then retracted
// by the stop.
func (t *Turn) Fail(err error) {
	t.failFacet(t.facet, err)
}

func (t *Turn) failFacet(f *Facet, err error) {
	t.sys.reportError(f, err)
	t.StopFacet(f)
}

// protect runs fn, turning a panic or error into the failure of facet f.
func (t *Turn) protect(f *Facet, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			t.failFacet(f, fmt.Errorf("internal error: %v\n%s", r, debug.Stack()))
		}
	}()
	fn()
}
