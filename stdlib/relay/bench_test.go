package relay_test

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/relay"
)

// benchNode is a running system with a dataspace whose <msg _> messages
// are counted.
type benchNode struct {
	sys   *eval.System
	root  *eval.Facet
	ds    *eval.Ref
	count atomic.Int64
	stop  func()
}

func newBenchNode(b *testing.B) *benchNode {
	n := &benchNode{sys: eval.NewSystem(nil)}
	ready := make(chan struct{})
	n.sys.Spawn("bench", func(t *eval.Turn) {
		n.root = t.Facet()
		n.root.PreventInert()
		n.ds = t.NewDataspace("ds")
		pat := dataspace.Group{Kind: dataspace.GroupRecord, Label: lang.Symbol("msg"),
			Entries: []dataspace.GroupEntry{{Key: lang.Int(0), Pattern: dataspace.Discard{}}}}
		t.Assert(n.ds, dataspace.Observe(pat, t.NewRef("counter", &eval.Handler{
			OnMessage: func(*eval.Turn, lang.Value) error { n.count.Add(1); return nil },
		})))
		close(ready)
	})
	n.sys.Hold()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = n.sys.Run(ctx); close(done) }()
	<-ready
	n.stop = func() { cancel(); <-done }
	b.Cleanup(n.stop)
	return n
}

func (n *benchNode) in(f func(t *eval.Turn)) {
	ch := make(chan struct{})
	n.sys.Post(n.root, func(t *eval.Turn) { f(t); close(ch) })
	<-ch
}

// link connects node a to node b over network ("inproc" for none) and
// returns a's ref to b's dataspace.
func link(b *testing.B, a, bn *benchNode, network string) *eval.Ref {
	if network == "inproc" {
		return bn.ds
	}
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(b.TempDir(), "bench.sock")
	}
	var l *relay.Listener
	var err error
	bn.in(func(t *eval.Turn) { l, err = relay.Listen(t, network, addr, bn.ds, relay.ListenOptions{}) })
	if err != nil {
		b.Fatal(err)
	}
	c, err := net.Dial(network, l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	var remote *eval.Ref
	a.in(func(t *eval.Turn) {
		s := relay.Start(t, c, c, func() { c.Close() }, relay.Options{Name: "bench", ImportInitial: true})
		remote = s.Peer()
	})
	return remote
}

// BenchmarkOneWay: messages per second from node A to a dataspace on node
// B, over a unix socket and TCP loopback, with the same load on an
// in-process dataspace as the baseline (inproc).
func BenchmarkOneWay(b *testing.B) {
	for _, network := range []string{"inproc", "unix", "tcp"} {
		b.Run(network, func(b *testing.B) {
			a, bn := newBenchNode(b), newBenchNode(b)
			if network == "inproc" {
				a = bn
			}
			remote := link(b, a, bn, network)
			msg := func(i int) lang.Value { return lang.NewRecord(lang.Symbol("msg"), lang.Int(i)) }
			b.ResetTimer()
			start := time.Now()
			const batch = 1000
			for sent := 0; sent < b.N; sent += batch {
				k := min(batch, b.N-sent)
				// Keep at most a few batches in flight, as a sender that
				// waits for its peer's progress does.
				for int(bn.count.Load()) < sent-4*batch {
					time.Sleep(50 * time.Microsecond)
				}
				a.sys.Post(a.root, func(t *eval.Turn) {
					for i := range k {
						t.Message(remote, msg(sent+i))
					}
				})
			}
			for bn.count.Load() < int64(b.N) {
				time.Sleep(50 * time.Microsecond)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// BenchmarkRoundTrip: the median time for a sync to cross to node B's
// dataspace and come back, over a unix socket and TCP loopback, with an
// in-process dataspace as the baseline.
func BenchmarkRoundTrip(b *testing.B) {
	for _, network := range []string{"inproc", "unix", "tcp"} {
		b.Run(network, func(b *testing.B) {
			a, bn := newBenchNode(b), newBenchNode(b)
			remote := link(b, a, bn, network)
			back := make(chan struct{}, 1)
			var k *eval.Ref
			a.in(func(t *eval.Turn) {
				k = t.NewRef("pong", &eval.Handler{OnMessage: func(*eval.Turn, lang.Value) error {
					back <- struct{}{}
					return nil
				}})
			})
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				a.sys.Post(a.root, func(t *eval.Turn) { t.Sync(remote, k) })
				<-back
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Nanoseconds())/1000, "µs-median")
		})
	}
}
