package relay_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib/relay"
)

// node is a running system with one dataspace and a record of what is
// asserted in it, for tests.
type node struct {
	sys    *eval.System
	root   *eval.Facet
	ds     *eval.Ref
	mu     sync.Mutex
	seen   map[string]int
	errs   []error
	cancel func()
	done   chan struct{}
}

func newNode(t *testing.T) *node {
	n := &node{sys: eval.NewSystem(nil), seen: map[string]int{}, done: make(chan struct{})}
	n.sys.OnError = func(f *eval.Facet, err error) {
		n.mu.Lock()
		n.errs = append(n.errs, err)
		n.mu.Unlock()
	}
	ready := make(chan struct{})
	n.sys.Spawn("test", func(t *eval.Turn) {
		n.root = t.Facet()
		n.root.PreventInert()
		n.ds = t.NewDataspace("ds")
		t.Assert(n.ds, dataspace.Observe(dataspace.Bind{Pattern: dataspace.Discard{}}, t.NewRef("watch", &eval.Handler{
			OnAssert: func(t *eval.Turn, v lang.Value, h eval.Handle) error {
				n.mu.Lock()
				n.seen[lang.Format(v.(lang.Sequence)[0])]++
				n.mu.Unlock()
				return nil
			},
			OnRetract: func(t *eval.Turn, h eval.Handle) error { return nil },
		})))
		close(ready)
	})
	n.sys.Hold()
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	go func() { _ = n.sys.Run(ctx); close(n.done) }()
	<-ready
	t.Cleanup(func() { cancel(); <-n.done })
	return n
}

// in runs f in a turn of the node's root facet and waits for it.
func (n *node) in(f func(t *eval.Turn)) {
	ch := make(chan struct{})
	n.sys.Post(n.root, func(t *eval.Turn) { f(t); close(ch) })
	<-ch
}

// contents lists what the dataspace holds now (after pending work).
func (n *node) contents() []string {
	ch := make(chan []string)
	n.sys.Post(n.root, func(t *eval.Turn) {
		var out []string
		d := n.ds.Entity().(*eval.DataspaceEntity)
		for _, a := range d.DS.Assertions() {
			s := lang.Format(a)
			if len(s) > 8 && s[:8] == "<Observe" {
				continue
			}
			out = append(out, s)
		}
		ch <- out
	})
	return <-ch
}

func (n *node) errors() []error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]error(nil), n.errs...)
}

// peer is the far end of a session, driven by the test.
type peer struct {
	conn net.Conn
	fr   relay.Framer
	got  []lang.Value
}

func (p *peer) send(t *testing.T, text string) {
	t.Helper()
	v, err := parser.Parse("test", []byte(text), parser.Options{})
	require.NoError(t, err)
	b, err := lang.Encode(v)
	require.NoError(t, err)
	_, err = p.conn.Write(b)
	require.NoError(t, err)
}

// next reads the next packet the session sends, or nil at end of stream.
func (p *peer) next(t *testing.T) lang.Value {
	t.Helper()
	buf := make([]byte, 4096)
	_ = p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(p.got) == 0 {
		n, err := p.conn.Read(buf)
		if n > 0 {
			vs, ferr := p.fr.Feed(buf[:n])
			require.NoError(t, ferr)
			p.got = append(p.got, vs...)
		}
		if err != nil {
			if len(p.got) == 0 {
				return nil
			}
			break
		}
	}
	v := p.got[0]
	p.got = p.got[1:]
	return v
}

// serve starts a session on n offering its dataspace as oid 0, over a
// socket pair; it returns the test's end.
func serve(t *testing.T, n *node, opts relay.Options) (*peer, *relay.Session) {
	a, b := socketPair(t)
	var s *relay.Session
	opts.Initial = n.ds
	if opts.Name == "" {
		opts.Name = "test"
	}
	n.in(func(t *eval.Turn) { s = relay.Start(t, a, a, func() { _ = a.Close() }, opts) })
	return &peer{conn: b}, s
}

func socketPair(t *testing.T) (net.Conn, net.Conn) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	ch := make(chan net.Conn)
	go func() {
		c, _ := l.Accept()
		ch <- c
	}()
	b, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	a := <-ch
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func eventually(t *testing.T, f func() bool) {
	t.Helper()
	require.Eventually(t, f, 5*time.Second, 5*time.Millisecond)
}

