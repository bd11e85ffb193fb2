// Package tracefile writes a system's turns to a file as Preserves text, one
// <trace TIMESTAMP ACTOR ACTIVATION> record a line in the form of
// syndicate's trace.prs (as syndicate-server's --trace-file writes them), with
// a bounded size: past it the file is rotated (FILE → FILE.1 → FILE.2 ...).
// It also reads such files back for summaries.
package tracefile

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// DefaultMaxSize is the size a trace file may reach before it is rotated.
const DefaultMaxSize = 64 << 20

// DefaultKeep is how many rotated files are kept beside the current one.
const DefaultKeep = 3

// Writer receives a system's trace events (see eval.System.Trace) and writes
// one trace entry per turn. Its methods are safe for concurrent use.
type Writer struct {
	path    string
	maxSize int64
	keep    int
	now     func() time.Time

	mu      sync.Mutex
	f       *os.File
	w       *bufio.Writer
	size    int64
	err     error
	turn    uint64
	actor   *eval.Actor
	at      time.Time
	actions []lang.Value
	seen    map[*eval.Actor]bool
	buf     []byte
	stop    chan struct{}
	done    chan struct{}
}

// Options adjust a Writer; zero values take the defaults.
type Options struct {
	MaxSize int64 // bytes before rotation
	Keep    int   // rotated files kept
	// Now reads the clock for timestamps (default time.Now).
	Now func() time.Time
	// FlushEvery is how often buffered entries reach the file (default 200 ms).
	FlushEvery time.Duration
}

// Create opens (truncating) the trace file at path.
func Create(path string, opts Options) (*Writer, error) {
	if opts.MaxSize <= 0 {
		opts.MaxSize = DefaultMaxSize
	}
	if opts.Keep <= 0 {
		opts.Keep = DefaultKeep
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = 200 * time.Millisecond
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	tw := &Writer{path: path, maxSize: opts.MaxSize, keep: opts.Keep, now: opts.Now,
		f: f, w: bufio.NewWriterSize(f, 64<<10), seen: map[*eval.Actor]bool{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go tw.flusher(opts.FlushEvery)
	return tw, nil
}

func (tw *Writer) flusher(every time.Duration) {
	defer close(tw.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			tw.mu.Lock()
			tw.endTurn()
			if tw.err == nil {
				tw.err = tw.w.Flush()
			}
			tw.mu.Unlock()
		case <-tw.stop:
			return
		}
	}
}

// Trace is the function to install as eval.System.Trace.
func (tw *Writer) Trace(e eval.Event) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	switch e.Kind {
	case "turn":
		tw.endTurn()
		tw.turn++
		tw.actor = e.Facet.Actor()
		tw.at = tw.now()
		if !tw.seen[tw.actor] {
			tw.seen[tw.actor] = true
			tw.entry(tw.at, tw.actor, rec("start", rec("named", lang.String(tw.actor.Name()))))
		}
	case "facet-start":
		tw.actions = append(tw.actions, rec("facet-start", facetPath(e.Facet)))
	case "facet-stop":
		reason := lang.Symbol("explicit-action")
		if p := e.Facet.Parent(); p != nil && !p.Alive() {
			reason = "parent-stopping"
		} else if p == nil {
			reason = "actor-stopping"
		}
		tw.actions = append(tw.actions, rec("facet-stop", facetPath(e.Facet), reason))
	default:
		var detail lang.Value
		switch e.Kind {
		case "assert":
			detail = rec("assert", rec("value", e.Value), lang.Int(int64(e.Handle)))
		case "retract":
			detail = rec("retract", lang.Int(int64(e.Handle)))
		case "message":
			detail = rec("message", rec("value", e.Value))
		default:
			detail = rec(e.Kind, target(e.Target))
		}
		tw.actions = append(tw.actions, rec("dequeue", rec("event", target(e.Target), detail)))
	}
}

// endTurn writes the turn being collected, if it did anything.
func (tw *Writer) endTurn() {
	if tw.actor == nil || len(tw.actions) == 0 {
		return
	}
	turn := rec("turn", lang.Int(int64(tw.turn)), rec("external", lang.String("synd")), lang.Sequence(tw.actions))
	tw.entry(tw.at, tw.actor, turn)
	tw.actions = tw.actions[:0]
}

func (tw *Writer) entry(at time.Time, a *eval.Actor, item lang.Value) {
	if tw.err != nil {
		return
	}
	ts := float64(at.UnixNano()) / 1e9
	tw.buf = append(tw.buf[:0], "<trace "...)
	tw.buf = strconv.AppendFloat(tw.buf, ts, 'f', 6, 64)
	tw.buf = append(tw.buf, ' ')
	tw.buf = strconv.AppendUint(tw.buf, a.ID(), 10)
	tw.buf = append(tw.buf, ' ')
	tw.buf = append(tw.buf, lang.Format(item)...)
	tw.buf = append(tw.buf, ">\n"...)
	if tw.size > 0 && tw.size+int64(len(tw.buf)) > tw.maxSize {
		tw.rotate()
		if tw.err != nil {
			return
		}
	}
	n, err := tw.w.Write(tw.buf)
	tw.size += int64(n)
	tw.err = err
}

// rotate moves FILE to FILE.1 (FILE.1 to FILE.2, ...; the oldest beyond keep
// is removed) and starts FILE again.
func (tw *Writer) rotate() {
	if tw.err = tw.w.Flush(); tw.err != nil {
		return
	}
	if tw.err = tw.f.Close(); tw.err != nil {
		return
	}
	_ = os.Remove(fmt.Sprintf("%s.%d", tw.path, tw.keep))
	for i := tw.keep - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", tw.path, i), fmt.Sprintf("%s.%d", tw.path, i+1))
	}
	if tw.err = os.Rename(tw.path, tw.path+".1"); tw.err != nil {
		return
	}
	tw.f, tw.err = os.Create(tw.path)
	if tw.err == nil {
		tw.w.Reset(tw.f)
		tw.size = 0
	}
}

// Close writes what is buffered and closes the file. It returns the first
// error the writer met.
func (tw *Writer) Close() error {
	close(tw.stop)
	<-tw.done
	tw.mu.Lock()
	defer tw.mu.Unlock()
	tw.endTurn()
	if tw.err == nil {
		tw.err = tw.w.Flush()
	}
	if err := tw.f.Close(); tw.err == nil {
		tw.err = err
	}
	return tw.err
}

func rec(label string, fields ...lang.Value) lang.Value {
	return lang.NewRecord(lang.Symbol(label), fields...)
}

func target(r *eval.Ref) lang.Value {
	f := r.Facet()
	var actor, facet lang.Value = lang.Bool(false), lang.Bool(false)
	if f != nil {
		actor, facet = lang.Int(int64(f.Actor().ID())), lang.Int(int64(f.ID()))
	}
	return rec("entity", actor, facet, lang.Int(int64(r.EmbeddedID())))
}

func facetPath(f *eval.Facet) lang.Value {
	var path lang.Sequence
	for ; f != nil; f = f.Parent() {
		path = append(lang.Sequence{lang.Int(int64(f.ID()))}, path...)
	}
	return path
}
