// Package parser reads the Preserves text syntax (Reader) and compiles
// script values into instructions (see the compiler files).
package parser

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/synd-lang/synd/lang"
)

// Options select what the reader keeps.
type Options struct {
	// Annotations keeps annotations, comments included, as *lang.Annotated
	// wrappers. Without it they are checked and dropped.
	Annotations bool
	// Positions wraps every value in a *lang.Annotated carrying the position
	// of its first character (and its annotations, if those are kept).
	Positions bool
	// MaxDepth limits nesting; 0 means lang.DefaultMaxDepth.
	MaxDepth int
}

// Reader reads a stream of values from Preserves text.
type Reader struct {
	opts  Options
	sc    scanner
	tok   token
	err   error
	ahead bool
	depth int
	build lang.Builder
	keys  []keyAt // keys of the dictionaries being read, for duplicate errors
	// copyText is set when the source is a view of a caller's buffer: text
	// kept in values must then be copied.
	copyText bool
}

// text returns the text of a token (a view of the source, or a string of
// its own) as a string, symbol or byte string value.
func (r *Reader) text(k lang.Kind, s string) lang.Value {
	switch {
	case r.copyText && k == lang.KindSymbol:
		return r.build.CopySymbol(s)
	case r.copyText && k == lang.KindString:
		return r.build.CopyString(s)
	case r.copyText:
		return r.build.CopyByteString(s)
	case k == lang.KindSymbol:
		return r.build.Symbol(s)
	case k == lang.KindString:
		return r.build.String(s)
	}
	return r.build.ByteString(s)
}

// keep returns s as a string the reader's values may hold.
func (r *Reader) keep(s string) string {
	if r.copyText {
		return strings.Clone(s)
	}
	return s
}

// keyAt is a dictionary key being read and where it starts. The key is
// held as its two words, which the collector does not see (no write
// barriers to append it): the builder's arena keeps it until the
// dictionary is built.
type keyAt struct {
	key [2]uintptr
	pos tpos
}

func (k *keyAt) value() lang.Value { return *(*lang.Value)(unsafe.Pointer(&k.key)) }

// NewReader returns a reader for src; file names it in positions and errors.
// src must not change while the reader reads it; the values read share no
// memory with it, so the caller may reuse it afterwards.
func NewReader(file string, src []byte, opts Options) *Reader {
	if len(src) == 0 {
		return NewStringReader(file, "", opts)
	}
	// Read through a view of src, copying only the text values keep (and
	// not even that for recent strings and symbols that repeat).
	r := NewStringReader(file, unsafe.String(&src[0], len(src)), opts)
	r.copyText = true
	return r
}

// NewStringReader is NewReader for text held in a string.
func NewStringReader(file, src string, opts Options) *Reader {
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = lang.DefaultMaxDepth
	}
	r := &Reader{opts: opts, sc: newScanner(file, src)}
	r.build.SizeHint(len(src))
	return r
}

// readers are reused by Parse and ParseAll, so that reading a small text
// allocates in proportion to it rather than a reader's worth of buffers
// and caches.
var readers = sync.Pool{New: func() any { return new(Reader) }}

// getReader is NewReader from the pool; give the reader back with putReader
// once done with it.
func getReader(file string, src []byte, opts Options) *Reader {
	r := readers.Get().(*Reader)
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = lang.DefaultMaxDepth
	}
	scratch := r.sc.scratch
	r.opts, r.sc = opts, newScanner(file, "")
	r.sc.scratch = scratch
	if len(src) > 0 {
		r.sc.src = unsafe.String(&src[0], len(src))
		r.copyText = true
	}
	r.build.SizeHint(len(src))
	return r
}

// putReader returns r to the pool, holding on to nothing it read: values
// read keep what they use.
func putReader(r *Reader) {
	clear(r.keys[:cap(r.keys)])
	r.build.Reset()
	r.opts, r.sc.src, r.sc.file = Options{}, "", ""
	r.tok, r.err, r.ahead, r.depth, r.keys, r.copyText = token{}, nil, false, 0, r.keys[:0], false
	readers.Put(r)
}

