package lsp

import (
	"errors"
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
	"go.lsp.dev/protocol"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// token is one lexed token of a document with its byte span.
type token struct {
	typ        lexer.TokenType
	val        string
	start, end int
}

// document is the text of one file as the server knows it, lexed. Lexing
// stops at the first bad token, so the tokens before a typing mistake are
// still there to work with.
type document struct {
	uri   protocol.DocumentURI
	path  string
	text  string
	toks  []token
	lines []int // byte offset of the start of each line
}

func newDocument(uri protocol.DocumentURI, path, text string) *document {
	d := &document{uri: uri, path: path, text: text, lines: []int{0}}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			d.lines = append(d.lines, i+1)
		}
	}
	d.toks = lexTokens(path, text)
	return d
}

// lexTokens lexes text up to its end or its first bad token.
func lexTokens(file, text string) []token {
	lx, err := parser.Lexer.(lexer.StringDefinition).LexString(file, text)
	if err != nil {
		return nil
	}
	var toks []token
	limit := len(text)
	for {
		t, err := lx.Next()
		if err != nil {
			var le *lang.Error
			if errors.As(err, &le) && le.Pos.Offset >= 0 && le.Pos.Offset <= len(text) {
				limit = le.Pos.Offset
			}
			break
		}
		if t.Type == lexer.EOF {
			break
		}
		toks = append(toks, token{typ: t.Type, val: t.Value, start: t.Pos.Offset})
	}
	for i := range toks {
		end := limit
		if i+1 < len(toks) {
			end = toks[i+1].start
		}
		if end < toks[i].start {
			end = toks[i].start
		}
		toks[i].end = toks[i].start + len(strings.TrimRightFunc(text[toks[i].start:end], unicode.IsSpace))
	}
	return toks
}

// offset converts an LSP position (UTF-16 columns) to a byte offset.
func (d *document) offset(p protocol.Position) int {
	line := int(p.Line)
	if line >= len(d.lines) {
		return len(d.text)
	}
	off := d.lines[line]
	for units := 0; off < len(d.text) && d.text[off] != '\n' && units < int(p.Character); {
		r, size := utf8.DecodeRuneInString(d.text[off:])
		units += utf16.RuneLen(r)
		if utf16.RuneLen(r) < 0 {
			units++
		}
		off += size
	}
	return off
}

// position converts a byte offset to an LSP position.
func (d *document) position(off int) protocol.Position {
	off = max(0, min(off, len(d.text)))
	line := sort.Search(len(d.lines), func(i int) bool { return d.lines[i] > off }) - 1
	units := 0
	for _, r := range d.text[d.lines[line]:off] {
		n := utf16.RuneLen(r)
		if n < 0 {
			n = 1
		}
		units += n
	}
	return protocol.Position{Line: uint32(line), Character: uint32(units)}
}

// span is the LSP range of bytes [from, to).
func (d *document) span(from, to int) protocol.Range {
	return protocol.Range{Start: d.position(from), End: d.position(to)}
}

// tokenAt is the index of the token under a cursor at off: the one that
// starts there or holds it, else the one that ends there; or -1.
func (d *document) tokenAt(off int) int {
	i := d.tokenEndingAt(off)
	if i+1 < len(d.toks) && d.toks[i+1].start == off {
		return i + 1
	}
	return i
}

// tokenEndingAt is the index of the token that holds or ends at off, or -1.
func (d *document) tokenEndingAt(off int) int {
	i := sort.Search(len(d.toks), func(i int) bool { return d.toks[i].end >= off })
	if i < len(d.toks) && d.toks[i].start <= off {
		return i
	}
	return -1
}

func isOpen(t lexer.TokenType) bool {
	return t == parser.TokOpenRecord || t == parser.TokOpenSeq || t == parser.TokOpenDict || t == parser.TokOpenSet
}

func isClose(t lexer.TokenType) bool {
	return t == parser.TokCloseRecord || t == parser.TokCloseSeq || t == parser.TokCloseBrace
}

// closing is the index of the token that closes the bracket opened at
// token i, or -1 if the text ends first.
func (d *document) closing(i int) int {
	depth := 0
	for j := i; j < len(d.toks); j++ {
		switch {
		case isOpen(d.toks[j].typ):
			depth++
		case isClose(d.toks[j].typ):
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// valueAt reads the value spelt by tokens i..j (inclusive), without
// annotations, or nil if it does not read.
func (d *document) valueAt(i, j int) lang.Value {
	v, err := parser.Parse(d.path, []byte(d.text[d.toks[i].start:d.toks[j].end]), parser.Options{})
	if err != nil {
		return nil
	}
	return v
}

// labelOf is the record label written just after the `<` at token i, or "".
func (d *document) labelOf(i int) string {
	if i+1 < len(d.toks) && d.toks[i].typ == parser.TokOpenRecord && d.toks[i+1].typ == parser.TokBare {
		return d.toks[i+1].val
	}
	return ""
}

// frame is a bracket open at some point of the text.
type frame struct {
	tok   int  // index of the opening token
	block bool // a `[...]` in instruction position: a block of the script
}

// binder is a `?name` in the text.
type binder struct {
	name  string
	tok   int
	block int // token index of the innermost enclosing block's `[`, or -1 for the file
}

// scope is what the text before an offset says about it: the brackets open
// there and the binders visible.
type scope struct {
	stack    []frame
	binders  []binder // every binder before the offset, in text order
	visible  []binder // those whose block is still open at the offset
	tokIndex int      // number of tokens before the offset
}

// binderName returns the name bound by a `?name` token, or "".
func binderName(t token) string {
	if t.typ != parser.TokBare || len(t.val) < 2 || t.val[0] != '?' {
		return ""
	}
	if t.val == "??" || t.val == "?-" {
		return ""
	}
	return t.val[1:]
}

// scopeAt works out the brackets open and the binders in scope at off.
// Blocks are the file and the `[...]` written as elements of a block; a
// binder anywhere inside an instruction of a block is visible for the rest
// of that block, nested blocks included.
func (d *document) scopeAt(off int) scope {
	var s scope
	blockOf := func() int {
		for k := len(s.stack) - 1; k >= 0; k-- {
			if s.stack[k].block {
				return s.stack[k].tok
			}
		}
		return -1
	}
	for i, t := range d.toks {
		if t.start >= off {
			break
		}
		s.tokIndex = i + 1
		switch {
		case isOpen(t.typ):
			block := t.typ == parser.TokOpenSeq && (len(s.stack) == 0 || s.stack[len(s.stack)-1].block)
			s.stack = append(s.stack, frame{tok: i, block: block})
		case isClose(t.typ):
			if len(s.stack) > 0 {
				s.stack = s.stack[:len(s.stack)-1]
			}
		default:
			if n := binderName(t); n != "" && t.end < off {
				s.binders = append(s.binders, binder{name: n, tok: i, block: blockOf()})
			}
		}
	}
	open := map[int]bool{-1: true}
	for _, f := range s.stack {
		if f.block {
			open[f.tok] = true
		}
	}
	for _, b := range s.binders {
		if open[b.block] {
			s.visible = append(s.visible, b)
		}
	}
	return s
}
