package eval

import "github.com/synd-lang/synd/lang"

// outbound is one assertion a facet holds.
type outbound struct {
	handle Handle
	target *Ref       // nil: retracted, a hole until the table is compacted
	value  lang.Value // as delivered (after attenuation); nil: attenuation dropped it, nothing to retract
}

// outbounds is a facet's table of the assertions it holds: a slice in
// handle order (handles are issued in increasing order, and an assertion
// is recorded as it is made), searched by bisection. A retracted entry
// leaves a hole; holes at either end are dropped at once, and the rest are
// squeezed out when they outnumber the live entries, so the table stays
// within about twice its live size and a retraction costs O(log n)
// amortised — no hashing, and 32 bytes an entry instead of a map's slot and
// its slack. Holes at the front of a small table (retraction oldest first)
// cost nothing until an append needs their room.
type outbounds struct {
	list []outbound
	lo   int32 // list[:lo] are holes
	live int32
}

// shrinkAbove is the capacity past which an emptied table gives its memory
// back instead of keeping it for reuse.
const shrinkAbove = 256

// add records a new assertion; h must exceed every handle already held.
func (o *outbounds) add(h Handle, target *Ref, v lang.Value) {
	if n := len(o.list); n == cap(o.list) && o.lo > 0 && int(o.lo) >= n/4 {
		o.compact() // room at the front: move down rather than grow
	}
	o.list = append(o.list, outbound{handle: h, target: target, value: v})
	o.live++
}

// find returns the index of the live entry of h, or -1.
func (o *outbounds) find(h Handle) int {
	l := o.list
	n := len(l)
	if n == 0 {
		return -1
	}
	if e := &l[n-1]; e.handle <= h { // the newest: a common case
		if e.handle == h && e.target != nil {
			return n - 1
		}
		return -1
	}
	i, j := int(o.lo), n-1
	if e := &l[i]; e.handle >= h { // the oldest: the other common case
		if e.handle == h && e.target != nil {
			return i
		}
		return -1
	}
	for i < j {
		m := int(uint(i+j) >> 1)
		if l[m].handle < h {
			i = m + 1
		} else {
			j = m
		}
	}
	if l[i].handle == h && l[i].target != nil {
		return i
	}
	return -1
}

// remove retracts entry i from the table and returns it.
func (o *outbounds) remove(i int) outbound {
	e := o.list[i]
	o.list[i] = outbound{handle: e.handle}
	o.live--
	switch {
	case o.live == 0:
		if cap(o.list) > shrinkAbove {
			o.list = nil
		} else {
			clear(o.list)
			o.list = o.list[:0]
		}
		o.lo = 0
	case i == len(o.list)-1:
		n := i
		for o.list[n-1].target == nil {
			n--
		}
		o.list = o.list[:n]
		if cap(o.list) > shrinkAbove && n < cap(o.list)/4 {
			o.compact() // a big table gives back what it no longer needs
		}
	case i == int(o.lo):
		lo := i + 1
		for o.list[lo].target == nil {
			lo++
		}
		o.lo = int32(lo)
		if lo > len(o.list)/2 && cap(o.list) > shrinkAbove {
			o.compact() // a big table gives back what its front holes hold
		}
	case len(o.list)-int(o.lo) > 2*int(o.live)+8:
		o.compact()
	}
	return e
}

// compact squeezes the holes out, keeping the order.
func (o *outbounds) compact() {
	old := o.list
	fresh := cap(old) > shrinkAbove && int(o.live) < cap(old)/4
	l := old[:0]
	if fresh {
		l = make([]outbound, 0, 2*int(o.live))
	}
	for _, e := range old[o.lo:] {
		if e.target != nil {
			l = append(l, e)
		}
	}
	if !fresh {
		clear(old[len(l):])
	}
	o.list, o.lo = l, 0
}

// take empties the table and returns its live entries (and holes), in
// handle order.
func (o *outbounds) take() []outbound {
	l := o.list[o.lo:]
	*o = outbounds{}
	return l
}