// Parse reads exactly one value from src. Empty input (or only comments) is an
// error of kind lang.NoInput; more than one value is a syntax error.
func Parse(file string, src []byte, opts Options) (lang.Value, error) {
	r := getReader(file, src, opts)
	defer putReader(r)
	r.build.OneValue()
	v, err := r.Next()
	if err == io.EOF {
		return nil, &lang.Error{Kind: lang.NoInput, Pos: lang.Position{File: file, Line: 1, Column: 1}, Msg: "no value in input"}
	}
	if err != nil {
		return nil, err
	}
	if t := r.peekSkippingComments(); t.typ != TokEOF {
		if r.err != nil {
			return nil, r.err
		}
		return nil, r.errorAt(lang.SyntaxError, t.pos, "unexpected %s after the value", describe(t))
	}
	return v, nil
}

// ParseAll reads every value in src.
func ParseAll(file string, src []byte, opts Options) ([]lang.Value, error) {
	r := getReader(file, src, opts)
	defer putReader(r)
	var vs []lang.Value
	for {
		v, err := r.Next()
		if err == io.EOF {
			return vs, nil
		}
		if err != nil {
			return vs, err
		}
		vs = append(vs, v)
	}
}

// Next reads the next value. At the end of input (only whitespace and
// comments left) it returns io.EOF; otherwise errors are *lang.Error.
func (r *Reader) Next() (lang.Value, error) {
	if r.err != nil {
		return nil, r.err
	}
	anns := r.leadingComments()
	t := r.peek()
	if r.err != nil {
		return nil, r.err
	}
	if t.typ == TokEOF {
		return nil, io.EOF
	}
	v, err := r.value(anns)
	if err != nil {
		r.err = err
		return nil, err
	}
	return v, nil
}

// Offset is the byte offset just after the last token consumed.
func (r *Reader) Offset() int { return r.sc.off }

// peek returns the next token without consuming it. The token is the
// reader's own: it is good until the next token is scanned, so callers copy
// what they keep beyond that.
func (r *Reader) peek() *token {
	if !r.ahead {
		r.scanNext()
	}
	return &r.tok
}

// scanNext is peek's slow path, apart so that peek inlines.
func (r *Reader) scanNext() {
	r.err = r.sc.scan(&r.tok)
	if r.err != nil {
		r.tok.set(TokEOF, "", r.sc.pos(r.sc.off), false)
	}
	r.ahead = true
}

// next consumes the next token; see peek for how long it is good.
func (r *Reader) next() *token {
	t := r.peek()
	r.ahead = false
	return t
}

// leadingComments consumes comment and #! tokens, returning them as
// annotations (or nil when annotations are not kept).
func (r *Reader) leadingComments() []lang.Value {
	if t := r.peek(); t.typ != TokComment && t.typ != TokInterpreter {
		return nil // the common case, inlined
	}
	return r.comments()
}

func (r *Reader) comments() []lang.Value {
	var anns []lang.Value
	for {
		t := r.peek()
		switch t.typ {
		case TokComment:
			r.next()
			if r.opts.Annotations {
				anns = append(anns, lang.String(r.keep(t.val)))
			}
		case TokInterpreter:
			r.next()
			if r.opts.Annotations {
				anns = append(anns, lang.NewRecord(lang.Symbol("interpreter"), lang.String(r.keep(t.val))))
			}
		default:
			return anns
		}
	}
}

func (r *Reader) peekSkippingComments() *token {
	r.leadingComments()
	return r.peek()
}

func (r *Reader) errorAt(kind lang.ErrorKind, p tpos, format string, args ...any) *lang.Error {
	return &lang.Error{Kind: kind, Pos: r.toPos(p), Msg: fmt.Sprintf(format, args...)}
}

func (r *Reader) toPos(p tpos) lang.Position {
	return lang.Position{File: r.sc.file, Offset: p.off, Line: p.line, Column: p.col}
}

func describe(t *token) string {
	switch t.typ {
	case TokEOF:
		return "end of input"
	case TokBare:
		return strconv.Quote(t.val)
	case TokString:
		return "string"
	case TokQuotedSym:
		return "symbol"
	case TokBytes:
		return "byte string"
	case TokBool:
		return "#" + t.val
	}
	return "'" + tokenNames[t.typ] + "'"
}

