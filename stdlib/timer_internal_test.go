package stdlib

import (
	"fmt"
	"math/big"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// Timers that have fired leave no entry behind, whatever their labels: a
// daemon restarting every second for a year must not grow the driver (issue
// 17.11). Cleared labels are forgotten too; periodic timers stay until
// cleared.
func TestTimerDriverForgetsFiredTimers(t *testing.T) {
	sys := eval.NewSystem(eval.NewVirtualClock(time.Unix(1e9, 0)))
	var drv *timerDriver
	var ds *eval.Ref
	fired := 0
	sys.Spawn("timers", func(t *eval.Turn) {
		t.Facet().PreventInert()
		ds = t.NewDataspace("config")
		drv = startTimers(t, ds)
		t.OnMessage(ds, recPattern("timer-expired", capture, capture), func(*eval.Turn, []lang.Value) { fired++ })
	})
	sys.RunPending()
	send := func(label, ms lang.Value, kind string) {
		sys.Post(ds.Facet(), func(t *eval.Turn) { t.Message(ds, rec("set-timer", label, ms, lang.Symbol(kind))) })
	}
	for i := range 5000 {
		send(rec("daemon-restart", lang.Int(i)), lang.Int(int64(i%7)*100), "relative")
	}
	send(lang.Symbol("tick"), lang.Int(1000), "periodic")
	sys.Advance(2 * time.Second)
	assert.Equal(t, 5002, fired, "5,000 one-shot timers and two ticks")
	require.Len(t, drv.pending, 1, "only the periodic timer is pending")
	send(lang.Symbol("tick"), lang.Int(0), "clear")
	sys.Advance(time.Second)
	assert.Empty(t, drv.pending)
	assert.Equal(t, 5002, fired)
}

// Far-future, infinite and huge timers never fire (they used to overflow
// time.Duration and fire at once); a NaN is refused; past absolute times
// fire at once.
func TestTimerLimits(t *testing.T) {
	for _, tc := range []struct {
		ms    float64
		never bool
	}{
		{-1e300, false}, {0, false}, {1000, false},
		{1e15, true}, {1e300, true}, {2e19, true},
	} {
		d, never := durationOf(tc.ms)
		assert.Equal(t, tc.never, never, fmt.Sprint(tc.ms))
		assert.GreaterOrEqual(t, d, time.Duration(0), fmt.Sprint(tc.ms))
	}
	big, ok := number(lang.NewInteger(mustBig("123456789012345678901234567890")))
	require.True(t, ok, "big integers are milliseconds too")
	assert.InDelta(t, 1.2345678901234568e29, big, 1e15)
}

func mustBig(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return n
}

// Many one-shot timers of one label (a burst of retries, say) cost in
// proportion to their number as they fire: forgetting a fired timer does
// not copy the rest of its label's list (it did, into a fresh slice each
// time: 20,000 timers allocated about 1.6 GB).
func TestTimerDriverManyTimersOfOneLabel(t *testing.T) {
	sys := eval.NewSystem(eval.NewVirtualClock(time.Unix(1e9, 0)))
	var drv *timerDriver
	var ds *eval.Ref
	fired := 0
	sys.Spawn("timers", func(t *eval.Turn) {
		t.Facet().PreventInert()
		ds = t.NewDataspace("config")
		drv = startTimers(t, ds)
		t.OnMessage(ds, recPattern("timer-expired", capture, capture), func(*eval.Turn, []lang.Value) { fired++ })
	})
	sys.RunPending()
	const n = 20000
	sys.Post(ds.Facet(), func(t *eval.Turn) {
		for range n {
			t.Message(ds, rec("set-timer", lang.Symbol("retry"), lang.Int(100), lang.Symbol("relative")))
		}
	})
	sys.RunPending()
	require.Equal(t, n, drv.count(lang.Key(lang.Symbol("retry"))))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sys.Advance(time.Second)
	runtime.ReadMemStats(&after)
	assert.Equal(t, n, fired)
	assert.Empty(t, drv.pending)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(200<<20), "bytes allocated while %d timers of one label fire", n)
}
