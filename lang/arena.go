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
// stream reader every MB. A reader of one whole value (Builder.OneValue)
// may put most of it in one chunk of up to 4 MB: a part of it kept keeps
// that chunk, as a substring keeps its string.

type chunkHead struct {
	prev *chunkHead
	keep []unsafe.Pointer
}

type chunkOf[D any] struct {
	head chunkHead
	data D // words the collector does not scan
}

const (
	headBytes    = int(unsafe.Sizeof(chunkHead{}))
	mallocHeader = 8
	// maxGrow is the most data a chunk for many values holds: large inputs
	// take few allocations.
	maxGrow = 256<<10 - headBytes
	// maxWhole is the most data a chunk holds when the builder reads one
	// value from the whole input (lang.Decode; see grow).
	maxWhole = 4<<20 - headBytes
	// maxAlloc is the most one arena allocation among others takes; larger
	// ones get a chunk of their own (see allocBig).
	maxAlloc = 8 << 10
	// maxBig is the largest allocation allocBig makes in a chunk of its
	// own; larger ones are the caller's (on the heap, kept).
	maxBig = 1<<20 - headBytes
)

type chunkClass struct {
	size int // bytes of data
	make func() (*chunkHead, unsafe.Pointer)
}

func mk[D any]() chunkClass {
	return chunkClass{int(unsafe.Sizeof(*new(D))), func() (*chunkHead, unsafe.Pointer) {
		c := new(chunkOf[D])
		return &c.head, unsafe.Pointer(&c.data)
	}}
}

