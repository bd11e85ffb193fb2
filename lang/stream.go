package lang

import (
	"errors"
	"io"
)

// StreamDecoder reads a stream of binary values arriving on an io.Reader,
// value by value: it holds only the bytes of the value being read (and one
// read's worth beyond it), so a stream of any length is decoded in bounded
// memory. Offsets in errors count from the start of the stream.
type StreamDecoder struct {
	// KeepAnnotations and MaxDepth are as for Decoder.
	KeepAnnotations bool
	MaxDepth        int

	src   io.Reader
	d     Decoder
	buf   []byte // unread bytes: buf[start:]
	start int
	eof   bool
	err   error
	since int // bytes decoded since the builder was last reset
}

// streamReset is how many bytes a stream reader decodes before it lets go of
// its chunks and cached atoms: values it has returned keep what they use,
// and the reader holds on to no more than about this much of the past.
const streamReset = 1 << 20

// NewStreamDecoder returns a decoder for the values on src; file names the
// input in errors.
func NewStreamDecoder(file string, src io.Reader) *StreamDecoder {
	s := &StreamDecoder{src: src}
	s.d.File = file
	return s
}

// Next reads the next value. At a clean end of the stream it returns io.EOF;
// a stream that ends inside a value is an *Error of kind InputEndedEarly.
func (s *StreamDecoder) Next() (Value, error) {
	if s.err != nil {
		return nil, s.err
	}
	s.d.KeepAnnotations, s.d.MaxDepth = s.KeepAnnotations, s.MaxDepth
	want := streamChunk
	for {
		s.d.buf, s.d.pos = s.buf[s.start:], 0
		v, err := s.d.Next()
		if err == nil {
			s.d.base += s.d.pos
			s.start += s.d.pos
			if s.since += s.d.pos; s.since > streamReset {
				s.since = 0
				s.d.build.Reset()
			}
			return v, nil
		}
		if s.eof || (err != io.EOF && KindOf(err) != InputEndedEarly) {
			s.err = err
			return nil, err
		}
		// The value goes on past what has been read: read more (twice as
		// much each time, so that a long value costs linear time).
		if err := s.fill(want); err != nil {
			s.err = err
			return nil, err
		}
		want *= 2
	}
}

const streamChunk = 64 << 10

// fill reads at least n more bytes, or to the end of the source.
func (s *StreamDecoder) fill(n int) error {
	if s.start > 0 {
		m := copy(s.buf, s.buf[s.start:])
		s.buf = s.buf[:m]
		s.start = 0
	}
	if cap(s.buf)-len(s.buf) < n {
		grown := make([]byte, len(s.buf), len(s.buf)+n)
		copy(grown, s.buf)
		s.buf = grown
	}
	for got := 0; got < n && !s.eof; {
		k, err := s.src.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+k]
		got += k
		if errors.Is(err, io.EOF) {
			s.eof = true
		} else if err != nil {
			return err
		}
	}
	return nil
}
