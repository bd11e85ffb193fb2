package lang

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TextWriter writes values in the Preserves text syntax. Its output reads
// back as the same value.
type TextWriter struct {
	// Indent, if non-empty, selects the pretty form: compounds that do not fit
	// in Width columns are broken over lines indented by Indent per level.
	Indent string
	// Width is the line width of the pretty form; 0 means 80.
	Width int
	// Annotations writes annotations (as `@ann value`); otherwise they are
	// left out.
	Annotations bool
}

// Format writes v in the compact one-line text form, without annotations.
func Format(v Value) string {
	return string((&TextWriter{}).Append(nil, v))
}

// FormatPretty writes v in the indented text form, without annotations.
func FormatPretty(v Value) string {
	return string((&TextWriter{Indent: "  "}).Append(nil, v))
}

// Append appends the text of v to dst.
func (w *TextWriter) Append(dst []byte, v Value) []byte {
	if w.Indent == "" {
		return w.compact(dst, v)
	}
	width := w.Width
	if width <= 0 {
		width = 80
	}
	return w.pretty(dst, v, 0, width)
}

func (w *TextWriter) compact(dst []byte, v Value) []byte {
	switch x := v.(type) {
	case *Annotated:
		if w.Annotations {
			for _, a := range x.Annotations {
				dst = append(dst, '@')
				dst = w.compact(dst, a)
				dst = append(dst, ' ')
			}
		}
		return w.compact(dst, x.Value)
	case *Record:
		dst = append(dst, '<')
		dst = w.compact(dst, x.Label)
		for _, f := range x.Fields {
			dst = append(dst, ' ')
			dst = w.compact(dst, f)
		}
		return append(dst, '>')
	case Sequence:
		return w.compactItems(append(dst, '['), x, ']')
	case *Set:
		return w.compactItems(append(dst, '#', '{'), x.elems, '}')
	case *Dictionary:
		dst = append(dst, '{')
		for i, e := range x.entries {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = w.compact(dst, e.Key)
			dst = append(dst, ':', ' ')
			dst = w.compact(dst, e.Value)
		}
		return append(dst, '}')
	case Embedded:
		dst = append(dst, '#', ':')
		return w.compact(dst, embeddedPayload(x))
	}
	return appendAtomText(dst, v)
}

func (w *TextWriter) compactItems(dst []byte, vs []Value, closer byte) []byte {
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = w.compact(dst, v)
	}
	return append(dst, closer)
}

// embeddedPayload is what the writers show after `#:`.
func embeddedPayload(x Embedded) Value {
	switch r := x.Ref.(type) {
	case Value:
		return r
	case Describer:
		return r.Describe()
	case Identity:
		return &Record{Label: Symbol("ref"), Fields: []Value{Int(int64(r.EmbeddedID()))}}
	}
	return Symbol("opaque")
}

func (w *TextWriter) pretty(dst []byte, v Value, level, width int) []byte {
	flat := w.compact(nil, v)
	if level*len(w.Indent)+len(flat) <= width || !isCompound(v) {
		return append(dst, flat...)
	}
	if a, ok := v.(*Annotated); ok {
		if w.Annotations {
			for _, ann := range a.Annotations {
				dst = append(dst, '@')
				dst = w.pretty(dst, ann, level, width)
				dst = w.newline(dst, level)
			}
		}
		return w.pretty(dst, a.Value, level, width)
	}
	switch x := v.(type) {
	case *Record:
		dst = append(dst, '<')
		dst = w.pretty(dst, x.Label, level+1, width)
		for _, f := range x.Fields {
			dst = w.newline(dst, level+1)
			dst = w.pretty(dst, f, level+1, width)
		}
		dst = w.newline(dst, level)
		return append(dst, '>')
	case Sequence:
		return w.prettyItems(append(dst, '['), x, ']', level, width)
	case *Set:
		return w.prettyItems(append(dst, '#', '{'), x.elems, '}', level, width)
	case *Dictionary:
		dst = append(dst, '{')
		for _, e := range x.entries {
			dst = w.newline(dst, level+1)
			dst = w.pretty(dst, e.Key, level+1, width)
			dst = append(dst, ':', ' ')
			dst = w.pretty(dst, e.Value, level+1, width)
		}
		dst = w.newline(dst, level)
		return append(dst, '}')
	case Embedded:
		dst = append(dst, '#', ':')
		return w.pretty(dst, embeddedPayload(x), level, width)
	}
	return append(dst, flat...)
}

