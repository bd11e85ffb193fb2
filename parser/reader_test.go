package parser_test

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/sample"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

func parse(t *testing.T, src string, opts parser.Options) (lang.Value, error) {
	t.Helper()
	return parser.Parse("test.pr", []byte(src), opts)
}

func TestSyntax(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      lang.Value
	}{
		{"true", "#t", lang.Bool(true)},
		{"false", "#f", lang.Bool(false)},
		{"integer", "42", lang.Int(42)},
		{"plus integer", "+42", lang.Int(42)},
		{"negative", "-7", lang.Int(-7)},
		{"leading zeros", "01", lang.Int(1)},
		{"big integer", "123456789012345678901234567890", lang.NewInteger(mustBig("123456789012345678901234567890"))},
		{"double", "1.0", lang.Double(1)},
		{"double exponent", "1e0", lang.Double(1)},
		{"double big exponent", "-1.202e300", lang.Double(-1.202e300)},
		{"plus zero", "+0.0", lang.Double(0)},
		{"minus zero", "-0.0", lang.Double(math.Copysign(0, -1))},
		{"hex double", `#xd"7ff0000000000000"`, lang.Double(math.Inf(1))},
		{"hex double spaced", `#xd"7f f0 00 00 00 00 00 00"`, lang.Double(math.Inf(1))},
		{"string", `"hello"`, lang.String("hello")},
		{"string escapes", `"\\ \/ \" \b \f \n \r \t \u0041"`, lang.String("\\ / \" \b \f \n \r \t A")},
		{"surrogate pair", `"\uD83D\uDE00"`, lang.String("😀")},
		{"utf-8 string", `"é€"`, lang.String("é€")},
		{"byte string", `#"abc"`, lang.ByteString("abc")},
		{"byte string escapes", `#"\x00\xff\n\""`, lang.ByteString("\x00\xff\n\"")},
		{"hex bytes", `#x"01 02ff"`, lang.ByteString("\x01\x02\xff")},
		{"base64", `#[AQID]`, lang.ByteString("\x01\x02\x03")},
		{"base64 padded", `#[AQI=]`, lang.ByteString("\x01\x02")},
		{"base64 url alphabet", `#[-_8=]`, lang.ByteString("\xfb\xff")},
		{"base64 standard alphabet", `#[+/8]`, lang.ByteString("\xfb\xff")},
		{"base64 whitespace", "#[ AQ\nID ]", lang.ByteString("\x01\x02\x03")},
		{"empty base64", `#[]`, lang.ByteString("")},
		{"symbol", "hello", lang.Symbol("hello")},
		{"symbol dash", "a-b", lang.Symbol("a-b")},
		{"symbol plus", "+", lang.Symbol("+")},
		{"symbol dots", "...", lang.Symbol("...")},
		{"symbol numeric-ish", "1-2-3", lang.Symbol("1-2-3")},
		{"symbol plus one x", "+1.x", lang.Symbol("+1.x")},
		{"symbol trailing dot", "1.", lang.Symbol("1.")},
		{"symbol unicode", "héllo", lang.Symbol("héllo")},
		// Quoted symbols: the current syntax '...' and the legacy |...|
		// (issue 11 point 17; preserves-py Parser.next reads "'" as a symbol).
		{"quoted symbol", `'hello world'`, lang.Symbol("hello world")},
		{"quoted symbol escapes", `'a\'b\u0041\\\/\n'`, lang.Symbol("a'bA\\/\n")},
		{"quoted symbol with others' quotes", `'a|b"c;d'`, lang.Symbol(`a|b"c;d`)},
		{"quoted empty symbol", `''`, lang.Symbol("")},
		{"quoted number-like symbol", `'1'`, lang.Symbol("1")},
		{"quoted symbol then bare", `['a b'c]`, lang.Sequence{lang.Symbol("a b"), lang.Symbol("c")}},
		{"legacy quoted symbol", `|hello world|`, lang.Symbol("hello world")},
		{"legacy quoted symbol escapes", `|a\|b\u0041|`, lang.Symbol("a|bA")},
		{"legacy quoted symbol with quote", `|it's|`, lang.Symbol("it's")},
		{"both syntaxes are one symbol", `{'a b': 1}`, lang.DictionaryOf(lang.Symbol("a b"), lang.Int(1))},
		{"record", "<a 1 2>", lang.NewRecord(lang.Symbol("a"), lang.Int(1), lang.Int(2))},
		{"record no fields", "<a>", lang.NewRecord(lang.Symbol("a"))},
		{"record compound label", "<[a] 1>", lang.NewRecord(lang.Sequence{lang.Symbol("a")}, lang.Int(1))},
		{"sequence", "[a b c]", lang.Sequence{lang.Symbol("a"), lang.Symbol("b"), lang.Symbol("c")}},
		{"sequence commas", "[1, 2]", lang.Sequence{lang.Int(1), lang.Int(2)}},
		{"sequence many commas", "[,, 1,, 2,,]", lang.Sequence{lang.Int(1), lang.Int(2)}},
		{"two falses", "[#f#f]", lang.Sequence{lang.Bool(false), lang.Bool(false)}},
		{"set", "#{a b}", lang.SetOf(lang.Symbol("a"), lang.Symbol("b"))},
		{"set commas", "#{a, b,}", lang.SetOf(lang.Symbol("a"), lang.Symbol("b"))},
		{"dictionary", "{k: v k2: v2}", lang.DictionaryOf(lang.Symbol("k"), lang.Symbol("v"), lang.Symbol("k2"), lang.Symbol("v2"))},
		{"dictionary tight", "{a:1,b:2}", lang.DictionaryOf(lang.Symbol("a"), lang.Int(1), lang.Symbol("b"), lang.Int(2))},
		{"dictionary spaced colon", "{a : 1}", lang.DictionaryOf(lang.Symbol("a"), lang.Int(1))},
		{"dictionary compound key", `{[1]: "x"}`, lang.DictionaryOf(lang.Sequence{lang.Int(1)}, lang.String("x"))},
		{"embedded", "#:a", lang.Embedded{Ref: lang.Symbol("a")}},
		{"embedded record", "#:<ref 1>", lang.Embedded{Ref: lang.NewRecord(lang.Symbol("ref"), lang.Int(1))}},
		{"annotation dropped", "@ann 1", lang.Int(1)},
		{"comment dropped", "# a comment\n1", lang.Int(1)},
		{"bare # comment", "#\n1", lang.Int(1)},
		{"trailing comment in sequence", "[1 # tail\n]", lang.Sequence{lang.Int(1)}},
		{"interpreter line", "#!/usr/bin/env synd\n1", lang.Int(1)},
		{"nested", `<a [1 {b: #{c}}] "d">`, lang.NewRecord(lang.Symbol("a"), lang.Sequence{lang.Int(1), lang.DictionaryOf(lang.Symbol("b"), lang.SetOf(lang.Symbol("c")))}, lang.String("d"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse(t, tc.src, parser.Options{})
			require.NoError(t, err)
			assert.True(t, lang.Equal(tc.want, got), "got %s, want %s", lang.Format(got), lang.Format(tc.want))
			if d, ok := tc.want.(lang.Double); ok {
				assert.Equal(t, math.Float64bits(float64(d)), math.Float64bits(float64(got.(lang.Double))))
			}
		})
	}
}

