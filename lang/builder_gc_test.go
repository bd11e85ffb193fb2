package lang_test

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/synd-lang/synd/lang"
)

// gcRef is a host reference whose only other copy is in the built value.
type gcRef struct {
	id   uint64
	name string
}

func (r *gcRef) EmbeddedID() uint64 { return r.id }
func (r *gcRef) Describe() lang.Value {
	return lang.String(r.name)
}

// TestBuilderKeepsCallerPartsPastReset: values built by the public Builder
// from parts the caller made and then dropped — long and short strings,
// byte strings, big integers, host references, annotation lists, a
// sequence with spare capacity, values of another builder that is then
// reset and reused, values this builder built before its own Reset — stay
// intact after the builder is reset and reused and the collector has run
// many times (GOGC=1) over churned memory. The arena (arena.go) must keep
// every such part: its chunks are not scanned, so a part it forgets is
// freed under the value. Run with GODEBUG=clobberfree=1 to make that loud.
func TestBuilderKeepsCallerPartsPastReset(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	rounds := 200
	if testing.Short() {
		rounds = 40
	}
	r := rand.New(rand.NewPCG(3, 4))
	type kept struct {
		v    lang.Value
		want string
		refs map[uint64]string
	}
	var keep []kept
	var b, other lang.Builder
	var prev lang.Value // built by b before its last Reset
	for round := 0; round < rounds; round++ {
		b.Reset()
		b.SizeHint(r.IntN(1 << 12))
		other.Reset()
		fromOther := func() lang.Value {
			m := other.Mark()
			other.Push(other.String(fmt.Sprintf("other %d %s", round, strings.Repeat("o", r.IntN(100)))))
			other.Push(other.Int(r.Int64()))
			return other.Sequence(m)
		}()
		refs := map[uint64]string{}
		m := b.Mark()
		b.Push(b.Symbol("round"))
		for i := 0; i < 30; i++ {
			switch i % 10 {
			case 0:
				b.Push(b.String(strings.Repeat(fmt.Sprintf("L%d.%d ", round, i), 500+r.IntN(1500))))
			case 1:
				b.Push(b.String(fmt.Sprintf("s%d.%d", round, i)))
			case 2:
				b.Push(b.ByteString(strings.Repeat(fmt.Sprintf("%c", 'a'+i), 1+r.IntN(5000))))
			case 3:
				n := new(big.Int).Lsh(big.NewInt(int64(round*100+i+1)), uint(64+r.IntN(200)))
				b.Push(lang.NewInteger(n))
			case 4:
				id := uint64(round*100 + i)
				name := fmt.Sprintf("ref-%d-%s", id, strings.Repeat("r", r.IntN(64)))
				refs[id] = name
				b.Push(lang.Embedded{Ref: &gcRef{id: id, name: name}})
				b.Push(b.Embedded(lang.String(name)))
			case 5:
				anns := []lang.Value{lang.String(fmt.Sprintf("note %d %d", round, i)), lang.NewRecord(lang.Symbol("n"), lang.Int(r.Int64()))}
				b.Push(b.Annotated(anns, b.Symbol(fmt.Sprintf("annotated%d", i)), lang.Position{File: fmt.Sprintf("file%d.pr", round), Line: i + 1}))
			case 6:
				s := make(lang.Sequence, 2, 8)
				s[0], s[1] = lang.String(fmt.Sprintf("seq %d", round)), lang.Double(r.Float64())
				b.Push(s)
			case 7:
				b.Push(fromOther)
			case 8:
				if prev != nil {
					b.Push(prev)
				} else {
					b.Push(lang.Bool(true))
				}
			default:
				b.Push(b.CopyString(string([]byte(fmt.Sprintf("copied %d %s", round, strings.Repeat("c", r.IntN(3000)))))))
			}
		}
		rec, err := b.Record(m)
		if err != nil {
			t.Fatal(err)
		}
		keep = append(keep, kept{rec, lang.Format(rec), refs})
		prev = rec.Fields[len(rec.Fields)-1]
		// Reuse the other builder at once, over what fromOther used.
		other.Reset()
		for i := 0; i < 20; i++ {
			other.Push(other.String(strings.Repeat("junk", 1+r.IntN(20))))
		}
		other.Drop(0)
		// Churn, so that freed memory is reused.
		junk := make([][]byte, 0, 128)
		for i := 0; i < 128; i++ {
			junk = append(junk, make([]byte, 16+r.IntN(8<<10)))
		}
		_ = junk
		if round%10 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	runtime.GC()
	for i, k := range keep {
		if got := lang.Format(k.v); got != k.want {
			t.Fatalf("value %d changed:\n%.300s\nwant\n%.300s", i, got, k.want)
		}
		lang.Walk(k.v, func(x lang.Value) bool {
			if e, ok := x.(lang.Embedded); ok {
				if ref, ok := e.Ref.(*gcRef); ok && k.refs[ref.id] != ref.name {
					t.Fatalf("value %d: host reference %d now names %q, want %q", i, ref.id, ref.name, k.refs[ref.id])
				}
			}
			return true
		})
	}
}