// value reads one value whose leading comments (as annotations) are anns.
func (r *Reader) value(anns []lang.Value) (lang.Value, error) {
	t := r.next()
	if r.err != nil {
		return nil, r.err
	}
	start := t.pos
	for t.typ == TokAt || t.typ == TokComment || t.typ == TokInterpreter {
		switch t.typ {
		case TokAt:
			if n := r.peek(); n.typ == TokComma {
				return nil, r.errorAt(lang.SyntaxError, n.pos, "a comma may not follow @")
			}
			a, err := r.nested(nil)
			if err != nil {
				return nil, err
			}
			if r.opts.Annotations {
				anns = append(anns, a)
			}
		case TokComment:
			if r.opts.Annotations {
				anns = append(anns, lang.String(r.keep(t.val)))
			}
		case TokInterpreter:
			if r.opts.Annotations {
				anns = append(anns, lang.NewRecord(lang.Symbol("interpreter"), lang.String(r.keep(t.val))))
			}
		}
		t = r.next()
		if r.err != nil {
			return nil, r.err
		}
		switch t.typ {
		case TokComma:
			return nil, r.errorAt(lang.SyntaxError, t.pos, "a comma may not stand between an annotation and its value")
		case TokEOF:
			return nil, r.errorAt(lang.InputEndedEarly, t.pos, "input ended after an annotation; expected the annotated value")
		case TokCloseRecord, TokCloseSeq, TokCloseBrace, TokColon:
			return nil, r.errorAt(lang.SyntaxError, t.pos, "annotation without a value before %s", describe(t))
		}
	}
	v, err := r.plain(t)
	if err != nil {
		return nil, err
	}
	if len(anns) == 0 && !r.opts.Positions {
		return v, nil
	}
	var pos lang.Position
	if r.opts.Positions {
		pos = r.toPos(start)
	}
	return r.build.Annotated(anns, v, pos), nil
}

// atom reads the next value, whose token is t, if it is an atom that needs
// none of value's generality (no annotations to keep, no position): the
// commonest children of compounds. ok says whether it did.
func (r *Reader) atom(anns []lang.Value, t *token) (v lang.Value, ok bool, err error) {
	if len(anns) != 0 || r.opts.Positions || r.depth+1 >= r.opts.MaxDepth {
		return nil, false, nil
	}
	switch t.typ {
	case TokBare:
		r.ahead = false
		v, err = r.bare(t)
		return v, true, err
	case TokString:
		r.ahead = false
		return r.text(lang.KindString, t.val), true, nil
	case TokQuotedSym:
		r.ahead = false
		return r.text(lang.KindSymbol, t.val), true, nil
	}
	return nil, false, nil
}

// nested reads a value one level deeper, enforcing the depth limit.
func (r *Reader) nested(anns []lang.Value) (lang.Value, error) {
	if r.depth+1 >= r.opts.MaxDepth {
		return nil, r.errorAt(lang.SyntaxError, r.peek().pos, "values nest deeper than %d levels", r.opts.MaxDepth)
	}
	r.depth++
	v, err := r.value(anns)
	r.depth--
	return v, err
}

func (r *Reader) plain(t *token) (lang.Value, error) {
	switch t.typ {
	case TokBare:
		return r.bare(t)
	case TokString:
		return r.text(lang.KindString, t.val), nil
	case TokQuotedSym:
		return r.text(lang.KindSymbol, t.val), nil
	case TokBytes:
		if t.scratch {
			return r.build.CopyByteString(t.val), nil
		}
		return r.text(lang.KindByteString, t.val), nil
	case TokBool:
		return lang.Bool(t.val == "t"), nil
	case TokHexDouble:
		var bits uint64
		for i := 0; i < 8; i++ {
			bits = bits<<8 | uint64(t.val[i])
		}
		return r.build.Double(math.Float64frombits(bits)), nil
	case TokEmbedded:
		if n := r.peek(); n.typ == TokComma {
			return nil, r.errorAt(lang.SyntaxError, n.pos, "a comma may not follow #:")
		}
		v, err := r.nested(nil)
		if err != nil {
			return nil, err
		}
		return r.build.Embedded(v), nil
	case TokOpenRecord:
		return r.record(t.pos)
	case TokOpenSeq:
		return r.sequence(t.pos, false)
	case TokOpenSet:
		return r.sequence(t.pos, true)
	case TokOpenDict:
		return r.dictionary(t.pos)
	case TokEOF:
		return nil, r.errorAt(lang.InputEndedEarly, t.pos, "input ended where a value was expected")
	}
	return nil, r.errorAt(lang.SyntaxError, t.pos, "unexpected %s; expected a value", describe(t))
}