func TestAnnotationsKept(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		anns      []lang.Value
	}{
		{"at", "@ann 1", []lang.Value{lang.Symbol("ann")}},
		{"stacked", "@a @b 1", []lang.Value{lang.Symbol("a"), lang.Symbol("b")}},
		{"compound annotation", `@<note "x"> 1`, []lang.Value{lang.NewRecord(lang.Symbol("note"), lang.String("x"))}},
		{"comment", "# hello there\n1", []lang.Value{lang.String("hello there")}},
		{"comment with tab", "#\thello\n1", []lang.Value{lang.String("hello")}},
		{"empty comment", "#\n1", []lang.Value{lang.String("")}},
		{"interpreter", "#!/bin/synd run\n1", []lang.Value{lang.NewRecord(lang.Symbol("interpreter"), lang.String("/bin/synd run"))}},
		{"comment then at", "# c\n@a 1", []lang.Value{lang.String("c"), lang.Symbol("a")}},
		{"crlf comment", "# c\r\n1", []lang.Value{lang.String("c")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse(t, tc.src, parser.Options{Annotations: true})
			require.NoError(t, err)
			anns, _ := lang.AnnotationsOf(got)
			assert.Equal(t, len(tc.anns), len(anns))
			for i := range tc.anns {
				assert.True(t, lang.Equal(tc.anns[i], anns[i]), "annotation %d: %s", i, lang.Format(anns[i]))
			}
			assert.True(t, lang.Equal(lang.Int(1), got))
		})
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		kind      lang.ErrorKind
		pos       string // line:col
		msg       string
	}{
		{"empty", "", lang.NoInput, "1:1", "no value"},
		{"only whitespace", "  \n ", lang.NoInput, "1:1", "no value"},
		{"only comments", "# just a comment\n", lang.NoInput, "1:1", "no value"},
		{"open sequence", "[1 2", lang.InputEndedEarly, "1:5", "inside the sequence opened at 1:1"},
		{"open record", "<a", lang.InputEndedEarly, "1:3", "inside the record"},
		{"open dictionary", "{a: 1", lang.InputEndedEarly, "1:6", "inside the dictionary"},
		{"open set", "#{", lang.InputEndedEarly, "1:3", "inside the set"},
		{"open string", `"abc`, lang.InputEndedEarly, "1:5", "inside the quoted string opened at 1:1"},
		{"open symbol", `'abc`, lang.InputEndedEarly, "1:5", "inside the quoted symbol opened at 1:1"},
		{"open legacy symbol", `|abc`, lang.InputEndedEarly, "1:5", "inside the quoted symbol opened at 1:1"},
		{"quote in bare symbol", `<say it's>`, lang.SyntaxError, "1:8", "cannot appear inside a bare symbol"},
		{"quote ending bare symbol", `abc'`, lang.SyntaxError, "1:4", "quote the whole symbol"},
		{"semicolon in bare symbol", "[\n  a;b]", lang.SyntaxError, "2:4", "';' cannot appear inside a bare symbol"},
		{"semicolon after number", "12;", lang.SyntaxError, "1:3", "';' cannot appear"},
		{"leading semicolon", "; comment?", lang.SyntaxError, "1:1", "';' is reserved syntax"},
		{"string escape in symbol", `'a\"b'`, lang.SyntaxError, "1:3", `invalid escape \"`},
		{"legacy escape in new symbol", `'a\|b'`, lang.SyntaxError, "1:3", `invalid escape \|`},
		{"new escape in legacy symbol", `|a\'b|`, lang.SyntaxError, "1:3", `invalid escape \'`},
		{"symbol quote escape in string", `"a\'b"`, lang.SyntaxError, "1:3", `invalid escape \'`},
		{"open bytes", `#"abc`, lang.InputEndedEarly, "1:6", "inside the quoted byte string opened at 1:2"},
		{"open hex", `#x"ab`, lang.InputEndedEarly, "1:6", "hex byte string"},
		{"open base64", `#[AQ`, lang.InputEndedEarly, "1:5", "inside #[...]"},
		{"dangling annotation", "@a", lang.InputEndedEarly, "1:3", "expected the annotated value"},
		{"dangling embedded", "#:", lang.InputEndedEarly, "1:3", "where a value was expected"},
		{"key without colon at end", "{a", lang.InputEndedEarly, "1:3", "expected ':'"},
		{"key colon at end", "{a:", lang.InputEndedEarly, "1:4", "expected the dictionary value"},
		{"escape at end", `"ab\`, lang.InputEndedEarly, "1:5", "inside an escape"},
		{"#ffoo", "[#ffoo]", lang.SyntaxError, "1:2", "#f must be followed by a delimiter"},
		{"#tx", "#tx", lang.SyntaxError, "1:1", "#t must be followed by a delimiter"},
		{"unknown hash", "#q", lang.SyntaxError, "1:1", "unknown syntax after #"},
		{"lone high surrogate", `"\uD83D"`, lang.SyntaxError, "1:2", "high surrogate not followed by a low surrogate"},
		{"lone low surrogate", `"\uDE00"`, lang.SyntaxError, "1:2", "low surrogate without a high surrogate"},
		{"swapped surrogates", `"\uDE00\uD83D"`, lang.SyntaxError, "1:2", "low surrogate without a high"},
		{"high then ascii", `"\uD83Dx"`, lang.SyntaxError, "1:2", "high surrogate not followed"},
		{"bad escape", `"\q"`, lang.SyntaxError, "1:2", `invalid escape \q`},
		{"\\x in string", `"\x41"`, lang.SyntaxError, "1:2", `\x escapes are only for byte strings`},
		{"\\u in bytes", `#"\u0041"`, lang.SyntaxError, "1:3", `\u escapes are not allowed`},
		{"non-ascii bytes", `#"é"`, lang.SyntaxError, "1:3", "only ASCII"},
		{"odd hex", `#x"abc"`, lang.SyntaxError, "1:6", "pair of hex digits"},
		{"hex with comma", `#x"ab,cd"`, lang.SyntaxError, "1:6", "pair of hex digits"},
		{"hex split pair", `#x"a b"`, lang.SyntaxError, "1:4", "pair of hex digits"},
		{"short hex double", `#xd"7ff0"`, lang.SyntaxError, "1:1", "exactly 16 hex digits"},
		{"bad base64", `#[A*]`, lang.SyntaxError, "1:4", "invalid character in base64"},
		{"base64 bad length", `#[A]`, lang.SyntaxError, "1:1", "impossible length"},
		{"comma in record", "<a, b>", lang.SyntaxError, "1:3", "commas are not allowed in records"},
		{"comma before colon", "{a, : 1}", lang.SyntaxError, "1:3", "between a dictionary key and its ':'"},
		{"comma after colon", "{a:, 1}", lang.SyntaxError, "1:4", "between ':' and the dictionary value"},
		{"comma after at", "@, a 1", lang.SyntaxError, "1:2", "a comma may not follow @"},
		{"comma after annotation", "@a, 1", lang.SyntaxError, "1:3", "between an annotation and its value"},
		{"empty record", "<>", lang.SyntaxError, "1:1", "a record needs a label"},
		{"duplicate key", "{a: 1 b: 2 a: 3}", lang.SyntaxError, "1:12", "duplicate dictionary key a"},
		{"duplicate set element", "#{1 2 1}", lang.SyntaxError, "1:1", "duplicate set element 1"},
		{"stray close", "]", lang.SyntaxError, "1:1", "unexpected ']'"},
		{"mismatched close", "[1}", lang.SyntaxError, "1:3", "unexpected '}' inside the sequence"},
		{"stray colon", "[a : b]", lang.SyntaxError, "1:4", "unexpected ':'"},
		{"two values", "1 2", lang.SyntaxError, "1:3", "after the value"},
		{"annotation before close", "[@a]", lang.SyntaxError, "1:4", "annotation without a value"},
		{"big double", "1e999", lang.SyntaxError, "1:1", "out of range"},
		{"error on line 3", "[\n  1\n  \"\\q\"]", lang.SyntaxError, "3:4", "invalid escape"},
		{"too deep", strings.Repeat("[", 10001) + strings.Repeat("]", 10001), lang.SyntaxError, "1:10001", "deeper than 10000 levels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.src, parser.Options{})
			require.Error(t, err)
			var e *lang.Error
			require.True(t, errors.As(err, &e), "%T %v", err, err)
			assert.Equal(t, tc.kind, e.Kind, err.Error())
			assert.Equal(t, "test.pr:"+tc.pos, e.Pos.String(), err.Error())
			assert.Contains(t, e.Msg, tc.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "test.pr:"+tc.pos+": "), err.Error())
		})
	}
	// errors.Is works with the sentinels.
	_, err := parse(t, "[", parser.Options{})
	assert.ErrorIs(t, err, lang.ErrInputEndedEarly)
	assert.NotErrorIs(t, err, lang.ErrSyntax)
}

