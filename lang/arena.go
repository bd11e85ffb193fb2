package lang

import "unsafe"

// The readers' arena: values read from text or binary are carved out of
// chunks that the garbage collector does not scan.
//
// Marking the values a decoder builds (about four bytes of interfaces,
// records and entries per input byte, half of them pointers) used to be a
// third of the CPU time of a large decode. A chunk is one heap object: a
// small head the collector scans, then data it does not (its type has no
// pointers past the head). Values inside a chunk point to each other, to
// earlier chunks, to static memory and to heap objects without the
// collector seeing those pointers; the head makes them safe:
//
//   - prev links each chunk to the chunk allocated before it by the same
//     builder (since its last Reset), so a pointer into a chunk keeps that
//     chunk and every earlier one alive. The arena is a single bump
//     allocator and a reader builds children before their parents, so a
//     value only ever points into its own chunk or an earlier one.
//   - keep lists the heap objects outside the chunks that values use (big
//     integers, large strings and arrays, annotation lists, the text of
//     strings given by callers): an object is kept by the chunk that is
//     current when it enters the arena, so by every chunk that can refer to
//     it.
//
// Every Builder method that stores a value it did not make checks it (see
// Builder.hold). Values in the arena are immutable: nothing may store into
// them after they are built (a pointer stored there would be invisible to
// the collector).
//
// A value read keeps alive the chunks of everything read before it since
// the builder's last Reset, at most about four times those input bytes: a
// Decoder resets per Decode and, between values, every 64 KB of input; a
// stream reader every MB.

type chunkHead struct {
	prev *chunkHead
	keep []unsafe.Pointer
}

type chunkOf[D any] struct {
	head chunkHead
	data D // words the collector does not scan
}

// Chunk sizes are powers of two and the steps between them (by 1.5) from
// 512 bytes to 1 MB, counting the 8-byte header the runtime puts before
// objects with pointers from 512 bytes to 32 KB, so that none wastes the
// rest of its size class.
const (
	headBytes    = int(unsafe.Sizeof(chunkHead{}))
	mallocHeader = 8
	minChunk     = 512
	// maxGrow is the most data a chunk for many values holds: large inputs
	// take few allocations.
	maxGrow = 256<<10 - headBytes
	// maxAlloc is the most one arena allocation among others takes; larger
	// ones get a chunk of their own (see allocBig).
	maxAlloc = 8 << 10
	// maxBig is the largest allocation allocBig makes in a chunk of its
	// own; larger ones are the caller's (on the heap, kept).
	maxBig = 1<<20 - headBytes
)

func newChunk[D any]() (*chunkHead, unsafe.Pointer, int) {
	c := new(chunkOf[D])
	return &c.head, unsafe.Pointer(&c.data), int(unsafe.Sizeof(c.data))
}

// chunkFor allocates the smallest chunk holding size bytes of data, or
// returns nil if size is over maxBig.
func chunkFor(size int) (h *chunkHead, p unsafe.Pointer, n int) {
	switch {
	case size <= minChunk-headBytes:
		h, p, n = newChunk[[(minChunk - headBytes) / 8]uint64]()
	case size <= 1<<10-headBytes-mallocHeader:
		h, p, n = newChunk[[(1<<10 - headBytes - mallocHeader) / 8]uint64]()
	case size <= 2<<10-headBytes-mallocHeader:
		h, p, n = newChunk[[(2<<10 - headBytes - mallocHeader) / 8]uint64]()
	case size <= 4<<10-headBytes-mallocHeader:
		h, p, n = newChunk[[(4<<10 - headBytes - mallocHeader) / 8]uint64]()
	case size <= 8<<10-headBytes-mallocHeader:
		h, p, n = newChunk[[(8<<10 - headBytes - mallocHeader) / 8]uint64]()
	case size <= 16<<10-headBytes-mallocHeader:
		h, p, n = newChunk[[(16<<10 - headBytes - mallocHeader) / 8]uint64]()
	case size <= 32<<10-headBytes-mallocHeader:
		h, p, n = newChunk[[(32<<10 - headBytes - mallocHeader) / 8]uint64]()
	case size <= 48<<10-headBytes:
		h, p, n = newChunk[[(48<<10 - headBytes) / 8]uint64]()
	case size <= 64<<10-headBytes:
		h, p, n = newChunk[[(64<<10 - headBytes) / 8]uint64]()
	case size <= 96<<10-headBytes:
		h, p, n = newChunk[[(96<<10 - headBytes) / 8]uint64]()
	case size <= 128<<10-headBytes:
		h, p, n = newChunk[[(128<<10 - headBytes) / 8]uint64]()
	case size <= 192<<10-headBytes:
		h, p, n = newChunk[[(192<<10 - headBytes) / 8]uint64]()
	case size <= 256<<10-headBytes:
		h, p, n = newChunk[[(256<<10 - headBytes) / 8]uint64]()
	case size <= 384<<10-headBytes:
		h, p, n = newChunk[[(384<<10 - headBytes) / 8]uint64]()
	case size <= 512<<10-headBytes:
		h, p, n = newChunk[[(512<<10 - headBytes) / 8]uint64]()
	case size <= 768<<10-headBytes:
		h, p, n = newChunk[[(768<<10 - headBytes) / 8]uint64]()
	case size <= 1024<<10-headBytes:
		h, p, n = newChunk[[(1024<<10 - headBytes) / 8]uint64]()
	}
	return
}

