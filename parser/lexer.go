package parser

import (
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/synd-lang/synd/lang"
)

// Token types produced by the Preserves lexer. A token's Value holds its
// decoded payload: the text of a string or symbol after escapes, the bytes of
// a byte string, the 8 bytes of a `#xd"..."` double, a comment's text, or the
// raw text of a bare word (number or symbol).
const (
	TokEOF                         = lexer.EOF
	TokBare        lexer.TokenType = iota + 1 // a run of non-delimiters: a number or symbol
	TokString                                 // "..."
	TokQuotedSym                              // '...' (or the legacy |...|)
	TokBytes                                  // #"..." #x"..." #[...]
	TokHexDouble                              // #xd"..."
	TokBool                                   // #t #f (Value "t" or "f")
	TokOpenRecord                             // <
	TokCloseRecord                            // >
	TokOpenSeq                                // [
	TokCloseSeq                               // ]
	TokOpenDict                               // {
	TokOpenSet                                // #{
	TokCloseBrace                             // }
	TokColon                                  // :
	TokComma                                  // ,
	TokAt                                     // @
	TokEmbedded                               // #:
	TokComment                                // # ... (Value is the comment text)
	TokInterpreter                            // #!... (Value is the rest of the line)
)

var tokenNames = map[lexer.TokenType]string{
	TokEOF: "EOF", TokBare: "Bare", TokString: "String", TokQuotedSym: "QuotedSymbol",
	TokBytes: "ByteString", TokHexDouble: "HexDouble", TokBool: "Boolean",
	TokOpenRecord: "<", TokCloseRecord: ">", TokOpenSeq: "[", TokCloseSeq: "]",
	TokOpenDict: "{", TokOpenSet: "#{", TokCloseBrace: "}", TokColon: ":",
	TokComma: ",", TokAt: "@", TokEmbedded: "#:", TokComment: "Comment",
	TokInterpreter: "Interpreter",
}

// Lexer is the participle lexer definition of the Preserves text syntax. It
// is hand-written rather than built from regular expressions: the syntax is
// context-sensitive (strings, `#` forms, byte-string variants) and the
// reader must run at tens of megabytes a second.
var Lexer lexer.Definition = definition{}

type definition struct{}

// Symbols implements lexer.Definition.
func (definition) Symbols() map[string]lexer.TokenType {
	m := make(map[string]lexer.TokenType, len(tokenNames))
	for t, n := range tokenNames {
		m[n] = t
	}
	return m
}

// Lex implements lexer.Definition.
func (d definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return d.LexString(filename, string(b))
}

// LexString implements lexer.StringDefinition.
func (definition) LexString(filename, input string) (lexer.Lexer, error) {
	sc := newScanner(filename, input)
	return &sc, nil
}

// LexBytes implements lexer.BytesDefinition.
func (d definition) LexBytes(filename string, input []byte) (lexer.Lexer, error) {
	return d.LexString(filename, string(input))
}

// scanner produces tokens from a string. It implements lexer.Lexer; its errors
// are *lang.Error values.
type scanner struct {
	src       string
	file      string
	scratch   []byte // the bytes of the last #x"..." or #[...] token
	off       int
	line      int
	lineStart int // offset of the current line's start (negative when a stream window starts mid-line)
	// Where src starts in the whole input, for a stream read in windows:
	// its byte offset, and the line and line start of its first byte.
	baseOff, baseLine, baseLineStart int
}

func newScanner(file, src string) scanner {
	return scanner{src: src, file: file, line: 1, baseLine: 1}
}

// tpos is where a token starts; the file is the scanner's.
type tpos struct{ off, line, col int }

// token is the reader's token: a participle token without the copies of
// the file name and the larger header, which reading at speed cannot afford.
type token struct {
	typ lexer.TokenType
	val string
	pos tpos
	// scratch says val is a view of the scanner's scratch buffer, good only
	// until the next token.
	scratch bool
}