func TestPositions(t *testing.T) {
	src := "# header\n<service\n  [a, \"b\"]\n  {k: @note v}>\n"
	v, err := parse(t, src, parser.Options{Positions: true, Annotations: true})
	require.NoError(t, err)
	at := func(v lang.Value) string { return lang.PositionOf(v).String() }
	assert.Equal(t, "test.pr:2:1", at(v))
	rec := lang.Unwrap(v).(*lang.Record)
	assert.Equal(t, "test.pr:2:2", at(rec.Label))
	seq := lang.Unwrap(rec.Fields[0]).(lang.Sequence)
	assert.Equal(t, "test.pr:3:3", at(rec.Fields[0]))
	assert.Equal(t, "test.pr:3:4", at(seq[0]))
	assert.Equal(t, "test.pr:3:7", at(seq[1]))
	dict := lang.Unwrap(rec.Fields[1]).(*lang.Dictionary)
	e := dict.Entries()[0]
	assert.Equal(t, "test.pr:4:4", at(e.Key))
	assert.Equal(t, "test.pr:4:7", at(e.Value), "an annotated value starts at its first annotation")
	anns, _ := lang.AnnotationsOf(v)
	require.Len(t, anns, 1)
	assert.Equal(t, lang.String("header"), anns[0])
	got, ok := dict.Get(lang.Symbol("k"))
	require.True(t, ok)
	assert.Equal(t, lang.Symbol("v"), lang.Unwrap(got))
}

