// Package sample builds deterministic Preserves values for tests and
// benchmarks: realistic mixed data of a chosen size, and random values that
// exercise every kind.
package sample

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/synd-lang/synd/lang"
)

// Mixed returns a value whose binary encoding is about size bytes, shaped like
// the traffic of a service system: log records with dictionaries, service
// state records, sequences of arguments, numbers, doubles and byte strings.
func Mixed(size int) lang.Value {
	r := rand.New(rand.NewPCG(1, 2))
	var items lang.Sequence
	total := 0
	for i := 0; total < size; i++ {
		var v lang.Value
		switch i % 4 {
		case 0:
			v = lang.NewRecord(lang.Symbol("log"), lang.String("2026-11-21T16:00:00Z"), lang.DictionaryOf(
				lang.Symbol("pid"), lang.Int(r.IntN(40000)),
				lang.Symbol("service"), lang.NewRecord(lang.Symbol("daemon"), lang.Symbol(fmt.Sprintf("svc-%d", i))),
				lang.Symbol("stream"), lang.Symbol("stdout"),
				lang.Symbol("line"), lang.String(fmt.Sprintf("request %d handled in %d µs", i, r.IntN(1000))),
			))
		case 1:
			v = lang.NewRecord(lang.Symbol("service-state"),
				lang.NewRecord(lang.Symbol("milestone"), lang.String(fmt.Sprintf("net-%d", i))),
				lang.Symbol([]string{"started", "ready", "complete", "failed"}[r.IntN(4)]))
		case 2:
			v = lang.Sequence{lang.String("udhcpc"), lang.String("-i"), lang.String(fmt.Sprintf("eth%d", i%8)),
				lang.Double(r.Float64() * 1000), lang.Int(r.Int64() >> r.IntN(60)), lang.Bool(i%3 == 0)}
		default:
			b := make([]byte, 16)
			for j := range b {
				b[j] = byte(r.IntN(256))
			}
			v = lang.NewRecord(lang.Symbol("blob"), lang.ByteString(b), lang.SetOf(lang.Int(int64(i)), lang.Int(int64(i+1)), lang.Symbol("x")))
		}
		enc, _ := lang.Encode(v)
		total += len(enc)
		items = append(items, v)
	}
	return items
}

// Random returns a random value of at most the given depth, drawing on every
// kind, including annotations when annotate is set.
func Random(r *rand.Rand, depth int, annotate bool) lang.Value {
	v := random(r, depth, annotate)
	return v
}

func random(r *rand.Rand, depth int, annotate bool) lang.Value {
	k := r.IntN(16)
	if depth <= 0 {
		k = r.IntN(7)
	}
	var v lang.Value
	switch k {
	case 0:
		v = lang.Bool(r.IntN(2) == 0)
	case 1:
		switch r.IntN(6) {
		case 0:
			v = lang.Double(math.Inf(1 - 2*r.IntN(2)))
		case 1:
			v = lang.Double(math.Copysign(0, float64(1-2*r.IntN(2))))
		case 2:
			v = lang.Double(math.Float64frombits(0x7ff8000000000000 | r.Uint64()&0xfffff))
		default:
			v = lang.Double((r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(600)-300)))
		}
	case 2:
		if r.IntN(4) == 0 {
			n := new(big.Int).Lsh(big.NewInt(r.Int64()), uint(r.IntN(200)))
			if r.IntN(2) == 0 {
				n.Neg(n)
			}
			v = lang.NewInteger(n)
		} else {
			v = lang.Int(r.Int64() >> r.IntN(64))
		}
	case 3:
		v = lang.String(randText(r))
	case 4:
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		v = lang.ByteString(b)
	case 5:
		v = lang.Symbol(randText(r))
	case 6:
		v = lang.Symbol([]string{"a", "hello", "a-b", "+", "...", "1-2-3", "+1.x", "1", "-1.5", "#x", "with space"}[r.IntN(11)])
	case 7, 8:
		n := r.IntN(4)
		fs := make([]lang.Value, n)
		for i := range fs {
			fs[i] = random(r, depth-1, annotate)
		}
		v = lang.NewRecord(random(r, depth-1, annotate), fs...)
	case 9, 10:
		n := r.IntN(5)
		s := make(lang.Sequence, n)
		for i := range s {
			s[i] = random(r, depth-1, annotate)
		}
		v = s
	case 11, 12:
		var es []lang.Value
		for i := r.IntN(5); i > 0; i-- {
			es = append(es, random(r, depth-1, annotate))
		}
		v = lang.SetOf(es...)
	case 13, 14:
		var kvs []lang.Value
		for i := r.IntN(5); i > 0; i-- {
			kvs = append(kvs, random(r, depth-1, annotate), random(r, depth-1, annotate))
		}
		v = lang.DictionaryOf(kvs...)
	default:
		v = lang.Embedded{Ref: random(r, depth-1, annotate)}
	}
	if annotate && r.IntN(8) == 0 {
		v = &lang.Annotated{Annotations: []lang.Value{random(r, depth-1, false)}, Value: v}
	}
	return v
}

func randText(r *rand.Rand) string {
	const alphabet = "abcXYZ019 \t\n\"\\|/#@:,;'()<>[]{}é€😀\x00\x7f"
	rs := []rune(alphabet)
	b := make([]rune, r.IntN(8))
	for i := range b {
		b[i] = rs[r.IntN(len(rs))]
	}
	return string(b)
}