func TestAssertRetractAndEndOfStream(t *testing.T) {
	n := newNode(t)
	p, s := serve(t, n, relay.Options{})
	p.send(t, `[[0 <A <hello 1> 1>] [0 <A <hello 2> 2>]]`)
	eventually(t, func() bool { return len(n.contents()) == 2 })
	p.send(t, `[[0 <R 1>]]`)
	eventually(t, func() bool { return len(n.contents()) == 1 })
	require.Equal(t, []string{"<hello 2>"}, n.contents())
	// The stream ends: what the peer asserted goes.
	p.conn.Close()
	<-s.Done()
	eventually(t, func() bool { return len(n.contents()) == 0 })
	require.Empty(t, n.errors())
}

// TestProtocolViolations: each ends the session with <error ...> sent to the
// peer and every assertion of the peer retracted, as relay.rs's
// TunnelRelay does (handle_inbound_packet returning Err ends the relay's
// actor; its exit hook sends the Error packet).
func TestProtocolViolations(t *testing.T) {
	cases := []struct{ name, packet, msg string }{
		{"duplicate handle", `[[0 <A <x> 1>]]`, "Assertion with duplicate handle"},
		{"malformed packet", `"hello"`, "malformed packet"},
		{"malformed event", `[[0 <Q 1>]]`, "malformed event"},
		{"malformed turn event", `[[0]]`, "malformed turn event"},
		{"event not a record", `[[0 7]]`, "malformed turn event"},
		{"malformed ref", `[[0 <A #:"no" 9>]]`, "malformed reference"},
		{"transient ref", `[[0 <M <hi #:[0 7]>>]]`, "Cannot receive transient reference"},
		{"true is no packet", `#t`, "malformed packet"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t)
			p, s := serve(t, n, relay.Options{})
			p.send(t, `[[0 <A <before> 1>]]`)
			eventually(t, func() bool { return len(n.contents()) == 1 })
			p.send(t, c.packet)
			got := p.next(t)
			require.NotNil(t, got)
			r, ok := got.(*lang.Record)
			require.True(t, ok, lang.Format(got))
			require.Equal(t, lang.Symbol("error"), r.Label)
			require.Contains(t, string(r.Fields[0].(lang.String)), c.msg)
			<-s.Done()
			eventually(t, func() bool { return len(n.contents()) == 0 })
			require.Nil(t, p.next(t), "the stream is closed")
			require.NotEmpty(t, n.errors())
		})
	}
}

// TestHarmlessOddities: Nop, extensions, events for oids never exported,
// retraction of unknown handles and refs to unknown oids of ours are not
// errors (relay.rs: "Cannot deliver event: nonexistent oid", "Retraction of
// nonexistent handle", insert_inert_entity).
func TestHarmlessOddities(t *testing.T) {
	n := newNode(t)
	p, _ := serve(t, n, relay.Options{})
	p.send(t, `#f`)
	p.send(t, `<some-extension 1 2>`)
	p.send(t, `[[99 <A <lost> 1>]]`)
	p.send(t, `[[0 <R 12345>]]`)
	p.send(t, `[[0 <A <inert #:[1 77]> 2>]]`)
	eventually(t, func() bool { return len(n.contents()) == 1 })
	require.Empty(t, n.errors())
}

// TestHugeLengthClaim: a packet claiming a 1 GB string is refused as soon as
// its header arrives, without waiting for (or allocating) the bytes.
func TestHugeLengthClaim(t *testing.T) {
	n := newNode(t)
	p, s := serve(t, n, relay.Options{})
	// [[0 <M "...1 GB...">]]: B5 B5 B0 00 B4 B3 01 'M' B1 <varint 1<<30>
	hdr := []byte{0xB5, 0xB5, 0xB0, 0x00, 0xB4, 0xB3, 0x01, 'M', 0xB1, 0x80, 0x80, 0x80, 0x80, 0x04}
	_, err := p.conn.Write(hdr)
	require.NoError(t, err)
	got := p.next(t)
	require.NotNil(t, got)
	require.Contains(t, lang.Format(got), "packet larger than")
	<-s.Done()
}

