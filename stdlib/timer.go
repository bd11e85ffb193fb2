package stdlib

import (
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
func StartTimers(t *eval.Turn, ds *eval.Ref) {
	pending := map[string][]func(){}
	bind := dataspace.Bind{Pattern: dataspace.Discard{}}
	pat := dataspace.Group{Kind: dataspace.GroupRecord, Label: lang.Symbol("set-timer"), Entries: []dataspace.GroupEntry{
		{Key: lang.Int(0), Pattern: bind}, {Key: lang.Int(1), Pattern: bind}, {Key: lang.Int(2), Pattern: bind},
	}}
	owner := t.Facet()
	t.OnMessage(ds, pat, func(t *eval.Turn, caps []lang.Value) {
		label, msecs, kind := caps[0], caps[1], caps[2]
		key := lang.Key(label)
		if lang.Equal(kind, lang.Symbol("clear")) {
			for _, cancel := range pending[key] {
				cancel()
			}
			delete(pending, key)
			return
		}
		ms, ok := number(msecs)
		if !ok {
			t.Fail(&primitiveError{"set-timer needs a number of milliseconds, not " + lang.Format(msecs)})
			return
		}
		var d time.Duration
		periodic := false
		switch {
		case lang.Equal(kind, lang.Symbol("relative")):
			d = time.Duration(ms * float64(time.Millisecond))
		case lang.Equal(kind, lang.Symbol("periodic")):
			d = time.Duration(ms * float64(time.Millisecond))
			if d <= 0 {
				t.Fail(&primitiveError{"a periodic timer needs a positive period, not " + lang.Format(msecs)})
				return
			}
			periodic = true
		case lang.Equal(kind, lang.Symbol("absolute")):
			d = time.UnixMilli(0).Add(time.Duration(ms * float64(time.Millisecond))).Sub(t.System().Now())
		default:
			t.Fail(&primitiveError{"set-timer kind must be relative, absolute, periodic or clear, not " + lang.Format(kind)})
			return
		}
		// The timer belongs to the driver's facet, so it outlives this
		// message's facet. A periodic one re-arms itself; its cancel follows.
		expired := lang.NewRecord(lang.Symbol("timer-expired"), label, msecs)
		var cancel func()
		var arm func(t *eval.Turn)
		arm = func(t *eval.Turn) {
			t.InFacet(owner, func() {
				cancel = t.After(max(d, 0), func(t *eval.Turn) {
					t.Message(ds, expired)
					if periodic {
						arm(t)
					}
				})
			})
		}
		arm(t)
		stop := func() { cancel() }
		pending[key] = append(pending[key], stop)
	})
}

func number(v lang.Value) (float64, bool) {
	switch x := lang.Unwrap(v).(type) {
	case lang.Double:
		return float64(x), true
	case lang.Int:
		return float64(x), true
	}
	return 0, false
}

// primitiveError is a request a primitive cannot carry out (a malformed
// timer, a file name that is not a string, a file that cannot be read).
type primitiveError struct{ msg string }

func (e *primitiveError) Error() string { return e.msg }
