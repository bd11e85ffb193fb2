package status

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/synd-lang/synd/lang"
)

// stateColours are the ANSI colours of states.
var stateColours = map[string]string{
	"ready": "32", "up": "32", "complete": "34", "started": "33", "waiting": "33", "failed": "31;1", "down": "90",
}

func paint(on bool, state, text string) string {
	if !on {
		return text
	}
	c, ok := stateColours[state]
	if !ok {
		c = "35"
	}
	return "\x1b[" + c + "m" + text + "\x1b[0m"
}

// ago is a short age: 42s, 3m12s, 5h3m, 2d4h.
func ago(since time.Time) string {
	d := time.Since(since)
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm%ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}

// WriteList prints one line per service. On a terminal of the given width
// (0: no limit) the last exit and then the name are cut, with an ellipsis,
// so that every line fits.
func WriteList(w io.Writer, list []*Service, colour bool, width int) {
	header := []string{"SERVICE", "STATE", "PIDS", "RESTARTS", "SINCE", "LAST EXIT"}
	rows := [][]string{header}
	states := []string{""}
	for _, s := range list {
		pids := "-"
		if len(s.PIDs) > 0 {
			var ps []string
			for _, p := range s.PIDs {
				ps = append(ps, strconv.Itoa(p))
			}
			pids = strings.Join(ps, ",")
		}
		last := "-"
		if s.LastExit != nil {
			last = lang.Format(s.LastExit)
		}
		rows = append(rows, []string{Short(s.Name), s.State(), pids, strconv.Itoa(s.Restarts), ago(s.Since), last})
		states = append(states, s.State())
	}
	widths := make([]int, len(header))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], runeLen(c))
		}
	}
	if width > 0 {
		total := 2 * (len(widths) - 1)
		for _, x := range widths {
			total += x
		}
		// Cut the last exit, then the name, never below a readable size.
		for _, col := range []struct{ i, least int }{{5, 9}, {0, 16}} {
			if over := total - width; over > 0 {
				cut := min(over, widths[col.i]-col.least)
				if cut > 0 {
					widths[col.i] -= cut
					total -= cut
				}
			}
		}
	}
	for n, r := range rows {
		var b strings.Builder
		for i, c := range r {
			c = cut(c, widths[i])
			pad := strings.Repeat(" ", widths[i]-runeLen(c))
			if i == 1 && n > 0 {
				b.WriteString(paint(colour, states[n], c))
			} else {
				b.WriteString(c)
			}
			if i < len(r)-1 {
				b.WriteString(pad + "  ")
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

func runeLen(s string) int { return len([]rune(s)) }

// cut shortens s to n runes, the last an ellipsis.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n || n < 1 {
		return s
	}
	return string(r[:n-1]) + "…"
}

// WriteDetail prints one service as systemctl status does.
func WriteDetail(w io.Writer, m *Model, s *Service, colour bool) {
	st := s.State()
	fmt.Fprintf(w, "%s %s\n", paint(colour, st, "●"), Key(s.Name))
	fmt.Fprintf(w, "     State: %s", paint(colour, st, st))
	if len(s.States) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(s.States, ", "))
	}
	fmt.Fprintf(w, " since %s; %s ago\n", s.Since.Local().Format("2006-01-02 15:04:05 MST"), ago(s.Since))
	fmt.Fprintf(w, "  Required: %s   Running: %s\n", yesNo(s.Required), yesNo(s.Running))
	if len(s.PIDs) > 0 {
		var ps []string
		for _, p := range s.PIDs {
			ps = append(ps, strconv.Itoa(p))
		}
		fmt.Fprintf(w, "      PIDs: %s\n", strings.Join(ps, ", "))
	}
	fmt.Fprintf(w, "  Restarts: %d   Exits: %d", s.Restarts, s.Exits)
	if s.LastExit != nil {
		fmt.Fprintf(w, ", last exit %s", lang.Format(s.LastExit))
	}
	fmt.Fprintln(w)
	if len(s.Deps) > 0 {
		fmt.Fprintln(w, "Depends on:")
		for _, d := range s.Deps {
			mark, state := "✓", "ready"
			if !m.Met(d) {
				mark, state = "✗", "failed"
			}
			fmt.Fprintf(w, "  %s %s %s\n", paint(colour, state, mark), Key(d.On), d.State)
		}
	}
	if !s.Required || st != "ready" && st != "up" && st != "complete" {
		if why := m.Why(s); len(why) > 0 && (len(why) > 1 || st != "down") {
			fmt.Fprintln(w, "Why:")
			for _, line := range why {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
	}
	if len(s.Log) > 0 {
		fmt.Fprintln(w, "Log:")
		for _, l := range s.Log {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// elided stands for an embedded reference in Short's text.
type elided struct{}

// Describe implements lang.Describer: the writer shows #:….
func (elided) Describe() lang.Value { return lang.Symbol("…") }

// Short is the text of a service name for the one-line list: embedded
// references (a config-watcher's environment holds some) are written #:…,
// since the peer's description of them is long and says nothing about
// the service. Key gives the whole text.
func Short(name lang.Value) string { return lang.Format(elide(lang.Strip(name))) }

func elide(v lang.Value) lang.Value {
	return lang.Map(v, func(v lang.Value) (lang.Value, bool) {
		if _, ok := v.(lang.Embedded); ok {
			return lang.Embedded{Ref: elided{}}, true
		}
		return nil, false
	})
}
