package tracefile

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// Files lists a trace file and its rotated predecessors that exist, oldest
// first (FILE.N ... FILE.1, FILE).
func Files(path string) []string {
	var out []string
	for i := 1; ; i++ {
		p := fmt.Sprintf("%s.%d", path, i)
		if _, err := os.Stat(p); err != nil {
			break
		}
		out = append([]string{p}, out...)
	}
	return append(out, path)
}

// Summary is what a trace holds, counted.
type Summary struct {
	Entries     int
	Turns       int
	First, Last time.Time
	// Actors maps each actor's name to the number of its turns.
	Actors map[string]int
	// Kinds counts the actions by kind: assert, retract, message, sync,
	// facet-start, facet-stop.
	Kinds map[string]int
	// Labels counts the labels of asserted records and messages.
	Labels map[string]int
}

// Visit reads the entries of the trace files in order and calls fn with each
// entry's time, its actor's name and its actions (a start entry has none).
func Visit(files []string, fn func(at time.Time, actor string, actions []*lang.Record)) error {
	names := map[string]string{}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		r := parser.NewReader(file, src, parser.Options{})
		for {
			v, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			e, ok := v.(*lang.Record)
			if !ok || lang.Text(e.Label) != "trace" || len(e.Fields) != 3 {
				return fmt.Errorf("%s: not a trace entry: %.80s", file, lang.Format(v))
			}
			secs, _ := e.Fields[0].(lang.Double)
			at := time.Unix(0, int64(float64(secs)*1e9)).UTC()
			id := lang.Format(e.Fields[1])
			item, _ := e.Fields[2].(*lang.Record)
			if item == nil {
				continue
			}
			switch lang.Text(item.Label) {
			case "start":
				if len(item.Fields) == 1 {
					if n, ok := item.Fields[0].(*lang.Record); ok && len(n.Fields) == 1 {
						names[id] = lang.Text(n.Fields[0])
					}
				}
				fn(at, nameOf(names, id), nil)
			case "turn":
				var actions []*lang.Record
				if len(item.Fields) == 3 {
					if seq, ok := item.Fields[2].(lang.Sequence); ok {
						for _, a := range seq {
							if r, ok := a.(*lang.Record); ok {
								actions = append(actions, r)
							}
						}
					}
				}
				fn(at, nameOf(names, id), actions)
			}
		}
	}
	return nil
}

func nameOf(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n + "#" + id
	}
	return "#" + id
}

// Event returns the kind of a dequeued action and its value (for assert and
// message), or the action's own label (facet-start, facet-stop).
func Event(action *lang.Record) (kind string, value lang.Value) {
	if lang.Text(action.Label) != "dequeue" || len(action.Fields) != 1 {
		return lang.Text(action.Label), nil
	}
	ev, ok := action.Fields[0].(*lang.Record)
	if !ok || len(ev.Fields) != 2 {
		return "?", nil
	}
	d, ok := ev.Fields[1].(*lang.Record)
	if !ok {
		return "?", nil
	}
	kind = lang.Text(d.Label)
	if (kind == "assert" || kind == "message") && len(d.Fields) > 0 {
		if w, ok := d.Fields[0].(*lang.Record); ok && len(w.Fields) == 1 {
			value = w.Fields[0]
		}
	}
	return kind, value
}

// Summarise counts what the trace files hold.
func Summarise(files []string) (*Summary, error) {
	s := &Summary{Actors: map[string]int{}, Kinds: map[string]int{}, Labels: map[string]int{}}
	err := Visit(files, func(at time.Time, actor string, actions []*lang.Record) {
		s.Entries++
		if s.First.IsZero() {
			s.First = at
		}
		s.Last = at
		if actions == nil {
			return
		}
		s.Turns++
		s.Actors[actor]++
		for _, a := range actions {
			kind, v := Event(a)
			s.Kinds[kind]++
			if r, ok := v.(*lang.Record); ok {
				s.Labels[lang.Format(r.Label)]++
			}
		}
	})
	return s, err
}

// Write prints the summary, the busiest actors and labels first (top at
// most of each).
func (s *Summary) Write(w io.Writer, top int) {
	fmt.Fprintf(w, "%d turns in %d entries, %s to %s (%s)\n", s.Turns, s.Entries,
		s.First.Format(time.RFC3339Nano), s.Last.Format(time.RFC3339Nano), s.Last.Sub(s.First).Round(time.Millisecond))
	fmt.Fprintln(w, "actions:")
	for _, kv := range sorted(s.Kinds, 0) {
		fmt.Fprintf(w, "  %-12s %d\n", kv.k, kv.n)
	}
	fmt.Fprintf(w, "busiest actors (of %d):\n", len(s.Actors))
	for _, kv := range sorted(s.Actors, top) {
		fmt.Fprintf(w, "  %-30s %d turns\n", kv.k, kv.n)
	}
	fmt.Fprintf(w, "most asserted or sent labels (of %d):\n", len(s.Labels))
	for _, kv := range sorted(s.Labels, top) {
		fmt.Fprintf(w, "  %-30s %d\n", kv.k, kv.n)
	}
}

type count struct {
	k string
	n int
}

func sorted(m map[string]int, top int) []count {
	var out []count
	for k, n := range m {
		out = append(out, count{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].k < out[j].k
	})
	if top > 0 && len(out) > top {
		out = out[:top]
	}
	return out
}

// Service prints, one line each, the assertions (+), retractions (-) and
// messages (!) of the trace whose text mentions service (as <daemon web>, or
// just web), with their time. The answers to synd status, which mention
// every service, are left out.
func Service(files []string, service string, w io.Writer) error {
	shown := map[string]string{} // handle → text of a shown assertion
	return Visit(files, func(at time.Time, actor string, actions []*lang.Record) {
		for _, a := range actions {
			kind, v := Event(a)
			mark, text := "", ""
			switch kind {
			case "assert", "message":
				r, ok := v.(*lang.Record)
				if !ok {
					continue // captures delivered to an observer repeat what was asserted
				}
				if l, _ := r.Label.(lang.Symbol); l == "synd-status-reply" {
					continue // a status snapshot, made for synd status, names every service
				}
				text = lang.Format(v)
				if !strings.Contains(text, service) {
					continue
				}
				mark = "!"
				if kind == "assert" {
					mark = "+"
					shown[handleOf(a)] = text
				}
			case "retract":
				h := handleOf(a)
				var ok bool
				if text, ok = shown[h]; !ok {
					continue
				}
				delete(shown, h)
				mark = "-"
			default:
				continue
			}
			fmt.Fprintf(w, "%s %s %s\n", at.Format(time.RFC3339Nano), mark, text)
		}
	})
}

// handleOf is the handle of a dequeued assert or retract, as text.
func handleOf(action *lang.Record) string {
	if len(action.Fields) == 1 {
		if ev, ok := action.Fields[0].(*lang.Record); ok && len(ev.Fields) == 2 {
			if d, ok := ev.Fields[1].(*lang.Record); ok && len(d.Fields) > 0 {
				return lang.Format(d.Fields[len(d.Fields)-1])
			}
		}
	}
	return ""
}