func (r *Reader) bare(t *token) (lang.Value, error) {
	s := t.val
	if s[0] > '9' { // a letter or the like: neither a number nor numeric-looking
		return r.text(lang.KindSymbol, s), nil
	}
	if n, ok := smallDecimal(s); ok {
		return r.build.Int(n), nil
	}
	if !lang.LooksNumeric(s) {
		return r.text(lang.KindSymbol, s), nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == 'e' || s[i] == 'E' {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, r.errorAt(lang.SyntaxError, t.pos, "double %s is out of range", s)
			}
			return r.build.Double(f), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return r.build.Int(n), nil
	}
	n, ok := parseDecimal(s)
	if !ok {
		return nil, r.errorAt(lang.SyntaxError, t.pos, "invalid integer %s", s)
	}
	return lang.NewInteger(n), nil
}

// smallDecimal reads the commonest numbers, an optional '-' and 1 to 18
// decimal digits, without strconv's generality.
func smallDecimal(s string) (int64, bool) {
	i := 0
	if len(s) > 1 && s[0] == '-' {
		i = 1
	}
	if len(s)-i == 0 || len(s)-i > 18 {
		return 0, false
	}
	var n int64
	for ; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int64(c)
	}
	if s[0] == '-' {
		n = -n
	}
	return n, true
}

func (r *Reader) record(open tpos) (lang.Value, error) {
	mark := r.build.Mark()
	for {
		t := r.peek()
		var anns []lang.Value
		if t.typ == TokComment || t.typ == TokInterpreter { // (leadingComments, inlined)
			anns = r.comments()
			t = r.peek()
		}
		if r.err != nil {
			r.build.Drop(mark)
			return nil, r.err
		}
		switch t.typ {
		case TokCloseRecord:
			r.next()
			rec, err := r.build.Record(mark)
			if err != nil {
				return nil, r.errorAt(lang.SyntaxError, open, "a record needs a label")
			}
			return rec, nil
		case TokComma:
			r.build.Drop(mark)
			return nil, r.errorAt(lang.SyntaxError, t.pos, "commas are not allowed in records")
		case TokEOF:
			r.build.Drop(mark)
			return nil, r.errorAt(lang.InputEndedEarly, t.pos, "input ended inside the record opened at %d:%d", open.line, open.col)
		}
		v, ok, err := r.atom(anns, t)
		if !ok {
			v, err = r.nested(anns)
		}
		if err != nil {
			r.build.Drop(mark)
			return nil, err
		}
		r.build.Push(v)
	}
}

// sequence reads the elements of a sequence or set (closer '}'); commas
// count as whitespace.
func (r *Reader) sequence(open tpos, set bool) (lang.Value, error) {
	what, closer := "sequence", TokCloseSeq
	if set {
		what, closer = "set", TokCloseBrace
	}
	mark := r.build.Mark()
	fail := func(err error) (lang.Value, error) {
		r.build.Drop(mark)
		return nil, err
	}
	for {
		t := r.peek()
		var anns []lang.Value
		if t.typ == TokComment || t.typ == TokInterpreter { // (leadingComments, inlined)
			anns = r.comments()
			t = r.peek()
		}
		if r.err != nil {
			return fail(r.err)
		}
		switch t.typ {
		case closer:
			r.next()
			if !set {
				return r.build.Sequence(mark), nil
			}
			s, err := r.build.Set(mark)
			if err != nil {
				return nil, r.errorAt(lang.SyntaxError, open, "%v", err)
			}
			return s, nil
		case TokComma:
			r.next()
			continue
		case TokEOF:
			return fail(r.errorAt(lang.InputEndedEarly, t.pos, "input ended inside the %s opened at %d:%d", what, open.line, open.col))
		case TokCloseRecord, TokCloseSeq, TokCloseBrace:
			return fail(r.errorAt(lang.SyntaxError, t.pos, "unexpected %s inside the %s opened at %d:%d", describe(t), what, open.line, open.col))
		}
		v, ok, err := r.atom(anns, t)
		if !ok {
			v, err = r.nested(anns)
		}
		if err != nil {
			return fail(err)
		}
		r.build.Push(v)
	}
}