// set sets the token's fields one by one. (Assigning a token literal builds
// it on the stack and copies it in 16-byte blocks, each of which waits for
// the 8-byte stores that built it: no store-to-load forwarding.)
func (t *token) set(typ lexer.TokenType, val string, pos tpos, scratch bool) {
	t.typ, t.val, t.pos, t.scratch = typ, val, pos, scratch
}

func (s *scanner) pos(off int) tpos {
	return tpos{off: s.baseOff + off, line: s.line, col: off - s.lineStart + 1}
}

// Next implements lexer.Lexer.
func (s *scanner) Next() (lexer.Token, error) {
	var t token
	if err := s.scan(&t); err != nil {
		return lexer.Token{}, err
	}
	if t.scratch {
		t.val = strings.Clone(t.val)
	}
	return lexer.Token{Type: t.typ, Value: t.val, Pos: lexer.Position{Filename: s.file, Offset: t.pos.off, Line: t.pos.line, Column: t.pos.col}}, nil
}

func (s *scanner) errAt(kind lang.ErrorKind, off int, msg string) *lang.Error {
	// off may lie on a later line than the current one only within multi-line
	// tokens; recompute the line for it.
	line, ls := s.line, s.lineStart
	if off < s.lineStart {
		line, ls = s.baseLine, s.baseLineStart
		for i := 0; i < off; i++ {
			if s.src[i] == '\n' {
				line++
				ls = i + 1
			}
		}
	}
	for i := max(ls, 0); i < off && i < len(s.src); i++ {
		if s.src[i] == '\n' {
			line++
			ls = i + 1
		}
	}
	return &lang.Error{Kind: kind, Pos: lang.Position{File: s.file, Offset: s.baseOff + off, Line: line, Column: off - ls + 1}, Msg: msg}
}

// scan reads the next token.
func (s *scanner) scan(out *token) error {
	if s.off >= len(s.src) || s.src[s.off] <= ' ' || s.src[s.off] >= utf8.RuneSelf {
		s.skipSpace() // (no other byte can be a space)
	}
	start := s.off
	p := s.pos(start)
	if s.off >= len(s.src) {
		out.set(TokEOF, "", p, false)
		return nil
	}
	tok := func(t lexer.TokenType, n int, v string) error {
		s.off += n
		out.set(t, v, p, false)
		return nil
	}
	c := s.src[s.off]
	switch c {
	case '<':
		return tok(TokOpenRecord, 1, "<")
	case '>':
		return tok(TokCloseRecord, 1, ">")
	case '[':
		return tok(TokOpenSeq, 1, "[")
	case ']':
		return tok(TokCloseSeq, 1, "]")
	case '{':
		return tok(TokOpenDict, 1, "{")
	case '}':
		return tok(TokCloseBrace, 1, "}")
	case ':':
		return tok(TokColon, 1, ":")
	case ',':
		return tok(TokComma, 1, ",")
	case '@':
		return tok(TokAt, 1, "@")
	case '"':
		v, err := s.quoted('"', false)
		if err != nil {
			return err
		}
		out.set(TokString, v, p, false)
		return nil
	case '\'', '|':
		// '...' is the current quoted symbol syntax; |...| the legacy one.
		v, err := s.quoted(c, false)
		if err != nil {
			return err
		}
		out.set(TokQuotedSym, v, p, false)
		return nil
	case ';':
		return s.errAt(lang.SyntaxError, start, "';' is reserved syntax; a symbol holding it must be quoted, as in 'a;b'")
	case '#':
		return s.hash(p, out)
	}
bare:
	for s.off < len(s.src) {
		// The commonest: a run of ASCII bare characters, read with a
		// local index.
		i, src := s.off, s.src
		for i < len(src) && bareClass[src[i]] == bareChar {
			i++
		}
		s.off = i
		if i == len(src) {
			break
		}
		c := src[i]
		switch bareClass[c] {
		case bareEnd:
			break bare
		case bareBad:
			return s.errAt(lang.SyntaxError, s.off, bareQuoteMessage(c))
		}
		r, size := utf8.DecodeRuneInString(s.src[s.off:])
		if r == utf8.RuneError && size == 1 {
			return s.errAt(lang.SyntaxError, s.off, "invalid UTF-8")
		}
		if lang.IsDelimiter(r) {
			break
		}
		s.off += size
	}
	if s.off == start { // a non-ASCII delimiter, e.g. a Unicode space handled above
		return s.errAt(lang.SyntaxError, start, "unexpected character")
	}
	out.set(TokBare, s.src[start:s.off], p, false)
	return nil
}

