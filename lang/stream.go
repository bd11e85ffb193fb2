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

	in  StreamBuffer
	d   Decoder
	err error
}

// NewStreamDecoder returns a decoder for the values on src; file names the
// input in errors.
func NewStreamDecoder(file string, src io.Reader) *StreamDecoder {
	s := &StreamDecoder{in: StreamBuffer{Src: src}}
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
		s.d.buf, s.d.pos = s.in.Unread(), 0
		v, err := s.d.Next()
		if err == nil {
			s.d.base += s.d.pos
			if s.in.Consume(s.d.pos) {
				s.d.build.Reset()
			}
			return v, nil
		}
		if s.in.EOF() || (err != io.EOF && KindOf(err) != InputEndedEarly) {
			s.err = err
			return nil, err
		}
		// The value goes on past what has been read: read more (twice as
		// much each time, so that a long value costs linear time).
		if err := s.in.Fill(want); err != nil {
			s.err = err
			return nil, err
		}
		want *= 2
	}
}

const streamChunk = 64 << 10

// StreamBuffer holds what has been read of a stream and not yet used, for
// a reader of values (StreamDecoder here, the text StreamReader in package
// parser) that tries to read a value from the bytes it has and, when they
// end inside the value, reads more and tries again.
type StreamBuffer struct {
	// Src is the stream.
	Src io.Reader

	buf   []byte // unread bytes: buf[start:]
	start int
	eof   bool
	since int // bytes consumed since Consume last reported true
}

// streamReset is how many bytes a reader consumes before StreamBuffer.Consume
// tells it to let go of its builder's chunks and cached atoms.
const streamReset = 1 << 20

// Unread returns the bytes read from Src and not yet consumed. They stay
// valid until the next Fill.
func (b *StreamBuffer) Unread() []byte { return b.buf[b.start:] }

// Consume drops the first n unread bytes, which have been used. It reports
// whether about a megabyte has been consumed since it last said so: the
// reader should then reset its Builder, letting go of its chunks and cached
// atoms (values returned keep what they use), so that it holds on to no
// more than about that much of the past.
func (b *StreamBuffer) Consume(n int) (reset bool) {
	b.start += n
	if b.since += n; b.since > streamReset {
		b.since = 0
		return true
	}
	return false
}

// EOF reports whether Src has ended: Unread is all there will be.
func (b *StreamBuffer) EOF() bool { return b.eof }

// Fill reads at least n more bytes, or to the end of Src, moving the unread
// bytes to the front of the buffer first.
func (b *StreamBuffer) Fill(n int) error {
	if b.start > 0 {
		m := copy(b.buf, b.buf[b.start:])
		b.buf = b.buf[:m]
		b.start = 0
	}
	if cap(b.buf)-len(b.buf) < n {
		grown := make([]byte, len(b.buf), len(b.buf)+n)
		copy(grown, b.buf)
		b.buf = grown
	}
	for got := 0; got < n && !b.eof; {
		k, err := b.Src.Read(b.buf[len(b.buf):cap(b.buf)])
		b.buf = b.buf[:len(b.buf)+k]
		got += k
		if errors.Is(err, io.EOF) {
			b.eof = true
		} else if err != nil {
			return err
		}
	}
	return nil
}