func (r *Reader) dictionary(open tpos) (lang.Value, error) {
	mark, keyMark := r.build.Mark(), len(r.keys)
	fail := func(err error) (lang.Value, error) {
		r.build.Drop(mark)
		r.keys = r.keys[:keyMark]
		return nil, err
	}
	for {
		t := r.peek()
		var anns []lang.Value
		if t.typ == TokComment || t.typ == TokInterpreter { // (leadingComments, inlined)
			anns = r.comments()
			t = r.peek()
		}
		if r.err != nil {
			return fail(r.err)
		}
		switch t.typ {
		case TokCloseBrace:
			r.next()
			keys := r.keys[keyMark:]
			dupAt := open
			d, err := r.build.Dictionary(mark)
			if err != nil {
				dupAt = duplicateKeyPos(keys, open)
			}
			clear(keys)
			r.keys = r.keys[:keyMark]
			if err != nil {
				return nil, r.errorAt(lang.SyntaxError, dupAt, "%v", err)
			}
			return d, nil
		case TokComma:
			r.next()
			continue
		case TokEOF:
			return fail(r.errorAt(lang.InputEndedEarly, t.pos, "input ended inside the dictionary opened at %d:%d", open.line, open.col))
		case TokColon:
			return fail(r.errorAt(lang.SyntaxError, t.pos, "expected a dictionary key before ':'"))
		case TokCloseRecord, TokCloseSeq:
			return fail(r.errorAt(lang.SyntaxError, t.pos, "unexpected %s inside the dictionary opened at %d:%d", describe(t), open.line, open.col))
		}
		kpos := t.pos // t is good only until the key's tokens are read
		k, ok, err := r.atom(anns, t)
		if !ok {
			k, err = r.nested(anns)
		}
		if err != nil {
			return fail(err)
		}
		if t := r.peek(); t.typ == TokComment || t.typ == TokInterpreter {
			r.comments() // (leadingComments, inlined; comments here are dropped)
		}
		c := r.next()
		if r.err != nil {
			return fail(r.err)
		}
		switch c.typ {
		case TokColon:
		case TokEOF:
			return fail(r.errorAt(lang.InputEndedEarly, c.pos, "input ended after a dictionary key; expected ':'"))
		case TokComma:
			return fail(r.errorAt(lang.SyntaxError, c.pos, "a comma may not stand between a dictionary key and its ':'"))
		default:
			return fail(r.errorAt(lang.SyntaxError, c.pos, "expected ':' after the dictionary key, found %s", describe(c)))
		}
		n := r.peek()
		var vanns []lang.Value
		if n.typ == TokComment || n.typ == TokInterpreter {
			vanns = r.comments()
			n = r.peek()
		}
		switch n.typ {
		case TokComma:
			return fail(r.errorAt(lang.SyntaxError, n.pos, "a comma may not stand between ':' and the dictionary value"))
		case TokEOF:
			if r.err != nil {
				return fail(r.err)
			}
			return fail(r.errorAt(lang.InputEndedEarly, n.pos, "input ended after ':'; expected the dictionary value"))
		case TokCloseBrace:
			return fail(r.errorAt(lang.SyntaxError, n.pos, "expected a value after ':'"))
		}
		v, ok, err := r.atom(vanns, n)
		if !ok {
			v, err = r.nested(vanns)
		}
		if err != nil {
			return fail(err)
		}
		r.build.Push(k)
		r.build.Push(v)
		r.keys = append(r.keys, keyAt{*(*[2]uintptr)(unsafe.Pointer(&k)), kpos})
	}
}

// duplicateKeyPos finds the position of the second occurrence of a repeated
// key, for the error message.
func duplicateKeyPos(keys []keyAt, fallback tpos) tpos {
	seen := make(map[string]bool, len(keys))
	for i := range keys {
		k := &keys[i]
		id := lang.Key(k.value())
		if seen[id] {
			return k.pos
		}
		seen[id] = true
	}
	return fallback
}
