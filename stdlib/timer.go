package stdlib

import (
	"math"
	"math/big"
	"time"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// StartTimers runs the timer driver of syndicate's timer.prs on ds, from the
// active facet: a message
//
//	<set-timer LABEL MSECS KIND>   KIND: relative, absolute, periodic or clear
//
// makes the driver send <timer-expired LABEL MSECS> to ds once MSECS
// milliseconds have passed (relative), once the clock reads MSECS
// milliseconds since the Unix epoch (absolute), or every MSECS until cleared
// (periodic, an extension), on the system's clock; clear cancels the pending
// timers of LABEL. Milliseconds, as in syndicate's timer.prs. A malformed
// request is reported and ignored.
func StartTimers(t *eval.Turn, ds *eval.Ref) { startTimers(t, ds) }

// timerDriver is the state of one timer driver.
type timerDriver struct {
	// The pending timers of each label, a list linked through the timers;
	// a timer that has fired (and is not periodic) leaves at once, and a
	// label with none pending is forgotten, so restarting daemons and
	// one-off labels leave nothing behind.
	pending map[string]*timer
}

// timer is one pending timer of a driver.
type timer struct {
	drv      *timerDriver
	key      string // of its label
	owner    *eval.Facet
	ds       *eval.Ref
	label    lang.Value
	msecs    lang.Value
	expired  lang.Value // <timer-expired LABEL MSECS>, made when it first fires
	d        time.Duration
	periodic bool
	cancel   func()
	// Its neighbours in its label's list.
	prev, next *timer
}

// arm starts the timer, in the driver's facet, so that it outlives the
// message's facet.
func (tm *timer) arm(t *eval.Turn) {
	t.InFacet(tm.owner, func() { tm.cancel = t.After(tm.d, tm.fire) })
}

func (tm *timer) fire(t *eval.Turn) {
	if tm.expired == nil {
		// Most timers are cleared before they fire (an answer delay that
		// an answer beat): their message is made only when needed.
		tm.expired = lang.NewRecord(lang.Symbol("timer-expired"), tm.label, tm.msecs)
	}
	t.Message(tm.ds, tm.expired)
	if tm.periodic {
		tm.arm(t)
		return
	}
	tm.drv.forget(tm)
}

// forget removes a timer that has fired, in constant time; a label with
// none left goes.
func (drv *timerDriver) forget(tm *timer) {
	if tm.prev != nil {
		tm.prev.next = tm.next
	} else if drv.pending[tm.key] == tm {
		if tm.next == nil {
			delete(drv.pending, tm.key)
		} else {
			drv.pending[tm.key] = tm.next
		}
	} else {
		return // not pending
	}
	if tm.next != nil {
		tm.next.prev = tm.prev
	}
	tm.prev, tm.next = nil, nil
}

// count is how many timers of the label with key are pending.
func (drv *timerDriver) count(key string) int {
	n := 0
	for tm := drv.pending[key]; tm != nil; tm = tm.next {
		n++
	}
	return n
}

func startTimers(t *eval.Turn, ds *eval.Ref) *timerDriver {
	drv := &timerDriver{pending: map[string]*timer{}}
	pending := drv.pending
	bind := dataspace.Bind{Pattern: dataspace.Discard{}}
	pat := dataspace.Group{Kind: dataspace.GroupRecord, Label: lang.Symbol("set-timer"), Entries: []dataspace.GroupEntry{
		{Key: lang.Int(0), Pattern: bind}, {Key: lang.Int(1), Pattern: bind}, {Key: lang.Int(2), Pattern: bind},
	}}
	owner := t.Facet()
	t.OnMessage(ds, pat, func(t *eval.Turn, caps []lang.Value) {
		label, msecs, kind := caps[0], caps[1], caps[2]
		key := lang.Key(label)
		if lang.Equal(kind, lang.Symbol("clear")) {
			for tm := pending[key]; tm != nil; {
				next := tm.next
				tm.cancel() // the system lets go of tm (and its label) at once
				tm = next
			}
			delete(pending, key)
			return
		}
		ms, ok := number(msecs)
		if !ok || math.IsNaN(ms) {
			t.Fail(&primitiveError{"set-timer needs a number of milliseconds, not " + lang.Format(msecs)})
			return
		}
		var delay float64 // milliseconds from now
		periodic := false
		switch {
		case lang.Equal(kind, lang.Symbol("relative")):
			delay = ms
		case lang.Equal(kind, lang.Symbol("periodic")):
			if !(ms > 0) || math.IsInf(ms, 1) {
				t.Fail(&primitiveError{"a periodic timer needs a positive, finite period, not " + lang.Format(msecs)})
				return
			}
			delay, periodic = ms, true
		case lang.Equal(kind, lang.Symbol("absolute")):
			delay = ms - float64(t.System().Now().UnixNano())/1e6
		default:
			t.Fail(&primitiveError{"set-timer kind must be relative, absolute, periodic or clear, not " + lang.Format(kind)})
			return
		}
		d, never := durationOf(delay)
		if never {
			return // beyond any clock this system will read: it never fires
		}
		// The timer belongs to the driver's facet, so it outlives this
		// message's facet. A periodic one re-arms itself; its cancel follows.
		tm := &timer{drv: drv, key: key, owner: owner, ds: ds, d: d, periodic: periodic, label: label, msecs: msecs}
		tm.arm(t)
		if head := pending[key]; head != nil {
			tm.next, head.prev = head, tm
		}
		pending[key] = tm
	})
	return drv
}

// maxTimer is the longest delay a timer is armed for; anything later (a
// far-future absolute time, +Inf, a huge integer) never fires.
const maxTimer = 100 * 365 * 24 * time.Hour

// durationOf converts milliseconds to a Duration without overflow: a delay
// in the past is zero, one beyond maxTimer never happens.
func durationOf(ms float64) (d time.Duration, never bool) {
	switch {
	case ms <= 0:
		return 0, false
	case ms >= float64(maxTimer/time.Millisecond):
		return 0, true
	}
	return time.Duration(ms * float64(time.Millisecond)), false
}

// number reads a number of milliseconds: a double, or an integer of any
// size (a big one as the nearest double).
func number(v lang.Value) (float64, bool) {
	switch x := lang.Unwrap(v).(type) {
	case lang.Double:
		return float64(x), true
	case lang.Int:
		return float64(x), true
	case lang.BigInt:
		f, _ := new(big.Float).SetInt(x.Big()).Float64()
		return f, true
	}
	return 0, false
}

// primitiveError is a request a primitive cannot carry out (a malformed
// timer, a file name that is not a string, a file that cannot be read).
type primitiveError struct{ msg string }

func (e *primitiveError) Error() string { return e.msg }