// TestPacketBound: the bound is configurable; it holds for text peers, for
// whole packets as for unfinished ones, and for binary packets made of many
// small parts.
func TestPacketBound(t *testing.T) {
	for name, data := range map[string][]byte{
		"whole text line": []byte(`[[0 <M "` + repeat("x", 2000) + `">]]` + "\n"),
		"binary parts":    append(append([]byte{0xB5}, []byte(repeat("\x80", 2000))...), 0x84),
	} {
		t.Run(name, func(t *testing.T) {
			n := newNode(t)
			p, s := serve(t, n, relay.Options{MaxPacket: 1000})
			_, err := p.conn.Write(data)
			require.NoError(t, err)
			require.Contains(t, lang.Format(p.next(t)), "packet larger than 1000 bytes")
			<-s.Done()
		})
	}

	n := newNode(t)
	p, s := serve(t, n, relay.Options{MaxPacket: 1000})
	_, err := p.conn.Write([]byte(`[[0 <A "` + string(make([]byte, 0)) + repeat("x", 2000)))
	require.NoError(t, err)
	got := p.next(t)
	require.Contains(t, lang.Format(got), "packet larger than 1000 bytes")
	<-s.Done()
}

func repeat(s string, n int) string {
	b := make([]byte, 0, n*len(s))
	for range n {
		b = append(b, s...)
	}
	return string(b)
}

// TestTextPeer: a peer whose first byte is text is answered in text.
func TestTextPeer(t *testing.T) {
	n := newNode(t)
	p, _ := serve(t, n, relay.Options{})
	_, err := p.conn.Write([]byte("[[0 <A <Observe <group <rec hello> {0: <bind <_>>}> #:[0 5]> 1>]]\n"))
	require.NoError(t, err)
	n.in(func(t *eval.Turn) { t.Assert(n.ds, lang.NewRecord(lang.Symbol("hello"), lang.String("text"))) })
	buf := make([]byte, 4096)
	_ = p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	k, err := p.conn.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "[[5 <A [\"text\"] 1>]]\n", string(buf[:k]))
}

// TestObserveAcrossAndRefcount: the peer observes through the session;
// matches come back to its object; the export of the observer is released
// when the peer retracts the Observe.
func TestObserveAcrossAndRefcount(t *testing.T) {
	n := newNode(t)
	p, s := serve(t, n, relay.Options{})
	p.send(t, `[[0 <A <Observe <group <rec hello> {0: <bind <_>>}> #:[0 5]> 1>]]`)
	n.in(func(t *eval.Turn) { t.Assert(n.ds, lang.NewRecord(lang.Symbol("hello"), lang.Int(1))) })
	require.Equal(t, `[[5 <A [1] 1>]]`, lang.Format(p.next(t)))
	imports := func() int {
		ch := make(chan int)
		n.sys.Post(s.Facet(), func(*eval.Turn) { ch <- s.Imports() })
		return <-ch
	}
	require.Equal(t, 1, imports())
	p.send(t, `[[0 <R 1>]]`)
	require.Equal(t, `[[5 <R 1>]]`, lang.Format(p.next(t)))
	eventually(t, func() bool { return imports() == 0 })
}

// TestWireRefCaveats: #:[1 OID CAVEAT ...] keeps its caveats: what the peer
// asserts through it is rewritten (conformance issue point 11).
func TestWireRefCaveats(t *testing.T) {
	n := newNode(t)
	p, _ := serve(t, n, relay.Options{})
	// The peer hands our dataspace back to us, attenuated, inside an
	// assertion; then we assert through the attenuated ref.
	p.send(t, `[[0 <A <hold #:[1 0 <rewrite <rec say [<bind String>]> <rec said [<lit "peer"> <ref 0>]>>]> 1>]]`)
	eventually(t, func() bool { return len(n.contents()) == 1 })
	n.in(func(t *eval.Turn) {
		d := n.ds.Entity().(*eval.DataspaceEntity)
		for _, a := range d.DS.Assertions() {
			if r, ok := a.(*lang.Record); ok && r.Label == lang.Symbol("hold") {
				ref := r.Fields[0].(lang.Embedded).Ref.(*eval.Ref)
				t.Assert(ref, lang.NewRecord(lang.Symbol("say"), lang.String("hi")))
				t.Assert(ref, lang.NewRecord(lang.Symbol("say"), lang.Int(3)))
			}
		}
	})
	eventually(t, func() bool { return len(n.contents()) == 2 })
	require.Contains(t, n.contents(), `<said "peer" "hi">`)
}

