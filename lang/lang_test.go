package lang_test

import (
	"encoding/hex"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/sample"
	. "github.com/synd-lang/synd/lang"
)

func big10(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return n
}

type ref struct{ id uint64 }

func (r *ref) EmbeddedID() uint64 { return r.id }

// ascending lists values in strictly increasing Preserves order.
func ascending() []Value {
	return []Value{
		Bool(false), Bool(true),
		Double(math.Inf(-1)), Double(-1.5), Double(math.Copysign(0, -1)), Double(0), Double(1e300), Double(math.Inf(1)),
		Double(math.Float64frombits(0x7ff8000000000000)), Double(math.Float64frombits(0x7ff8000000000001)),
		NewInteger(big10("-100000000000000000000000")), Int(math.MinInt64), Int(-1), Int(0), Int(1), Int(math.MaxInt64),
		NewInteger(big10("100000000000000000000000")),
		String(""), String("A"), String("a"), String("ab"), String("é"),
		ByteString(""), ByteString("\x00"), ByteString("\xff"),
		Symbol(""), Symbol("a"), Symbol("b"),
		NewRecord(Symbol("a")), NewRecord(Symbol("a"), Int(1)), NewRecord(Symbol("a"), Int(2)), NewRecord(Symbol("b")),
		Sequence{}, Sequence{Int(1)}, Sequence{Int(1), Int(1)}, Sequence{Int(2)},
		SetOf(), SetOf(Int(1)), SetOf(Int(1), Int(2)), SetOf(Int(2)),
		DictionaryOf(), DictionaryOf(Symbol("a"), Int(1)), DictionaryOf(Symbol("a"), Int(2)), DictionaryOf(Symbol("b"), Int(0)),
		Embedded{Ref: Int(1)}, Embedded{Ref: &ref{1}}, Embedded{Ref: &ref{2}},
	}
}

func TestTotalOrder(t *testing.T) {
	vs := ascending()
	for i, a := range vs {
		for j, b := range vs {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			require.Equal(t, want, Compare(a, b), "Compare(%s, %s)", Format(a), Format(b))
			require.Equal(t, want == 0, Equal(a, b), "Equal(%s, %s)", Format(a), Format(b))
			require.Equal(t, want == 0, Key(a) == Key(b), "Key(%s) vs Key(%s)", Format(a), Format(b))
		}
	}
}

func TestAnnotationsIgnoredByEquality(t *testing.T) {
	a := &Annotated{Annotations: []Value{String("note")}, Value: Sequence{Int(1), &Annotated{Annotations: []Value{Int(9)}, Value: Symbol("x")}}}
	b := Sequence{Int(1), Symbol("x")}
	assert.True(t, Equal(a, b))
	assert.Equal(t, 0, Compare(a, b))
	assert.Equal(t, Key(a), Key(b))
	assert.Equal(t, KindSequence, a.Kind())
	assert.Equal(t, Format(b), Format(Strip(a)))
	_, isAnn := Strip(a).(*Annotated)
	assert.False(t, isAnn)
}

func TestDoubles(t *testing.T) {
	nan := Double(math.NaN())
	assert.True(t, Equal(nan, nan), "a NaN equals itself")
	assert.False(t, Equal(Double(0), Double(math.Copysign(0, -1))), "-0.0 and +0.0 differ")
	assert.False(t, Equal(Double(1), Int(1)), "kinds differ")
}

func TestIntegersNormalised(t *testing.T) {
	assert.Equal(t, Int(5), NewInteger(big.NewInt(5)))
	_, isBig := NewInteger(big10("9223372036854775808")).(BigInt)
	assert.True(t, isBig)
	assert.True(t, Equal(NewInteger(big10("-9223372036854775808")), Int(math.MinInt64)))
}

func TestDuplicates(t *testing.T) {
	_, err := NewSet(Int(1), Int(1))
	assert.ErrorContains(t, err, "duplicate set element 1")
	_, err = NewDictionary(DictEntry{Symbol("a"), Int(1)}, DictEntry{Symbol("a"), Int(2)})
	assert.ErrorContains(t, err, "duplicate dictionary key a")
}