func (w *TextWriter) prettyItems(dst []byte, vs []Value, closer byte, level, width int) []byte {
	for _, v := range vs {
		dst = w.newline(dst, level+1)
		dst = w.pretty(dst, v, level+1, width)
	}
	dst = w.newline(dst, level)
	return append(dst, closer)
}

func (w *TextWriter) newline(dst []byte, level int) []byte {
	dst = append(dst, '\n')
	for i := 0; i < level; i++ {
		dst = append(dst, w.Indent...)
	}
	return dst
}

func isCompound(v Value) bool {
	switch Unwrap(v).Kind() {
	case KindRecord, KindSequence, KindSet, KindDictionary, KindEmbedded:
		return true
	}
	return false
}

func appendAtomText(dst []byte, v Value) []byte {
	switch x := v.(type) {
	case Bool:
		if x {
			return append(dst, "#t"...)
		}
		return append(dst, "#f"...)
	case Double:
		return AppendDouble(dst, float64(x))
	case Int:
		return strconv.AppendInt(dst, int64(x), 10)
	case BigInt:
		return x.v.Append(dst, 10)
	case String:
		return appendQuoted(dst, string(x), '"')
	case ByteString:
		return appendByteString(dst, string(x))
	case Symbol:
		if IsBareSymbol(string(x)) {
			return append(dst, x...)
		}
		return appendQuoted(dst, string(x), '\'')
	}
	return append(dst, "#!<unknown value>"...)
}

// AppendDouble writes a double so that it reads back as the same double:
// a decimal with a fraction or exponent where one exists, `#xd"..."` for
// infinities and NaNs.
func AppendDouble(dst []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		dst = append(dst, `#xd"`...)
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], math.Float64bits(f))
		dst = hex.AppendEncode(dst, b[:])
		return append(dst, '"')
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
	if !strings.ContainsAny(string(dst[start:]), ".e") {
		dst = append(dst, '.', '0')
	}
	return dst
}

func appendQuoted(dst []byte, s string, quote byte) []byte {
	dst = append(dst, quote)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == quote || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\b':
				dst = append(dst, `\b`...)
			case c == '\f':
				dst = append(dst, `\f`...)
			case c == '\n':
				dst = append(dst, `\n`...)
			case c == '\r':
				dst = append(dst, `\r`...)
			case c == '\t':
				dst = append(dst, `\t`...)
			case c < 0x20 || c == 0x7f:
				dst = append(dst, `\u00`...)
				dst = append(dst, hexDigit(c>>4), hexDigit(c&15))
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, quote)
}

func appendByteString(dst []byte, s string) []byte {
	printable := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x20 && s[i] < 0x7f {
			printable++
		}
	}
	if len(s) > 0 && printable*4 < len(s)*3 {
		dst = append(dst, `#x"`...)
		dst = hex.AppendEncode(dst, []byte(s))
		return append(dst, '"')
	}
	dst = append(dst, '#', '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, `\n`...)
		case c == '\r':
			dst = append(dst, `\r`...)
		case c == '\t':
			dst = append(dst, `\t`...)
		case c >= 0x20 && c < 0x7f:
			dst = append(dst, c)
		default:
			dst = append(dst, '\\', 'x', hexDigit(c>>4), hexDigit(c&15))
		}
	}
	return append(dst, '"')
}

func hexDigit(n byte) byte { return "0123456789abcdef"[n&15] }

// IsDelimiter reports whether r ends a bare symbol or number in text.
func IsDelimiter(r rune) bool {
	switch r {
	case '<', '>', '[', ']', '{', '}', '"', '|', '@', ':', ',', '#', ' ', '\t', '\n', '\r', '\f', '\v':
		return true
	}
	return unicode.IsSpace(r)
}

// IsBareSymbol reports whether s can be written as a symbol without quotes
// (`'...'`): it is non-empty, has only printable non-delimiter characters, none
// of the characters the current Preserves text syntax reserves (`'` and `;`) or
// treats as delimiters in other readers (`(` and `)`, which preserves-py's
// reader ends a symbol at), no backslash, and does not read as a number.
func IsBareSymbol(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch r {
		case '\'', ';', '(', ')', '\\':
			return false
		}
		if IsDelimiter(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return !LooksNumeric(s)
}

// LooksNumeric reports whether a bare token reads as an integer or double:
// [+-]?digits, optionally followed by a fraction and/or exponent.
func LooksNumeric(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if !digits() {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}

// Text is the text of a string or symbol, and the Preserves text of any other
// value: what a log line or a file name should show.
func Text(v Value) string {
	switch x := Unwrap(v).(type) {
	case String:
		return string(x)
	case Symbol:
		return string(x)
	}
	return Format(v)
}