// TestPeerThatNeverReads: the outbound queue is bounded; past it the session
// is dropped with a report, and memory does not grow.
func TestPeerThatNeverReads(t *testing.T) {
	n := newNode(t)
	p, s := serve(t, n, relay.Options{MaxOutbound: 64 << 10})
	p.send(t, `[[0 <A <Observe <group <rec blob> {0: <bind <_>>}> #:[0 5]> 1>] [0 <A <marker> 2>]]`)
	eventually(t, func() bool { return len(n.contents()) == 1 })
	big := lang.String(repeat("y", 4096))
	for i := 0; i < 2000; i++ {
		select {
		case <-s.Done():
			i = 2000
			continue
		default:
		}
		n.in(func(t *eval.Turn) { t.Message(n.ds, lang.NewRecord(lang.Symbol("blob"), big)) })
	}
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a peer that never reads was not dropped")
	}
	require.NotEmpty(t, n.errors())
	require.Contains(t, n.errors()[0].Error(), "not reading")
	eventually(t, func() bool { return len(n.contents()) == 0 })
}

// TestAttenuationHoldsOverTheWire (issue 17 point 9): a peer given only a
// write capability for <pub _> (our dataspace attenuated) cannot read
// through it: its Observe is not a <pub _> record, so the caveat drops it
// and the peer hears nothing, while its <pub _> assertions pass.
func TestAttenuationHoldsOverTheWire(t *testing.T) {
	n := newNode(t)
	p, _ := serve(t, n, relay.Options{})
	// The peer observes <cap _> with its object 5, so we can hand it one.
	p.send(t, `[[0 <A <Observe <group <rec cap> {0: <bind <_>>}> #:[0 5]> 1>]]`)
	caveats, err := eval.ParseCaveats([]lang.Value{mustParse(t, `<rewrite <rec pub [<bind <_>>]> <rec pub [<ref 0>]>>`)})
	require.NoError(t, err)
	n.in(func(t *eval.Turn) {
		t.Assert(n.ds, lang.NewRecord(lang.Symbol("pub"), lang.Int(1)))
		t.Assert(n.ds, lang.NewRecord(lang.Symbol("cap"), n.ds.Attenuate(t.System(), caveats).Value()))
	})
	got := lang.Format(p.next(t))
	require.Regexp(t, `^\[\[5 <A \[#:\[0 \d+\]\] 1>\]\]$`, got)
	oid := strings.TrimSuffix(strings.Split(got, "#:[0 ")[1], "]] 1>]]")
	p.send(t, `[[`+oid+` <A <Observe <group <rec pub> {0: <bind <_>>}> #:[0 6]> 2>] [`+oid+` <A <pub 2> 3>] [`+oid+` <S #:[0 7]>]]`)
	// The sync's answer comes, and nothing for the observer before it.
	require.Equal(t, `[[7 <M #t>]]`, lang.Format(p.next(t)))
	require.Contains(t, n.contents(), "<pub 2>")
}

func mustParse(t *testing.T, s string) lang.Value {
	v, err := parser.Parse("test", []byte(s), parser.Options{})
	require.NoError(t, err)
	return v
}

// TestExportRefcount: an object of ours named in assertions to the peer is
// exported once (one oid however often it is sent) and forgotten when the
// last assertion naming it is retracted (relay.rs Membrane refcounts).
func TestExportRefcount(t *testing.T) {
	n := newNode(t)
	p, s := serve(t, n, relay.Options{ImportInitial: true})
	exports := func() int {
		ch := make(chan int)
		n.sys.Post(s.Facet(), func(*eval.Turn) { ch <- s.Exports() })
		return <-ch
	}
	require.Equal(t, 1, exports()) // the initial object
	var h1, h2 eval.Handle
	var obj *eval.Ref
	n.in(func(t *eval.Turn) {
		obj = t.NewRef("obj", &eval.Handler{})
		h1 = t.Assert(s.Peer(), lang.NewRecord(lang.Symbol("x"), obj.Value()))
		h2 = t.Assert(s.Peer(), lang.NewRecord(lang.Symbol("y"), obj.Value()))
	})
	require.Equal(t, `[[0 <A <x #:[0 1]> 1>]]`, lang.Format(p.next(t)))
	require.Equal(t, `[[0 <A <y #:[0 1]> 2>]]`, lang.Format(p.next(t)))
	require.Equal(t, 2, exports())
	n.in(func(t *eval.Turn) { t.Retract(h1) })
	require.Equal(t, `[[0 <R 1>]]`, lang.Format(p.next(t)))
	require.Equal(t, 2, exports())
	n.in(func(t *eval.Turn) { t.Retract(h2) })
	require.Equal(t, `[[0 <R 2>]]`, lang.Format(p.next(t)))
	require.Equal(t, 1, exports())
	// Sent again, it gets a new oid: the peer could not still hold the old.
	n.in(func(t *eval.Turn) { t.Assert(s.Peer(), lang.NewRecord(lang.Symbol("z"), obj.Value())) })
	require.Equal(t, `[[0 <A <z #:[0 2]> 3>]]`, lang.Format(p.next(t)))
}