func TestBinaryTags(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    Value
		hex  string
	}{
		{"false", Bool(false), "80"},
		{"true", Bool(true), "81"},
		{"double", Double(1.5), "87083ff8000000000000"},
		{"negative zero", Double(math.Copysign(0, -1)), "87088000000000000000"},
		{"zero", Int(0), "b000"},
		{"one", Int(1), "b00101"},
		{"minus one", Int(-1), "b001ff"},
		{"127", Int(127), "b0017f"},
		{"128", Int(128), "b0020080"},
		{"-128", Int(-128), "b00180"},
		{"-129", Int(-129), "b002ff7f"},
		{"max int64", Int(math.MaxInt64), "b0087fffffffffffffff"},
		{"min int64", Int(math.MinInt64), "b0088000000000000000"},
		{"2^63", NewInteger(big10("9223372036854775808")), "b009008000000000000000"},
		{"-2^63-1", NewInteger(big10("-9223372036854775809")), "b009ff7fffffffffffffff"},
		{"string", String("hi"), "b1026869"},
		{"bytes", ByteString("\x01\x02"), "b2020102"},
		{"symbol", Symbol("a"), "b30161"},
		{"record", NewRecord(Symbol("a"), Int(1)), "b4b30161b0010184"},
		{"sequence", Sequence{Bool(true)}, "b58184"},
		{"set", SetOf(Bool(true)), "b68184"},
		{"dictionary", DictionaryOf(Symbol("a"), Int(1)), "b7b30161b0010184"},
		{"embedded", Embedded{Ref: Symbol("a")}, "86b30161"},
		{"annotated", &Annotated{Annotations: []Value{Symbol("a"), Symbol("b")}, Value: Bool(false)}, "85b3016185b3016280"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := EncodeAnnotated(tc.v)
			require.NoError(t, err)
			assert.Equal(t, tc.hex, hex.EncodeToString(enc))
			d := NewDecoder(enc)
			d.KeepAnnotations = true
			got, err := d.Next()
			require.NoError(t, err)
			assert.True(t, Equal(tc.v, got), "decoded %s", Format(got))
			gotEnc, err := EncodeAnnotated(got)
			require.NoError(t, err)
			assert.Equal(t, tc.hex, hex.EncodeToString(gotEnc), "annotations survive a round trip")
		})
	}
}

func TestLongLengths(t *testing.T) {
	s := String(strings.Repeat("x", 300))
	enc, err := Encode(s)
	require.NoError(t, err)
	assert.Equal(t, "b1ac02", hex.EncodeToString(enc[:3]), "LEB128 length 300")
	got, err := Decode(enc)
	require.NoError(t, err)
	assert.Equal(t, s, got)
}

func TestDecodeErrors(t *testing.T) {
	deep := strings.Repeat("b5", 10001) + strings.Repeat("84", 10001)
	for _, tc := range []struct {
		name, hex string
		kind      ErrorKind
		msg       string
		offset    int
	}{
		{"empty", "", NoInput, "empty input", 0},
		{"unknown tag", "b8", SyntaxError, "unknown tag B8", 0},
		{"old small int tag", "91", SyntaxError, "unknown tag 91", 0},
		{"stray end", "84", SyntaxError, "unexpected end marker", 0},
		{"stray end in record label", "b484", SyntaxError, "record has no label", 0},
		{"duplicate key", "b7b30161b00101b30161b0010284", SyntaxError, "duplicate dictionary key a", 0},
		{"duplicate set element", "b6818184", SyntaxError, "duplicate set element #t", 0},
		{"odd dictionary", "b7b3016184", SyntaxError, "key without a value", 0},
		{"truncated sequence", "b581", InputEndedEarly, "inside a sequence", 2},
		{"truncated string", "b10568", InputEndedEarly, "claims 5 bytes but only 1 remain", 2},
		{"huge claim", "b18080803268", InputEndedEarly, "claims 104857600 bytes", 5},
		{"truncated length", "b180", InputEndedEarly, "length of a string", 1},
		{"truncated double", "870801", InputEndedEarly, "a double", 2},
		{"single float", "870400000000", SyntaxError, "only 8-byte doubles", 0},
		{"bad utf-8", "b101ff", SyntaxError, "not valid UTF-8", 0},
		{"annotation without value", "85b30161", InputEndedEarly, "a value", 4},
		{"trailing bytes", "8080", SyntaxError, "1 bytes after the value", 1},
		{"too deep", deep, SyntaxError, "deeper than 10000 levels", 10000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := hex.DecodeString(tc.hex)
			require.NoError(t, err)
			_, err = Decode(b)
			require.Error(t, err)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.kind, e.Kind, err.Error())
			assert.Contains(t, e.Msg, tc.msg)
			assert.Equal(t, tc.offset, e.Pos.Offset, err.Error())
		})
	}
}