func TestStream(t *testing.T) {
	vs, err := parser.ParseAll("s", []byte("1 [2] # trailing\n"), parser.Options{})
	require.NoError(t, err)
	assert.Len(t, vs, 2)
	r := parser.NewReader("s", []byte("1 [2"), parser.Options{})
	v, err := r.Next()
	require.NoError(t, err)
	assert.Equal(t, lang.Int(1), v)
	_, err = r.Next()
	assert.ErrorIs(t, err, lang.ErrInputEndedEarly)
}

func TestTextRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 3000; i++ {
		v := sample.Random(r, 4, true)
		for _, w := range []*lang.TextWriter{{Annotations: true}, {Annotations: true, Indent: "  ", Width: 20}} {
			text := w.Append(nil, v)
			got, err := parser.Parse("rt", text, parser.Options{Annotations: true})
			require.NoError(t, err, "%s", text)
			require.True(t, lang.Equal(v, got), "%s read back as %s", text, lang.Format(got))
			again := w.Append(nil, got)
			require.Equal(t, string(text), string(again), "text is stable, annotations kept")
		}
	}
}

func mustBig(s string) *big.Int {
	n, _ := new(big.Int).SetString(s, 10)
	return n
}

// TestSymbolRoundTrip writes symbols made of the characters that need care
// (quotes, ';', '|', delimiters, escapes, digits) and reads them back: the
// writer quotes every symbol that would not read back bare, always in the
// current '...' form, and never writes a bare symbol the reader would refuse
// or read differently (issue 11 point 17).
func TestSymbolRoundTrip(t *testing.T) {
	alphabet := []string{"a", "Z", "1", "0", ".", "e", "+", "-", "'", ";", "|", " ", "\t", "\n", "\\", "/", `"`,
		"#", "@", ":", ",", "<", "]", "{", "(", ")", "é", "€", "\u00a0", "\x00", "?", "$", "=", "_"}
	r := rand.New(rand.NewPCG(5, 6))
	check := func(sym string) {
		text := lang.Format(lang.Symbol(sym))
		got, err := parse(t, string(text), parser.Options{})
		require.NoError(t, err, "symbol %q written as %s", sym, text)
		require.Equal(t, lang.Symbol(sym), got, "symbol %q written as %s", sym, text)
		if text[0] == '\'' {
			assert.False(t, lang.IsBareSymbol(sym), "%q was quoted though it may be bare", sym)
		} else {
			assert.True(t, lang.IsBareSymbol(sym))
			assert.NotContains(t, text, "'")
			assert.NotContains(t, text, ";")
			assert.NotContains(t, text, "|")
		}
		assert.NotEqual(t, byte('|'), text[0], "the legacy form is never written")
		// In a sequence with neighbours, the symbol still reads back alone.
		seq := lang.Sequence{lang.Symbol(sym), lang.Int(1), lang.Symbol(sym)}
		got, err = parse(t, lang.Format(seq), parser.Options{})
		require.NoError(t, err, "%s", lang.Format(seq))
		require.True(t, lang.Equal(seq, got), "%s read back as %s", lang.Format(seq), lang.Format(got))
	}
	for _, s := range []string{"", "1", "-1", "+1", "1.5", "1e9", "-0.0", "1.", "+", "-", "...", "it's", "a;b", "a|b", "'", ";", "|"} {
		check(s)
	}
	for i := 0; i < 5000; i++ {
		var b strings.Builder
		for n := r.IntN(6); n >= 0; n-- {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		check(b.String())
	}
}

// TestReaderDoesNotAliasInput: NewReader reads a []byte through a view of
// it, so every text a value keeps must be its own copy; the caller (the
// relay, the REPL) reuses its buffer at once.
func TestReaderDoesNotAliasInput(t *testing.T) {
	src := `<rec "a long string that is not cached by the builder at all" sym 'quoted sym' #"bytes" #x"0102" # note
 @ann |legacy| "short" 12345678901234567890123 1.5>`
	buf := []byte(src)
	v, err := parser.Parse("alias", buf, parser.Options{Annotations: true, Positions: true})
	require.NoError(t, err)
	before := (&lang.TextWriter{Annotations: true}).Append(nil, v)
	for i := range buf {
		buf[i] = 'X'
	}
	after := (&lang.TextWriter{Annotations: true}).Append(nil, v)
	assert.Equal(t, string(before), string(after))
	want, err := parser.Parse("alias", []byte(src), parser.Options{Annotations: true})
	require.NoError(t, err)
	assert.True(t, lang.Equal(want, v))
}