// The classes of bytes in a bare word: most continue it; ASCII delimiters
// end it; a quote or semicolon is an error; bytes of multi-byte characters
// need decoding (a Unicode space is a delimiter).
const (
	bareChar = iota
	bareEnd
	bareBad
	bareMulti
)

var bareClass = func() (t [256]uint8) {
	for _, c := range "<>[]{}\"|@:,# \t\n\r\f\v" {
		t[c] = bareEnd
	}
	t['\''], t[';'] = bareBad, bareBad
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = bareMulti
	}
	return
}()

func (s *scanner) skipSpace() {
	for s.off < len(s.src) {
		i, src := s.off, s.src
		for i < len(src) && src[i] == ' ' { // the commonest, with a local index
			i++
		}
		if s.off = i; i == len(src) {
			return
		}
		switch src[i] {
		case ' ', '\t', '\r', '\f', '\v':
			s.off++
		case '\n':
			s.off++
			s.line++
			s.lineStart = s.off
		default:
			if s.src[s.off] >= utf8.RuneSelf {
				r, size := utf8.DecodeRuneInString(s.src[s.off:])
				if r != utf8.RuneError && lang.IsDelimiter(r) {
					s.off += size
					continue
				}
			}
			return
		}
	}
}

// restOfLine consumes up to (not including) the end of the line and returns
// the text, without a trailing carriage return.
func (s *scanner) restOfLine() string {
	start := s.off
	for s.off < len(s.src) && s.src[s.off] != '\n' {
		s.off++
	}
	return strings.TrimSuffix(s.src[start:s.off], "\r")
}

func (s *scanner) hash(p tpos, out *token) error {
	start := s.off
	rest := s.src[start+1:]
	if rest == "" {
		s.off++
		out.set(TokComment, "", p, false)
		return nil
	}
	switch c := rest[0]; c {
	case ' ', '\t':
		s.off += 2
		text := s.restOfLine()
		if !utf8.ValidString(text) {
			return s.errAt(lang.SyntaxError, start, "invalid UTF-8 in comment")
		}
		out.set(TokComment, text, p, false)
		return nil
	case '\n', '\r':
		s.off++
		out.set(TokComment, "", p, false)
		return nil
	case '!':
		s.off += 2
		text := s.restOfLine()
		if !utf8.ValidString(text) {
			return s.errAt(lang.SyntaxError, start, "invalid UTF-8 in #! line")
		}
		out.set(TokInterpreter, text, p, false)
		return nil
	case 't', 'f':
		s.off += 2
		if s.off < len(s.src) {
			r, _ := utf8.DecodeRuneInString(s.src[s.off:])
			if !lang.IsDelimiter(r) {
				return s.errAt(lang.SyntaxError, start, "#"+string(c)+" must be followed by a delimiter")
			}
		}
		val := "f"
		if c == 't' {
			val = "t"
		}
		out.set(TokBool, val, p, false)
		return nil
	case '{':
		s.off += 2
		out.set(TokOpenSet, "#{", p, false)
		return nil
	case ':':
		s.off += 2
		out.set(TokEmbedded, "#:", p, false)
		return nil
	case '"':
		s.off++
		v, err := s.quoted('"', true)
		if err != nil {
			return err
		}
		out.set(TokBytes, v, p, false)
		return nil
	case '[':
		v, err := s.base64()
		if err != nil {
			return err
		}
		out.set(TokBytes, v, p, true)
		return nil
	case 'x':
		if strings.HasPrefix(rest, `x"`) {
			s.off += 3
			v, err := s.hexBytes(start)
			if err != nil {
				return err
			}
			out.set(TokBytes, v, p, true)
			return nil
		}
		if strings.HasPrefix(rest, `xd"`) {
			s.off += 4
			v, err := s.hexBytes(start)
			if err != nil {
				return err
			}
			if len(v) != 8 {
				return s.errAt(lang.SyntaxError, start, `#xd"..." must hold exactly 16 hex digits`)
			}
			out.set(TokHexDouble, v, p, false)
			return nil
		}
		if len(rest) < 3 && strings.HasPrefix(`xd"`, rest) {
			s.off = len(s.src)
			return s.errAt(lang.InputEndedEarly, len(s.src), "input ended inside a #x form")
		}
	}
	return s.errAt(lang.SyntaxError, start, "unknown syntax after #")
}