func TestCanonical(t *testing.T) {
	a := DictionaryOf(Symbol("a"), Int(1), Symbol("b"), Int(2), String("zz"), SetOf(Int(3), String("x")))
	b := DictionaryOf(String("zz"), SetOf(String("x"), Int(3)), Symbol("b"), Int(2), Symbol("a"), Int(1))
	ea, err := EncodeCanonical(a)
	require.NoError(t, err)
	eb, err := EncodeCanonical(b)
	require.NoError(t, err)
	assert.Equal(t, ea, eb)
	// Canonical order is by encoded bytes: the 1-char string key sorts before
	// the 2-char one even where the Preserves order says otherwise.
	c := DictionaryOf(String("b"), Int(1), String("aa"), Int(2))
	ec, err := EncodeCanonical(c)
	require.NoError(t, err)
	assert.Equal(t, "b7b10162b00101b1026161b0010284", hex.EncodeToString(ec))
	ann, err := EncodeCanonical(&Annotated{Annotations: []Value{Int(1)}, Value: Bool(true)})
	require.NoError(t, err)
	assert.Equal(t, "81", hex.EncodeToString(ann), "canonical drops annotations")
}

func TestHostReferences(t *testing.T) {
	r1, r2 := &ref{1}, &ref{2}
	assert.True(t, Equal(Embedded{Ref: r1}, Embedded{Ref: r1}))
	assert.False(t, Equal(Embedded{Ref: r1}, Embedded{Ref: r2}))
	_, err := Encode(Embedded{Ref: r1})
	assert.ErrorContains(t, err, "cannot encode embedded host reference")
	m := map[string]int{Key(Embedded{Ref: r1}): 1}
	assert.Equal(t, 1, m[Key(Embedded{Ref: r1})])
	assert.Equal(t, "#:<ref 1>", Format(Embedded{Ref: r1}))
}

func TestBinaryRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 2000; i++ {
		v := sample.Random(r, 4, true)
		enc, err := EncodeAnnotated(v)
		require.NoError(t, err)
		d := NewDecoder(enc)
		d.KeepAnnotations = true
		got, err := d.Next()
		require.NoError(t, err, Format(v))
		require.True(t, Equal(v, got), "%s vs %s", Format(v), Format(got))
		again, err := EncodeAnnotated(got)
		require.NoError(t, err)
		require.Equal(t, enc, again, "annotated encoding is stable for %s", Format(v))
		c1, _ := EncodeCanonical(v)
		c2, _ := EncodeCanonical(got)
		require.Equal(t, c1, c2)
	}
}

func TestTextWriter(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		want string
	}{
		{Double(1), "1.0"},
		{Double(-0.0 * -1), "0.0"},
		{Double(math.Copysign(0, -1)), "-0.0"},
		{Double(1e300), "1e+300"},
		{Double(math.Inf(1)), `#xd"7ff0000000000000"`},
		{Symbol("hello"), "hello"},
		// Quoted symbols are written in the current Preserves text syntax,
		// '...', never the legacy |...| (issue 11 point 17).
		{Symbol("1"), "'1'"},
		{Symbol("-1.5"), "'-1.5'"},
		{Symbol("1e5"), "'1e5'"},
		{Symbol("+1.x"), "+1.x"},
		{Symbol("a b"), "'a b'"},
		{Symbol("a\tb"), `'a\tb'`},
		{Symbol(""), "''"},
		{Symbol("a|b"), `'a|b'`},
		{Symbol("it's"), `'it\'s'`},
		{Symbol("a;b"), `'a;b'`},
		{Symbol("f(x)"), `'f(x)'`},
		{Symbol(`a"b`), `'a"b'`},
		{Symbol(`a\b`), `'a\\b'`},
		{Symbol("#x"), `'#x'`},
		{Symbol("a:b"), `'a:b'`},
		{Symbol("héllo-wörld"), "héllo-wörld"},
		{String("a\"b\\c\nd\x01"), `"a\"b\\c\nd\u0001"`},
		{ByteString("hi\""), `#"hi\""`},
		{ByteString("\x00\x01\x02"), `#x"000102"`},
		{NewRecord(Symbol("r"), Int(1), Sequence{}), "<r 1 []>"},
		{SetOf(Int(2), Int(1)), "#{1 2}"},
		{DictionaryOf(Symbol("b"), Int(2), Symbol("a"), Int(1)), "{a: 1 b: 2}"},
		{Embedded{Ref: Symbol("x")}, "#:x"},
	} {
		assert.Equal(t, tc.want, Format(tc.v))
	}
	long := make(Sequence, 30)
	for i := range long {
		long[i] = String("item")
	}
	pretty := FormatPretty(NewRecord(Symbol("r"), DictionaryOf(Symbol("k"), long)))
	assert.True(t, strings.HasPrefix(pretty, "<r\n  {\n    k: [\n      \"item\"\n"), pretty)
	assert.True(t, strings.HasSuffix(pretty, "\n    ]\n  }\n>"), pretty)
}