// chunkClasses are the chunks the arena allocates, smallest first: one for
// each of the runtime's size classes from 512 bytes to 32 KB (counting the
// 8-byte header the runtime puts before objects with pointers over 512
// bytes), so that none wastes the rest of its size class, then multiples
// of the runtime's 8 KB pages: every one up to 256 KB, then steps of at
// most a quarter up to 1 MB, and larger ones up to 4 MB for maxWhole.
var chunkClasses = [...]chunkClass{
	mk[[(512 - headBytes) / 8]uint64](),
	mk[[(640 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(768 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(896 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(1024 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(1152 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(1280 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(1408 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(1536 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(1792 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(2048 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(2304 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(2688 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(3072 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(3200 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(3456 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(4096 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(4864 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(5376 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(6144 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(6528 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(6784 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(6912 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(8192 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(9472 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(9728 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(10240 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(10880 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(12288 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(13568 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(14336 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(16384 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(18432 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(19072 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(20480 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(21760 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(24576 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(27264 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(28672 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(32768 - headBytes - mallocHeader) / 8]uint64](),
	mk[[(40<<10 - headBytes) / 8]uint64](),
	mk[[(48<<10 - headBytes) / 8]uint64](),
	mk[[(56<<10 - headBytes) / 8]uint64](),
	mk[[(64<<10 - headBytes) / 8]uint64](),
	mk[[(72<<10 - headBytes) / 8]uint64](),
	mk[[(80<<10 - headBytes) / 8]uint64](),
	mk[[(88<<10 - headBytes) / 8]uint64](),
	mk[[(96<<10 - headBytes) / 8]uint64](),
	mk[[(104<<10 - headBytes) / 8]uint64](),
	mk[[(112<<10 - headBytes) / 8]uint64](),
	mk[[(120<<10 - headBytes) / 8]uint64](),
	mk[[(128<<10 - headBytes) / 8]uint64](),
	mk[[(136<<10 - headBytes) / 8]uint64](),
	mk[[(144<<10 - headBytes) / 8]uint64](),
	mk[[(152<<10 - headBytes) / 8]uint64](),
	mk[[(160<<10 - headBytes) / 8]uint64](),
	mk[[(168<<10 - headBytes) / 8]uint64](),
	mk[[(176<<10 - headBytes) / 8]uint64](),
	mk[[(184<<10 - headBytes) / 8]uint64](),
	mk[[(192<<10 - headBytes) / 8]uint64](),
	mk[[(200<<10 - headBytes) / 8]uint64](),
	mk[[(208<<10 - headBytes) / 8]uint64](),
	mk[[(216<<10 - headBytes) / 8]uint64](),
	mk[[(224<<10 - headBytes) / 8]uint64](),
	mk[[(232<<10 - headBytes) / 8]uint64](),
	mk[[(240<<10 - headBytes) / 8]uint64](),
	mk[[(248<<10 - headBytes) / 8]uint64](),
	mk[[(256<<10 - headBytes) / 8]uint64](),
	mk[[(288<<10 - headBytes) / 8]uint64](),
	mk[[(320<<10 - headBytes) / 8]uint64](),
	mk[[(384<<10 - headBytes) / 8]uint64](),
	mk[[(448<<10 - headBytes) / 8]uint64](),
	mk[[(512<<10 - headBytes) / 8]uint64](),
	mk[[(576<<10 - headBytes) / 8]uint64](),
	mk[[(640<<10 - headBytes) / 8]uint64](),
	mk[[(768<<10 - headBytes) / 8]uint64](),
	mk[[(896<<10 - headBytes) / 8]uint64](),
	mk[[(1024<<10 - headBytes) / 8]uint64](),
	mk[[(1280<<10 - headBytes) / 8]uint64](),
	mk[[(1536<<10 - headBytes) / 8]uint64](),
	mk[[(2048<<10 - headBytes) / 8]uint64](),
	mk[[(2560<<10 - headBytes) / 8]uint64](),
	mk[[(3072<<10 - headBytes) / 8]uint64](),
	mk[[(3584<<10 - headBytes) / 8]uint64](),
	mk[[(4096<<10 - headBytes) / 8]uint64](),
}

// chunkFor allocates the smallest chunk holding size bytes of data, or
// returns nil if size is over maxBig.
func chunkFor(size int) (h *chunkHead, p unsafe.Pointer, n int) {
	i, j := 0, len(chunkClasses)
	for i < j { // the first class at least size
		m := int(uint(i+j) >> 1)
		if chunkClasses[m].size < size {
			i = m + 1
		} else {
			j = m
		}
	}
	if i == len(chunkClasses) {
		return nil, nil, 0
	}
	c := &chunkClasses[i]
	h, p = c.make()
	return h, p, c.size
}

// arena is a bump allocator over a chain of chunks.
type arena struct {
	cur  *chunkHead
	base unsafe.Pointer // cur's data
	off  int            // bytes of cur's data in use
	end  int            // bytes of cur's data
	kept unsafe.Pointer // the last pointer kept, not to keep it twice in a row
	// For sizing chunks: hint is about how many bytes of input remain to
	// be read (the reader updates it as it goes), start what it was when
	// the first chunk was made, total the data bytes of the chunks made
	// since.
	hint, start, total int
	// whole says the input is one value (see maxWhole).
	whole bool
}

func (a *arena) reset() { *a = arena{} }

// alloc returns size (≤ maxAlloc, a multiple of 8) zeroed bytes aligned to
// 8.
func (a *arena) alloc(size int) unsafe.Pointer {
	off := a.off
	if a.end-off < size {
		return a.allocNew(size)
	}
	a.off = off + size
	return unsafe.Add(a.base, off)
}

// allocNew is alloc in a new chunk.
func (a *arena) allocNew(size int) unsafe.Pointer {
	a.grow(size)
	a.off = size
	return a.base
}

// grow starts a new chunk for at least size bytes, sized to what the rest
// of the input probably needs (up to maxGrow), so that small inputs
// allocate little and large ones few times.
//
// When the input is one value (a.whole), chunks may be up to maxWhole: a
// large value then takes one chunk of a few MB, which the page heap hands
// out and takes back whole, collection after collection. In chunks of at
// most maxGrow, a decode that allocates a few MB per collection left the
// page heap's free pages spread out, and the background scavenger returned
// them to the OS between decodes (madvise), for the next decode to fault
// them back in: about a fifth of a large decode's time went to the kernel.
// (Streams of values keep maxGrow: a value kept from a burst of small ones
// keeps its chunk.)
func (a *arena) grow(size int) {
	limit := maxGrow
	if a.whole {
		limit = maxWhole
	}
	h, p, n := chunkFor(max(size, min(a.expect(), limit)))
	h.prev = a.cur
	a.cur, a.base, a.off, a.end = h, p, 0, n
	a.total += n
}

// expect is how many arena bytes the rest of the input probably needs:
// as many per input byte as what was read so far took, or, at first,
// four (what mixed binary input takes: interfaces, records and entries).
// Without a hint, each chunk is as large as all before it.
func (a *arena) expect() int {
	if a.hint <= 0 { // no hint: double
		return a.total
	}
	if a.cur == nil {
		a.start = a.hint
		return 4 * a.hint
	}
	used, read := a.total-(a.end-a.off), a.start-a.hint
	if read < 64 || used <= 0 {
		return 4 * a.hint
	}
	return int(float64(used) / float64(read) * 1.125 * float64(a.hint))
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
		a.grow(0)
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
		a.grow(0)
	}
	a.cur.keep = append(a.cur.keep, p)
	a.kept = p
}

// copyValues copies vs to dst, an arena slot of len(vs) values, without
// write barriers: dst is not scanned, and the values vs points to are kept
// by the chunk chain (see above).
func copyValues(dst unsafe.Pointer, vs []Value) {
	if len(vs) == 0 {
		return
	}
	d := unsafe.Slice((*[2]uintptr)(dst), len(vs))
	s := unsafe.Slice((*[2]uintptr)(unsafe.Pointer(&vs[0])), len(vs))
	if len(vs) > 8 {
		copy(d, s)
		return
	}
	copyWords(d, s)
}

// copyWords copies s to d word by word. (A value just stored as two words
// and loaded as one 16-byte block would wait for the stores to reach the
// cache: the processor forwards a store only to a load of its own size.)
func copyWords(d, s [][2]uintptr) {
	for i := range d {
		d[i][0], d[i][1] = s[i][0], s[i][1]
	}
}

// store writes *v to dst, arena memory, without write barriers (see
// copyValues), word by word (see copyWords).
func store[T any](dst unsafe.Pointer, v *T) {
	src := unsafe.Pointer(v)
	switch unsafe.Sizeof(*v) {
	case 16:
		d, s := (*[2]uintptr)(dst), (*[2]uintptr)(src)
		d[0], d[1] = s[0], s[1]
	case 24:
		d, s := (*[3]uintptr)(dst), (*[3]uintptr)(src)
		d[0], d[1], d[2] = s[0], s[1], s[2]
	case 32:
		d, s := (*[4]uintptr)(dst), (*[4]uintptr)(src)
		d[0], d[1], d[2], d[3] = s[0], s[1], s[2], s[3]
	case 40:
		d, s := (*[5]uintptr)(dst), (*[5]uintptr)(src)
		d[0], d[1], d[2], d[3], d[4] = s[0], s[1], s[2], s[3], s[4]
	default:
		n := unsafe.Sizeof(*v) / unsafe.Sizeof(uintptr(0))
		dw := unsafe.Slice((*uintptr)(dst), n)
		sw := unsafe.Slice((*uintptr)(src), n)
		for i := range dw {
			dw[i] = sw[i]
		}
	}
}

// roundUp8 rounds n up to a multiple of 8.
func roundUp8(n int) int { return (n + 7) &^ 7 }
