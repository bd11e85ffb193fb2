package stdlib

import (
	"fmt"
	"unicode/utf8"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// StartStringCheck runs a string-checking primitive on ds, from the active
// facet: while
//
//	<string-check VALUE MAX CHARSET>   CHARSET: ascii, extended-ascii or any
//
// is asserted, the primitive asserts
//
//	<string-checked VALUE MAX CHARSET ok>
//
// if VALUE is a string of at most MAX characters, each in CHARSET (ascii:
// code points up to 127; extended-ascii: up to 255, the 8-bit characters of
// Latin-1), or else
//
//	<string-checked VALUE MAX CHARSET <invalid REASON>>
//
// with REASON a string saying what is wrong. The language has no arithmetic;
// this lets a service class check a name's length and characters while the
// policy (which limit, which characters) stays in the class.
func StartStringCheck(t *eval.Turn, ds *eval.Ref) {
	t.During(ds, recPattern("string-check", capture, capture, capture), func(t *eval.Turn, caps []lang.Value) {
		result := lang.Value(lang.Symbol("ok"))
		if why := checkString(caps[0], caps[1], caps[2]); why != "" {
			result = rec("invalid", lang.String(why))
		}
		t.Assert(ds, rec("string-checked", caps[0], caps[1], caps[2], result))
	})
}

// checkString says what is wrong with v as a string of at most max
// characters of charset, or "" if nothing is.
func checkString(v, max, charset lang.Value) string {
	s, ok := lang.Unwrap(v).(lang.String)
	if !ok {
		return "not a string: " + lang.Format(v)
	}
	limit, ok := lang.Unwrap(max).(lang.Int)
	if !ok || limit < 0 {
		return "the limit is not a count of characters: " + lang.Format(max)
	}
	var top rune
	switch lang.Unwrap(charset) {
	case lang.Symbol("ascii"):
		top = 0x7f
	case lang.Symbol("extended-ascii"):
		top = 0xff
	case lang.Symbol("any"):
		top = utf8.MaxRune
	default:
		return "unknown character set " + lang.Format(charset) + " (ascii, extended-ascii or any)"
	}
	if n := utf8.RuneCountInString(string(s)); n > int(limit) {
		return fmt.Sprintf("%d characters, more than %d", n, limit)
	}
	i := 0
	for _, r := range string(s) {
		i++
		if r > top {
			return fmt.Sprintf("character %d, %q, is not %s", i, r, lang.Format(charset))
		}
	}
	return ""
}