// TestBigPacketInSmallReads (issue 17 point 13): a 4 MB packet arriving 4 KB
// at a time is scanned once, not re-decoded per read.
func TestBigPacketInSmallReads(t *testing.T) {
	n := newNode(t)
	p, _ := serve(t, n, relay.Options{})
	big := repeat("z", 4<<20)
	pkt, err := lang.Encode(lang.Sequence{lang.Sequence{lang.Int(0), lang.NewRecord(lang.Symbol("A"),
		lang.NewRecord(lang.Symbol("big"), lang.String(big)), lang.Int(1))}})
	require.NoError(t, err)
	start := time.Now()
	go func() {
		for i := 0; i < len(pkt); i += 4096 {
			if _, err := p.conn.Write(pkt[i:min(i+4096, len(pkt))]); err != nil {
				return
			}
		}
	}()
	require.Eventually(t, func() bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		return len(n.seen) == 1
	}, 30*time.Second, 5*time.Millisecond)
	if !raceEnabled {
		require.Less(t, time.Since(start), 3*time.Second)
	}
}

// TestPeerError: <error MESSAGE DETAIL> from the peer ends the session (its
// assertions retracted, the error reported), as relay.rs's
// handle_inbound_packet returns it as the relay's failure.
func TestPeerError(t *testing.T) {
	n := newNode(t)
	p, s := serve(t, n, relay.Options{})
	p.send(t, `[[0 <A <here> 1>]]`)
	eventually(t, func() bool { return len(n.contents()) == 1 })
	p.send(t, `<error "going away" {why: tired}>`)
	<-s.Done()
	eventually(t, func() bool { return len(n.contents()) == 0 })
	require.Contains(t, n.errors()[0].Error(), `the peer reports an error: going away {why: tired}`)
}

// TestAssertionBound: a peer may hold only so many assertions at once.
func TestAssertionBound(t *testing.T) {
	n := newNode(t)
	p, s := serve(t, n, relay.Options{MaxAssertions: 3})
	p.send(t, `[[0 <A <a 1> 1>] [0 <A <a 2> 2>] [0 <R 1>] [0 <A <a 3> 3>] [0 <A <a 4> 4>]]`)
	eventually(t, func() bool { return len(n.contents()) == 3 })
	p.send(t, `[[0 <A <a 5> 5>]]`)
	require.Contains(t, lang.Format(p.next(t)), "more than 3 assertions held by one peer")
	<-s.Done()
	eventually(t, func() bool { return len(n.contents()) == 0 })
}

// slowWriter is a peer that reads slowly: each write takes delay.
type slowWriter struct {
	delay time.Duration
	mu    sync.Mutex
	b     []byte
}

func (w *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(w.delay)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	return len(p), nil
}

// TestRunWaitsForLastPackets: a system that stops (as synd connect's does
// when its REPL reaches the end of its input) returns from Run only once
// its sessions have written what they queued: the peer gets the assertion
// made just before, and then the end of the stream (which retracts it).
func TestRunWaitsForLastPackets(t *testing.T) {
	sys := eval.NewSystem(nil)
	pr, pw := io.Pipe() // the peer says nothing until the stream is closed
	w := &slowWriter{delay: 100 * time.Millisecond}
	sys.Spawn("test", func(t *eval.Turn) {
		s := relay.Start(t, pr, w, func() { _ = pw.Close() }, relay.Options{Name: "test", ImportInitial: true})
		t.Assert(s.Peer(), lang.Symbol("last-words"))
	})
	sys.RunPending()
	sys.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, sys.Run(ctx))
	w.mu.Lock()
	defer w.mu.Unlock()
	var fr relay.Framer
	packets, err := fr.Feed(w.b)
	require.NoError(t, err)
	var got []string
	for _, p := range packets {
		got = append(got, lang.Format(p))
	}
	require.Len(t, got, 1, "%v", got)
	assert.Equal(t, "[[0 <A last-words 1>]]", got[0])
}
