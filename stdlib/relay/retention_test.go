package relay_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/stdlib/relay"
)

// TestTinyAssertionsDoNotKeepTheirPackets: a peer that asserts a tiny
// value in each of many large packets (beside a large one it retracts at
// once) makes the node hold the tiny values, not the packets. Decoded
// values share their packet's memory (lang.Detach); before the relay
// detached what it keeps, 40 such packets of 600 KB held about 34 MB.
func TestTinyAssertionsDoNotKeepTheirPackets(t *testing.T) {
	n := newNode(t)
	p, _ := serve(t, n, relay.Options{MaxPacket: 1 << 20})
	count := func() int {
		ch := make(chan int)
		n.sys.Post(n.root, func(tn *eval.Turn) { ch <- n.ds.Entity().(*eval.DataspaceEntity).DS.Len() })
		return <-ch
	}
	base := count()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	big := strings.Repeat("x", 400<<10)
	const packets = 60
	for i := 0; i < packets; i++ {
		p.send(t, fmt.Sprintf(`[[0 <A <junk %q> %d>] [0 <A <tiny %d> %d>] [0 <R %d>]]`, big, 1000+i, i, i+1, 1000+i))
	}
	eventually(t, func() bool { return count() == base+packets })
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	grew := int64(ms.HeapAlloc) - int64(before)
	t.Logf("heap grew by %d KB for %d tiny assertions", grew>>10, packets)
	// Kept, the packets take about 40 MB; the tiny values under 1 MB.
	// The bound leaves room for what other tests' goroutines allocate
	// meanwhile under a parallel -race run (4 MB with 30 packets did not).
	assert.Less(t, grew, int64(10<<20), "the node keeps the tiny values, not their 400 KB packets")
}