// arena is a bump allocator over a chain of chunks.
type arena struct {
	cur  *chunkHead
	base unsafe.Pointer // cur's data
	off  int            // bytes of cur's data in use
	end  int            // bytes of cur's data
	kept unsafe.Pointer // the last pointer kept, not to keep it twice in a row
}

func (a *arena) reset() { *a = arena{} }

// alloc returns size (≤ maxAlloc, a multiple of 8) zeroed bytes aligned to
// 8. expect is about how many bytes the input still needs, erring low: a new
// chunk is sized from it (up to maxGrow), so that small
// inputs allocate little and large ones few times.
func (a *arena) alloc(size, expect int) unsafe.Pointer {
	if a.end-a.off < size {
		a.grow(size, expect)
	}
	p := unsafe.Add(a.base, a.off)
	a.off += size
	return p
}

func (a *arena) grow(size, expect int) {
	h, p, n := chunkFor(max(size, min(expect, maxGrow)))
	h.prev = a.cur
	a.cur, a.base, a.off, a.end = h, p, 0, n
}

// owns reports whether p points into the current chunk.
func (a *arena) owns(p unsafe.Pointer) bool {
	return uintptr(p)-uintptr(a.base) < uintptr(a.end)
}

// allocBig returns size (> maxAlloc) zeroed bytes in a chunk of their own
// (at most 1.5 times that), or nil if size is over maxBig. The chunk joins
// the chain after the current one, which keeps it: values built before it
// and after it may point into it, and it may point to values built before
// it.
func (a *arena) allocBig(size int) unsafe.Pointer {
	if size > maxBig {
		return nil
	}
	h, p, _ := chunkFor(size)
	if a.cur == nil {
		a.grow(0, 0)
	}
	h.prev = a.cur
	a.keep(unsafe.Pointer(h))
	return p
}

// keep makes the current chunk (and so every later one) keep p alive.
func (a *arena) keep(p unsafe.Pointer) {
	if p == nil || p == a.kept {
		return
	}
	if a.cur == nil {
		a.grow(0, 0)
	}
	a.cur.keep = append(a.cur.keep, p)
	a.kept = p
}

// copyValues copies vs to dst, an arena slot of len(vs) values, without
// write barriers: dst is not scanned, and the values vs points to are kept
// by the chunk chain (see above).
func copyValues(dst unsafe.Pointer, vs []Value) {
	n := 2 * len(vs)
	d := unsafe.Slice((*uintptr)(dst), n)
	s := unsafe.Slice((*uintptr)(unsafe.Pointer(unsafe.SliceData(vs))), n)
	if n > 16 {
		copy(d, s)
		return
	}
	for i := range d {
		d[i] = s[i]
	}
}

// store writes *v to dst, arena memory, without write barriers (see
// copyValues).
func store[T any](dst unsafe.Pointer, v *T) {
	n := unsafe.Sizeof(*v) / unsafe.Sizeof(uintptr(0))
	d := unsafe.Slice((*uintptr)(dst), n)
	s := unsafe.Slice((*uintptr)(unsafe.Pointer(v)), n)
	for i := range d {
		d[i] = s[i]
	}
}

// roundUp8 rounds n up to a multiple of 8.
func roundUp8(n int) int { return (n + 7) &^ 7 }
