package relay_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib/relay"
)

// TestDecodedAssertionsSurviveCollections: what a peer asserts is decoded
// by the session's framer into the readers' arena (lang/arena.go: chunks
// the collector does not scan, kept alive only by the chunk chain and keep
// lists) and then held by the dataspace while the framer decodes many more
// packets and the collector runs again and again (GOGC=1 for the test) over
// memory churned in between. Every value held must read back exactly as it
// did when it arrived: long strings (kept outside the chunks), big
// integers, byte strings, nested compounds, embedded references the relay
// rewrites into proxies, and observers whose capture tuples alias fields of
// the held values. Both syntaxes: binary packets go through lang.Decoder,
// text ones through the text reader. Run with GODEBUG=clobberfree=1 to make
// any use of freed memory loud.
func TestDecodedAssertionsSurviveCollections(t *testing.T) {
	for _, text := range []bool{false, true} {
		t.Run(fmt.Sprintf("text=%v", text), func(t *testing.T) {
			defer debug.SetGCPercent(debug.SetGCPercent(1))
			rounds := 40
			if testing.Short() {
				rounds = 8
			}
			r := rand.New(rand.NewPCG(5, 8))
			n := newNode(t)
			p, s := serve(t, n, relay.Options{MaxPacket: 1 << 20})
			send := func(packet string) {
				if text {
					_, err := p.conn.Write([]byte(packet + "\n"))
					require.NoError(t, err)
				} else {
					p.send(t, packet)
				}
			}
			// The peer observes what it asserts, so that the dataspace
			// holds capture tuples that are windows of the held values.
			send(`[[0 <A <Observe <group <rec kept> {1: <bind <_>>}> #:[0 7]> 1>]]`)
			handle := 1
			live := map[int]string{} // handle → the value as the peer wrote it, formatted
			for round := 0; round < rounds; round++ {
				var events []string
				for i := 0; i < 25; i++ {
					handle++
					var v string
					switch i % 5 {
					case 0:
						v = fmt.Sprintf("<kept %d %q>", handle, strings.Repeat(fmt.Sprintf("long%d ", handle), 500+r.IntN(2000)))
					case 1:
						v = fmt.Sprintf("<kept %d %d%s>", handle, 1+r.IntN(9), strings.Repeat("7", 30+r.IntN(60)))
					case 2:
						v = fmt.Sprintf("<kept %d [#[%s] {a: 1.5 b: [x %q] \"c\": #t}]>", handle,
							strings.Repeat("AAEC", 1+r.IntN(40)), strings.Repeat("y", r.IntN(50)))
					case 3:
						v = fmt.Sprintf("<kept %d <ref #:[0 %d]>>", handle, 100+handle)
					default:
						v = fmt.Sprintf("<kept %d #{%d sym%d \"s%d\"}>", handle, handle, handle, r.IntN(1000))
					}
					events = append(events, fmt.Sprintf("[0 <A %s %d>]", v, handle))
					if i%5 == 3 {
						live[handle] = "" // the proxy's form is the relay's
					} else {
						x, err := parser.Parse("want", []byte(v), parser.Options{})
						require.NoError(t, err)
						live[handle] = lang.Format(x)
					}
				}
				send("[" + strings.Join(events, " ") + "]")
				// Retract some of what is held, so that memory is freed
				// around what stays.
				var gone []string
				for h := range live {
					if r.IntN(4) == 0 {
						gone = append(gone, fmt.Sprintf("[0 <R %d>]", h))
						delete(live, h)
					}
				}
				if len(gone) > 0 {
					send("[" + strings.Join(gone, " ") + "]")
				}
				// Wait until the dataspace holds exactly the live handles
				// (a count alone could match before the retractions).
				eventually(t, func() bool { return sameHandles(n.contents(), live) })
				before := n.contents()
				junk := make([][]byte, 0, 512)
				for i := 0; i < 512; i++ {
					junk = append(junk, make([]byte, 16+r.IntN(8<<10)))
				}
				_ = junk
				runtime.GC()
				runtime.GC()
				after := n.contents()
				sameHeld(t, before, after, round)
				checkHeld(t, after, live)
			}
			p.conn.Close()
			<-s.Done()
			eventually(t, func() bool { return len(n.contents()) == 0 })
			require.Empty(t, n.errors())
		})
	}
}

// checkHeld compares what the dataspace holds with what the peer asserted.
func checkHeld(t *testing.T, held []string, live map[int]string) {
	t.Helper()
	require.Len(t, held, len(live))
	for _, s := range held {
		rest, ok := strings.CutPrefix(s, "<kept ")
		require.True(t, ok, "unexpected %q", s)
		num, _, _ := strings.Cut(rest, " ")
		h, err := strconv.Atoi(num)
		require.NoError(t, err, "in %q", s)
		want, ok := live[h]
		require.True(t, ok, "handle %d is not live: %q", h, s)
		if want == "" {
			require.True(t, strings.HasPrefix(s, fmt.Sprintf("<kept %d <ref #:", h)), "held %q", s)
			continue
		}
		if want != s {
			t.Fatalf("handle %d: held %.200s, want %.200s", h, s, want)
		}
	}
}

// sameHeld reports, briefly, how what the dataspace holds changed.
func sameHeld(t *testing.T, before, after []string, round int) {
	t.Helper()
	short := func(s string) string {
		if len(s) > 200 {
			return s[:100] + " … " + s[len(s)-100:]
		}
		return s
	}
	if len(before) != len(after) {
		t.Fatalf("round %d: %d values held before the collections, %d after", round, len(before), len(after))
	}
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("round %d: held value %d changed across collections:\nbefore %s\nafter  %s", round, i, short(before[i]), short(after[i]))
		}
	}
}

// sameHandles reports whether held are the values of exactly the live
// handles.
func sameHandles(held []string, live map[int]string) bool {
	if len(held) != len(live) {
		return false
	}
	for _, s := range held {
		rest, _ := strings.CutPrefix(s, "<kept ")
		num, _, _ := strings.Cut(rest, " ")
		h, err := strconv.Atoi(num)
		if err != nil {
			return false
		}
		if _, ok := live[h]; !ok {
			return false
		}
	}
	return true
}
