// Package format lays out Preserves text, and so synd's .pr scripts, in one
// canonical style, as gofmt does for Go.
//
// The formatter works on tokens, not values: every comment, annotation,
// escape and number is written exactly as it was spelt (bar trailing spaces
// on a comment line). What it changes is the space between tokens:
//
//   - the line structure is the author's: a token that began a line still
//     begins one, and tokens that shared a line still do;
//   - runs of blank lines become one blank line, and blank lines just inside
//     an opening or before a closing bracket are dropped;
//   - each line is indented two spaces per block it lies inside, where the
//     brackets opened on one line count as one block (so `<daemon x {` opens
//     one level, and its `}>` closes it);
//   - tokens on one line are separated by one space, with none just inside
//     brackets, before `:` and `,`, or after `@` and `#:`.
//
// Nothing is aligned, so a change to one line never moves another. Formatting
// is idempotent, and the result reads as the same values, annotations
// included; Source checks the second property before it returns.
package format

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/synd-lang/synd/parser"
)

// Indent is the text of one level of indentation.
const Indent = "  "

// token is one lexed token with its spelling in the source.
type token struct {
	typ lexer.TokenType
	val string // the lexer's decoded payload, for the self-check
	raw string // the source text of the token
	nl  int    // newlines in the space before the token
}

// Source formats the Preserves text src; file names it in errors. Text that
// does not read as a stream of values is an error (a *lang.Error with the
// position), and so nothing is formatted that could not be read back.
func Source(file string, src []byte) ([]byte, error) {
	if _, err := parser.ParseAll(file, src, parser.Options{Annotations: true}); err != nil {
		return nil, err
	}
	toks, err := lex(file, string(src))
	if err != nil {
		return nil, err
	}
	out := layout(toks)
	// The self-check: the output must be the same tokens, so the same values.
	again, err := lex(file, string(out))
	if err != nil {
		return nil, fmt.Errorf("%s: formatting produced text that does not lex (%v); please report this", file, err)
	}
	if !sameTokens(toks, again) {
		return nil, fmt.Errorf("%s: formatting would change the tokens; please report this", file)
	}
	return out, nil
}

// lex splits src into tokens, recording each one's spelling and the newlines
// before it.
func lex(file, src string) ([]token, error) {
	lx, err := parser.Lexer.(lexer.StringDefinition).LexString(file, src)
	if err != nil {
		return nil, err
	}
	toks := make([]token, 0, len(src)/8)
	offs := make([]int, 0, len(src)/8)
	for {
		t, err := lx.Next()
		if err != nil {
			return nil, err
		}
		if t.Type == lexer.EOF {
			break
		}
		toks = append(toks, token{typ: t.Type, val: t.Value})
		offs = append(offs, t.Pos.Offset)
	}
	prevEnd := 0
	for i := range toks {
		end := len(src)
		if i+1 < len(offs) {
			end = offs[i+1]
		}
		raw := strings.TrimRightFunc(src[offs[i]:end], unicode.IsSpace)
		toks[i].raw = raw
		toks[i].nl = strings.Count(src[prevEnd:offs[i]], "\n")
		prevEnd = offs[i] + len(raw)
	}
	return toks, nil
}

func isOpen(t lexer.TokenType) bool {
	return t == parser.TokOpenRecord || t == parser.TokOpenSeq || t == parser.TokOpenDict || t == parser.TokOpenSet
}

func isClose(t lexer.TokenType) bool {
	return t == parser.TokCloseRecord || t == parser.TokCloseSeq || t == parser.TokCloseBrace
}

func isLineToken(t lexer.TokenType) bool {
	return t == parser.TokComment || t == parser.TokInterpreter
}

// layout writes the tokens in the canonical style.
func layout(toks []token) []byte {
	var b bytes.Buffer
	b.Grow(len(toks) * 8)
	var stack []int // indentation level of the line each open bracket is on
	line := 0       // indentation level of the current line
	for i, t := range toks {
		if i > 0 {
			prev := toks[i-1]
			if t.nl > 0 || isLineToken(prev.typ) {
				b.WriteByte('\n')
				if t.nl > 1 && !isOpen(prev.typ) && !isClose(t.typ) {
					b.WriteByte('\n')
				}
				line = 0
				if len(stack) > 0 {
					line = stack[len(stack)-1] + 1
					if isClose(t.typ) {
						line--
					}
				}
				b.WriteString(strings.Repeat(Indent, line))
			} else if spaceBetween(prev.typ, t.typ) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(t.raw)
		switch {
		case isOpen(t.typ):
			stack = append(stack, line)
		case isClose(t.typ) && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
	}
	if len(toks) > 0 {
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// spaceBetween says whether two tokens on one line are separated by a space.
func spaceBetween(prev, next lexer.TokenType) bool {
	switch {
	case isLineToken(next):
		return true
	case isOpen(prev), prev == parser.TokAt, prev == parser.TokEmbedded:
		return false
	case isClose(next), next == parser.TokColon, next == parser.TokComma:
		return false
	}
	return true
}

// sameTokens compares two token streams by kind and decoded payload; a
// comment's trailing spaces do not count.
func sameTokens(a, b []token) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].typ != b[i].typ {
			return false
		}
		va, vb := a[i].val, b[i].val
		if isLineToken(a[i].typ) {
			va, vb = strings.TrimRightFunc(va, unicode.IsSpace), strings.TrimRightFunc(vb, unicode.IsSpace)
		}
		if va != vb {
			return false
		}
	}
	return true
}