// quoted reads a "...", '...' or |...| body starting at the opening quote (already
// at s.off) and returns its decoded content. bytes selects byte-string rules:
// ASCII only and \xHH escapes instead of \uXXXX.
func (s *scanner) quoted(q byte, bytes bool) (string, error) {
	open := s.off
	s.off++
	start := s.off
	// The commonest: a short text on one line without escapes, in one
	// pass (its bytes or'ed together say whether it is ASCII).
	src, i, ascii := s.src, start, byte(0)
	for end := min(len(src), start+64); i < end; i++ {
		c := src[i]
		if c == q || c == '\\' || c == '\n' {
			break
		}
		ascii |= c
	}
	if i < len(src) && src[i] == q && (ascii < utf8.RuneSelf || !bytes && utf8.ValidString(src[start:i])) {
		s.off = i + 1
		return src[start:i], nil
	}
	// Fast path: no escapes before the closing quote.
	if j := strings.IndexByte(s.src[start:], q); j >= 0 && strings.IndexByte(s.src[start:start+j], '\\') < 0 {
		i := start + j
		body := s.src[start:i]
		if bytes {
			for j := 0; j < len(body); j++ {
				if body[j] >= utf8.RuneSelf {
					return "", s.errAt(lang.SyntaxError, start+j, "byte strings in #\"...\" may hold only ASCII; use #x\"...\"")
				}
			}
		} else if !utf8.ValidString(body) {
			return "", s.errAt(lang.SyntaxError, open, "invalid UTF-8")
		}
		s.advanceLines(start, i)
		s.off = i + 1
		return body, nil
	}
	var b strings.Builder
	i = start
	for {
		if i >= len(s.src) {
			s.advanceLines(start, len(s.src))
			s.off = len(s.src)
			o := s.errAt(lang.SyntaxError, open, "")
			return "", s.errAt(lang.InputEndedEarly, len(s.src), fmt.Sprintf("input ended inside the quoted %s opened at %d:%d", quoteWhat(q, bytes), o.Pos.Line, o.Pos.Column))
		}
		c := s.src[i]
		switch {
		case c == q:
			s.advanceLines(start, i)
			s.off = i + 1
			return b.String(), nil
		case c == '\\':
			if i+1 >= len(s.src) {
				s.off = len(s.src)
				return "", s.errAt(lang.InputEndedEarly, len(s.src), "input ended inside an escape")
			}
			e := s.src[i+1]
			i += 2
			switch e {
			case '\\', '/', '"', '|', '\'':
				if (e == '"' || e == '|' || e == '\'') && e != q {
					return "", s.errAt(lang.SyntaxError, i-2, `invalid escape \`+string(e))
				}
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'x':
				if !bytes {
					return "", s.errAt(lang.SyntaxError, i-2, `\x escapes are only for byte strings; use \uXXXX`)
				}
				if i+2 > len(s.src) {
					s.off = len(s.src)
					return "", s.errAt(lang.InputEndedEarly, len(s.src), "input ended inside an escape")
				}
				n, err := strconv.ParseUint(s.src[i:i+2], 16, 8)
				if err != nil {
					return "", s.errAt(lang.SyntaxError, i-2, `\x must be followed by two hex digits`)
				}
				b.WriteByte(byte(n))
				i += 2
			case 'u':
				if bytes {
					return "", s.errAt(lang.SyntaxError, i-2, `\u escapes are not allowed in byte strings; use \xHH`)
				}
				r, n, err := s.unicodeEscape(i - 2)
				if err != nil {
					return "", err
				}
				b.WriteRune(r)
				i += n
			default:
				return "", s.errAt(lang.SyntaxError, i-2, `invalid escape \`+string(e))
			}
		default:
			if c >= utf8.RuneSelf {
				if bytes {
					return "", s.errAt(lang.SyntaxError, i, "byte strings in #\"...\" may hold only ASCII; use #x\"...\"")
				}
				r, size := utf8.DecodeRuneInString(s.src[i:])
				if r == utf8.RuneError && size == 1 {
					return "", s.errAt(lang.SyntaxError, i, "invalid UTF-8")
				}
				b.WriteString(s.src[i : i+size])
				i += size
				continue
			}
			b.WriteByte(c)
			i++
		}
	}
}

func quoteWhat(q byte, bytes bool) string {
	switch {
	case bytes:
		return "byte string"
	case q == '|' || q == '\'':
		return "symbol"
	}
	return "string"
}

// bareQuoteMessage explains why ' or ; ended a bare symbol in error.
func bareQuoteMessage(c byte) string {
	if c == '\'' {
		return `a quote (') cannot appear inside a bare symbol; quote the whole symbol, as in 'a\'b'`
	}
	return `';' cannot appear inside a bare symbol; quote the symbol, as in 'a;b'`
}

// unicodeEscape decodes \uXXXX at esc (pointing at the backslash), pairing
// surrogates. It returns the rune and how many bytes after "\u" it used.
func (s *scanner) unicodeEscape(esc int) (rune, int, error) {
	hex4 := func(at int) (rune, error) {
		if at+4 > len(s.src) {
			return 0, s.errAt(lang.InputEndedEarly, len(s.src), "input ended inside a \\u escape")
		}
		n, err := strconv.ParseUint(s.src[at:at+4], 16, 16)
		if err != nil {
			return 0, s.errAt(lang.SyntaxError, at-2, `\u must be followed by four hex digits`)
		}
		return rune(n), nil
	}
	r, err := hex4(esc + 2)
	if err != nil {
		return 0, 0, err
	}
	switch {
	case utf16.IsSurrogate(r) && r >= 0xDC00:
		return 0, 0, s.errAt(lang.SyntaxError, esc, "low surrogate without a high surrogate before it")
	case utf16.IsSurrogate(r):
		next := esc + 6
		if !strings.HasPrefix(s.src[next:], `\u`) {
			if rest := s.src[next:]; len(rest) < 2 && strings.HasPrefix(`\u`, rest) {
				return 0, 0, s.errAt(lang.InputEndedEarly, len(s.src), "input ended inside a surrogate pair")
			}
			return 0, 0, s.errAt(lang.SyntaxError, esc, "high surrogate not followed by a low surrogate")
		}
		r2, err := hex4(next + 2)
		if err != nil {
			return 0, 0, err
		}
		if r2 < 0xDC00 || r2 > 0xDFFF {
			return 0, 0, s.errAt(lang.SyntaxError, esc, "high surrogate not followed by a low surrogate")
		}
		return utf16.DecodeRune(r, r2), 10, nil
	}
	return r, 4, nil
}

// advanceLines keeps line counting right across a multi-line token body.
func (s *scanner) advanceLines(from, to int) {
	for {
		i := strings.IndexByte(s.src[from:to], '\n')
		if i < 0 {
			return
		}
		from += i + 1
		s.line++
		s.lineStart = from
	}
}

// hexBytes reads pairs of hex digits up to a closing quote; whitespace may
// stand between pairs. s.off is just after the opening quote.
func (s *scanner) hexBytes(tokStart int) (string, error) {
	out := s.scratch[:0]
	defer func() { s.scratch = out[:0] }()
	for {
		// The common case: pairs of digits, no spaces.
		for s.off+1 < len(s.src) {
			hi, lo := hexValue[s.src[s.off]], hexValue[s.src[s.off+1]]
			if hi|lo > 15 {
				break
			}
			out = append(out, hi<<4|lo)
			s.off += 2
		}
		s.skipSpace()
		if s.off >= len(s.src) {
			return "", s.errAt(lang.InputEndedEarly, s.off, "input ended inside a hex byte string")
		}
		if s.src[s.off] == '"' {
			s.off++
			if len(out) == 0 {
				return "", nil
			}
			return unsafe.String(&out[0], len(out)), nil // a view of s.scratch
		}
		if s.off+2 > len(s.src) {
			return "", s.errAt(lang.InputEndedEarly, len(s.src), "input ended inside a hex byte string")
		}
		hi, lo := hexValue[s.src[s.off]], hexValue[s.src[s.off+1]]
		if hi > 15 || lo > 15 {
			return "", s.errAt(lang.SyntaxError, s.off, "expected a pair of hex digits")
		}
		out = append(out, hi<<4|lo)
		s.off += 2
	}
}

// hexValue maps hex digits to their value, other bytes to 255.
var hexValue = func() (t [256]byte) {
	for c := range t {
		t[c] = unhex(byte(c))
	}
	return
}()

// unhex is the value of a hex digit, or 255.
func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 255
}

// base64 reads #[...] in the standard or URL alphabet, padding optional,
// whitespace allowed anywhere inside.
func (s *scanner) base64() (string, error) {
	start := s.off
	s.off += 2
	clean := s.scratch[:0]
	defer func() { s.scratch = clean[:0] }()
	for {
		if s.off >= len(s.src) {
			return "", s.errAt(lang.InputEndedEarly, s.off, "input ended inside #[...]")
		}
		c := s.src[s.off]
		switch {
		case c == ']':
			s.advanceLines(start, s.off)
			s.off++
			for len(clean) > 0 && clean[len(clean)-1] == '=' {
				clean = clean[:len(clean)-1]
			}
			if len(clean)%4 == 1 {
				return "", s.errAt(lang.SyntaxError, start, "base64 data has an impossible length")
			}
			// Decode into the scratch buffer, after the clean text: the
			// token is a view of it, good until the next token.
			n := len(clean)
			clean = slices.Grow(clean, base64.RawStdEncoding.DecodedLen(n))
			out := clean[n : n+base64.RawStdEncoding.DecodedLen(n)]
			m, err := base64.RawStdEncoding.Decode(out, clean[:n])
			if err != nil {
				return "", s.errAt(lang.SyntaxError, start, "invalid base64 data")
			}
			if m == 0 {
				return "", nil
			}
			return unsafe.String(&out[0], m), nil
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c == '-':
			clean = append(clean, '+')
		case c == '_':
			clean = append(clean, '/')
		case c == '=' || c == '+' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'):
			if c != '=' && len(clean) > 0 && clean[len(clean)-1] == '=' {
				return "", s.errAt(lang.SyntaxError, s.off, "base64 data after padding")
			}
			clean = append(clean, c)
		default:
			return "", s.errAt(lang.SyntaxError, s.off, "invalid character in base64 data")
		}
		s.off++
	}
}
