package parser

import (
	"io"
	"unicode/utf8"
	"unsafe"

	"github.com/synd-lang/synd/lang"
)

// StreamReader reads a stream of values from Preserves text arriving on an
// io.Reader, value by value: it holds only the text of the value being read
// (and one read's worth beyond it), so a stream of any length is read in
// bounded memory. Positions and errors count from the start of the stream.
type StreamReader struct {
	in   lang.StreamBuffer
	file string
	opts Options
	err  error
	// The base* fields place the start of the unread text in the whole
	// stream.
	baseOff, baseLine, baseLineStart int
	r                                Reader // reused for every window, keeping its builder
}

// streamRead is how much a StreamReader reads at a time, at least.
const streamRead = 64 << 10

// NewStreamReader returns a reader for the text on src; file names it in
// positions and errors.
func NewStreamReader(file string, src io.Reader, opts Options) *StreamReader {
	return &StreamReader{in: lang.StreamBuffer{Src: src}, file: file, opts: opts, baseLine: 1}
}

// Next reads the next value. At the end of the stream it returns io.EOF;
// errors are *lang.Error values (or the source's read error).
func (s *StreamReader) Next() (lang.Value, error) {
	if s.err != nil {
		return nil, s.err
	}
	want := streamRead
	for {
		window := s.in.Unread()
		if !s.in.EOF() {
			// Never end a window inside a UTF-8 sequence the next read completes.
			window = window[:completeRunes(window)]
		}
		r := s.reader(window)
		v, err := r.Next()
		complete := s.in.EOF() || (err == nil && r.Offset() < len(window)) ||
			(err != nil && err != io.EOF && lang.KindOf(err) != lang.InputEndedEarly)
		if complete {
			if err != nil {
				s.err = err
				return nil, err
			}
			s.advance(r)
			return v, nil
		}
		// The window may end inside this value (or inside a token that
		// ends it): read more and read the value again, reading twice as
		// much each time, so that a long value costs linear time.
		if err := s.in.Fill(want); err != nil {
			s.err = err
			return nil, err
		}
		want *= 2
	}
}

func (s *StreamReader) reader(window []byte) *Reader {
	r := &s.r
	build := r.build
	*r = Reader{opts: s.opts, build: build, keys: r.keys[:0], copyText: true}
	if r.opts.MaxDepth <= 0 {
		r.opts.MaxDepth = lang.DefaultMaxDepth
	}
	var src string
	if len(window) > 0 {
		src = unsafe.String(&window[0], len(window)) // read through a view; text kept is copied
	}
	r.sc = newScanner(s.file, src)
	r.build.SizeHint(len(window))
	r.sc.baseOff = s.baseOff
	r.sc.line, r.sc.baseLine = s.baseLine, s.baseLine
	r.sc.lineStart, r.sc.baseLineStart = s.baseLineStart, s.baseLineStart
	return r
}

// advance drops the text r has read from the window.
func (s *StreamReader) advance(r *Reader) {
	n := r.Offset()
	s.baseOff += n
	s.baseLine = r.sc.line
	s.baseLineStart = r.sc.lineStart - n
	if s.in.Consume(n) {
		s.r.build.Reset()
	}
}

// completeRunes is the length of the longest prefix of b that does not end
// inside a UTF-8 sequence.
func completeRunes(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}
