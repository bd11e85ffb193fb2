package relay

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// DefaultMaxPacket bounds the size of one packet a peer may send (16 MB), as
// a relay must hold a whole packet before it can act on it.
const DefaultMaxPacket = 16 << 20

// Framer splits a byte stream into packets. The first byte decides the
// syntax for the whole connection, as syndicate-rs's relay decides it
// (TunnelRelay::deserialize_one): a byte of 0x80 or more starts binary
// Preserves, anything else text. Binary packets are found by a resumable
// scan of tags and lengths that never builds a value, so a packet arriving in
// many reads is scanned once, and a length claim past the bound is refused
// as soon as its header arrives. Text packets end at a newline after a
// complete value.
type Framer struct {
	// Max bounds a packet's size in bytes; 0 means DefaultMaxPacket.
	Max int

	decided bool
	text    bool
	buf     []byte
	scan    scanState // binary: how far the packet at the front is scanned
	nlFrom  int       // text: where to look for the next newline
}

// Text reports whether the peer speaks text (valid once a byte has arrived).
func (f *Framer) Text() bool { return f.text }

// Decided reports whether the syntax is known yet.
func (f *Framer) Decided() bool { return f.decided }

// Buffered is the number of bytes held of an unfinished packet.
func (f *Framer) Buffered() int { return len(f.buf) }

func (f *Framer) max() int {
	if f.Max > 0 {
		return f.Max
	}
	return DefaultMaxPacket
}

// Feed adds bytes from the stream and returns the packets completed by them,
// decoded. An error (malformed or oversized input) ends the stream: the
// framer must not be fed again.
func (f *Framer) Feed(p []byte) ([]lang.Value, error) {
	if len(p) == 0 {
		return nil, nil
	}
	if !f.decided {
		f.decided, f.text = true, p[0] < 0x80
	}
	f.buf = append(f.buf, p...)
	var out []lang.Value
	var err error
	if f.text {
		out, err = f.textPackets()
	} else {
		out, err = f.binaryPackets()
	}
	if len(f.buf) == 0 && cap(f.buf) > 64<<10 {
		f.buf = nil // a big packet is done: give its memory back
	}
	return out, err
}

func (f *Framer) binaryPackets() ([]lang.Value, error) {
	// Find every complete packet first, then decode them all with one
	// decoder: small packets share the decoder's allocations. The decoder
	// copies what the values keep (NewDecoder: they share no memory with its
	// input), so the values never hold on to the buffer.
	end, count := 0, 0
	var scanErr error
	for {
		n, err := f.scan.run(f.buf[end:], f.max())
		if err != nil {
			scanErr = err
			break
		}
		if n > f.max() {
			scanErr = fmt.Errorf("packet larger than %d bytes", f.max())
			break
		}
		if n == 0 {
			if len(f.buf)-end > f.max() {
				scanErr = fmt.Errorf("packet larger than %d bytes", f.max())
			}
			break
		}
		end += n
		count++
		f.scan = scanState{}
	}
	var out []lang.Value
	if count > 0 {
		d := lang.NewDecoder(f.buf[:end])
		out = make([]lang.Value, 0, count)
		for range count {
			v, err := d.Next()
			if err != nil {
				return out, err
			}
			out = append(out, v)
		}
		f.buf = f.buf[end:]
	}
	return out, scanErr
}

func (f *Framer) textPackets() ([]lang.Value, error) {
	var out []lang.Value
	for {
		i := bytes.IndexByte(f.buf[f.nlFrom:], '\n')
		if i < 0 {
			f.nlFrom = len(f.buf)
			if len(f.buf) > f.max() {
				return out, fmt.Errorf("packet larger than %d bytes", f.max())
			}
			return out, nil
		}
		end := f.nlFrom + i + 1
		if end > f.max() {
			return out, fmt.Errorf("packet larger than %d bytes", f.max())
		}
		vs, err := parser.ParseAll("peer", f.buf[:end], parser.Options{})
		if err != nil {
			if lang.KindOf(err) == lang.InputEndedEarly {
				f.nlFrom = end // the value goes on past this line
				continue
			}
			return out, err
		}
		out = append(out, vs...)
		f.buf = f.buf[end:]
		f.nlFrom = 0
	}
}

// scanState is the progress of a binary scan through one packet: the offset
// reached and, for each unfinished enclosing item, how it ends.
type scanState struct {
	pos   int
	stack []int // per open item: -1 for a compound (ends at 84), else values still owed
}

// maxScanDepth bounds nesting while scanning, as the decoder bounds it.
const maxScanDepth = lang.DefaultMaxDepth

// run scans on from s.pos. It returns the length of the first packet once
// all of it is in buf, 0 if more bytes are needed, or an error.
func (s *scanState) run(buf []byte, max int) (int, error) {
	for {
		if s.pos >= len(buf) {
			return 0, nil
		}
		tag := buf[s.pos]
		switch {
		case tag == lang.TagEnd:
			if len(s.stack) == 0 || s.stack[len(s.stack)-1] != -1 {
				return 0, fmt.Errorf("unexpected end marker at byte %d", s.pos)
			}
			s.pos++
			s.stack = s.stack[:len(s.stack)-1]
		case tag == lang.TagFalse || tag == lang.TagTrue:
			s.pos++
		case tag == lang.TagAnnotation || tag == lang.TagEmbedded:
			owed := 1
			if tag == lang.TagAnnotation {
				owed = 2
			}
			if len(s.stack) >= maxScanDepth {
				return 0, fmt.Errorf("values nest deeper than %d levels", maxScanDepth)
			}
			s.pos++
			s.stack = append(s.stack, owed)
			continue // the owed values follow; nothing completed yet
		case tag >= lang.TagRecord && tag <= lang.TagDictionary:
			if len(s.stack) >= maxScanDepth {
				return 0, fmt.Errorf("values nest deeper than %d levels", maxScanDepth)
			}
			s.pos++
			s.stack = append(s.stack, -1)
			continue
		case tag == lang.TagIEEE754 || (tag >= lang.TagInteger && tag <= lang.TagSymbol):
			n, k := binary.Uvarint(buf[s.pos+1:])
			if k == 0 {
				return 0, nil // the length has not all arrived
			}
			if k < 0 || n > uint64(max) || s.pos+1+k+int(n) > max {
				return 0, fmt.Errorf("packet larger than %d bytes (an atom claims %d bytes)", max, n)
			}
			end := s.pos + 1 + k + int(n)
			if end > len(buf) {
				return 0, nil
			}
			s.pos = end
		default:
			return 0, fmt.Errorf("unknown tag %02X at byte %d", tag, s.pos)
		}
		// A value ended: settle the prefixes waiting for it.
		for len(s.stack) > 0 && s.stack[len(s.stack)-1] > 0 {
			s.stack[len(s.stack)-1]--
			if s.stack[len(s.stack)-1] > 0 {
				break
			}
			s.stack = s.stack[:len(s.stack)-1]
		}
		if len(s.stack) == 0 {
			return s.pos, nil
		}
	}
}
