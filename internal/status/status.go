// Package status keeps a model of a running service system, built from what
// can be seen in its $config dataspace and on its $log: which services are
// required and running, their states, their dependencies, the processes of
// their daemons, how often those exited and what they printed last.
//
// The model is plain data fed by events (Assert, Retract, Log); it knows
// nothing of where they come from, so the same model serves a system in this
// process, one reached over a control socket, and tests.
package status

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/synd-lang/synd/lang"
)

// LogLines is how many of a service's latest log lines the model keeps.
const LogLines = 10

// Service is what the model knows of one service.
type Service struct {
	// Name is the service's value, as in <require-service NAME>.
	Name lang.Value
	// Required is true while <require-service NAME> is asserted.
	Required bool
	// Running is true while the dependency tracker asserts <run-service NAME>.
	Running bool
	// States are the states asserted as <service-state NAME STATE>, sorted.
	States []string
	// Since is when the set of states last changed.
	Since time.Time
	// PIDs are the process ids of the service's running processes, sorted.
	PIDs []int
	// Exits counts the times a process of the service exited.
	Exits int
	// Restarts counts the times the service was started again after it had
	// failed or completed, and the times its supervisor started (or tried
	// to start) a process again after one had exited, as systemd's
	// NRestarts counts automatic restarts.
	Restarts int
	// LastExit is the status of the latest exit (an integer, or <error WHY>
	// for a program that could not be started); nil before any.
	LastExit lang.Value
	// Log holds the latest log lines of the service, oldest first.
	Log []string
	// Deps are the service's dependencies, as <depends-on NAME <service-state
	// DEP STATE>> assertions name them, in the order they appeared.
	Deps []Dep

	ended    bool      // it failed or completed since it last started
	exited   bool      // a process of it exited and none has started since
	lastExit time.Time // when a process of it last exited
}

// Dep is one dependency of a service.
type Dep struct {
	On    lang.Value // the service depended on
	State string     // the state it must be in
}

// State is the service's principal state: the most telling of its states
// (ready over started, failed over started), or "down" when it has none, or
// "required" when required but not yet running.
func (s *Service) State() string {
	for _, st := range []string{"failed", "ready", "complete", "started"} {
		if slices.Contains(s.States, st) {
			return st
		}
	}
	for _, st := range s.States {
		if st != "up" {
			return st
		}
	}
	if slices.Contains(s.States, "up") {
		return "up"
	}
	if s.Required && !s.Running {
		return "waiting"
	}
	return "down"
}

// Model is the state of one system as seen through its assertions. It is not
// safe for concurrent use.
type Model struct {
	// OnEvent, if set, is told of each lifecycle event as the model sees it.
	OnEvent func(Event)

	now      func() time.Time
	services map[string]*Service
	order    []string
	// counts of identical assertions, so that a retraction of one of two
	// equal assertions keeps the fact.
	held map[string]int
}

// New returns an empty model reading the time from now (nil: time.Now).
func New(now func() time.Time) *Model {
	if now == nil {
		now = time.Now
	}
	return &Model{now: now, services: map[string]*Service{}, held: map[string]int{}}
}

// Internal reports whether a service is one the standard library's classes
// run for their own bookkeeping (the per-process services of a daemon, its
// readiness and completion), rather than one a configuration names.
func Internal(name lang.Value) bool {
	r, ok := lang.Unwrap(name).(*lang.Record)
	if !ok {
		return false
	}
	label := lang.Text(r.Label)
	return strings.HasPrefix(label, "daemon-")
}

// Key is the text form of a service name, by which the model indexes it.
func Key(name lang.Value) string { return lang.Format(lang.Strip(name)) }

func (m *Model) service(name lang.Value) *Service {
	k := Key(name)
	s := m.services[k]
	if s == nil {
		s = &Service{Name: lang.Strip(name), Since: m.now()}
		m.services[k] = s
		m.order = append(m.order, k)
	}
	return s
}

// Lookup returns the service named by the text k (as Key writes it).
func (m *Model) Lookup(k string) (*Service, bool) {
	s, ok := m.services[k]
	return s, ok
}

// Services returns every service the model knows, sorted by name.
func (m *Model) Services() []*Service {
	keys := slices.Clone(m.order)
	sort.Strings(keys)
	out := make([]*Service, 0, len(keys))
	for _, k := range keys {
		out = append(out, m.services[k])
	}
	return out
}

// Match returns the services whose name's text contains pattern (all of
// them for an empty pattern), sorted by name.
func (m *Model) Match(pattern string) []*Service {
	var out []*Service
	for _, s := range m.Services() {
		if pattern == "" || strings.Contains(Key(s.Name), pattern) {
			out = append(out, s)
		}
	}
	return out
}

// Find resolves a user's name for a service: its exact text (<daemon
// docker>), else the first field of its name (docker), else a part of its
// text that only it has. Services a configuration names are preferred to the
// standard library's own bookkeeping services (see Internal).
func (m *Model) Find(name string) (*Service, error) {
	if s, ok := m.services[name]; ok {
		return s, nil
	}
	firstField := func(s *Service) bool {
		r, ok := lang.Unwrap(s.Name).(*lang.Record)
		return ok && len(r.Fields) > 0 && lang.Text(r.Fields[0]) == name
	}
	contains := func(s *Service) bool { return strings.Contains(Key(s.Name), name) }
	var hits []*Service
	for _, match := range []func(*Service) bool{firstField, contains} {
		for _, internal := range []bool{false, true} {
			hits = hits[:0]
			for _, s := range m.Services() {
				if Internal(s.Name) == internal && match(s) {
					hits = append(hits, s)
				}
			}
			if len(hits) == 1 {
				return hits[0], nil
			}
			if len(hits) > 1 {
				var names []string
				for _, h := range hits {
					names = append(names, Key(h.Name))
				}
				return nil, fmt.Errorf("%q matches %d services: %s", name, len(hits), strings.Join(names, ", "))
			}
		}
	}
	return nil, fmt.Errorf("no service matches %q", name)
}

// Patterns are the shapes of assertion the model reads, as record labels with
// their arity: a feeder observes these in $config.
var Patterns = []struct {
	Label string
	Arity int
}{
	{"require-service", 1},
	{"run-service", 1},
	{"service-state", 2},
	{"depends-on", 2},
}

// Assert records an assertion seen in $config.
func (m *Model) Assert(v lang.Value) { m.change(v, +1) }

// Retract records that an assertion left $config.
func (m *Model) Retract(v lang.Value) { m.change(v, -1) }

func (m *Model) change(v lang.Value, delta int) {
	v = lang.Strip(v)
	r, ok := v.(*lang.Record)
	if !ok {
		return
	}
	label, _ := r.Label.(lang.Symbol)
	k := lang.Format(v)
	n := m.held[k] + delta
	if n < 0 {
		n = 0
	}
	if n == 0 {
		delete(m.held, k)
	} else {
		m.held[k] = n
	}
	present := n > 0
	if (delta > 0 && n != 1) || (delta < 0 && present) {
		return // a duplicate came or went: nothing changed
	}
	switch {
	case label == "require-service" && len(r.Fields) == 1:
		m.service(r.Fields[0]).Required = present
		if present {
			m.emit(Event{Service: r.Fields[0], Kind: "required"})
		} else {
			m.emit(Event{Service: r.Fields[0], Kind: "released"})
		}
	case label == "run-service" && len(r.Fields) == 1:
		s := m.service(r.Fields[0])
		s.Running = present
		if !present {
			// Stopped while still required (restart-service, a dependency
			// lost): its next start is a restart.
			s.ended = s.Required
			s.exited = false
			m.emit(Event{Service: s.Name, Kind: "stopped"})
		}
	case label == "service-state" && len(r.Fields) == 2:
		s := m.service(r.Fields[0])
		st := lang.Text(r.Fields[1])
		if present && !slices.Contains(s.States, st) {
			s.States = append(s.States, st)
			sort.Strings(s.States)
			s.Since = m.now()
			m.stateAdded(s, st)
		} else if !present {
			if i := slices.Index(s.States, st); i >= 0 {
				s.States = slices.Delete(s.States, i, i+1)
				s.Since = m.now()
			}
		}
	case label == "depends-on" && len(r.Fields) == 2:
		cond, ok := r.Fields[1].(*lang.Record)
		if !ok || lang.Text(cond.Label) != "service-state" || len(cond.Fields) != 2 {
			return
		}
		s := m.service(r.Fields[0])
		d := Dep{On: cond.Fields[0], State: lang.Text(cond.Fields[1])}
		i := slices.IndexFunc(s.Deps, func(x Dep) bool { return x.State == d.State && lang.Equal(x.On, d.On) })
		if present && i < 0 {
			s.Deps = append(s.Deps, d)
			m.service(d.On)
		} else if !present && i >= 0 {
			s.Deps = slices.Delete(s.Deps, i, i+1)
		}
	}
}

// ProcessStarted records a process of the service name, with its pid (the
// daemon supervisor tells the model; see stdlib.DaemonEvents).
func (m *Model) ProcessStarted(name lang.Value, pid int) {
	s := m.service(name)
	m.processRestarted(s)
	if !slices.Contains(s.PIDs, pid) {
		s.PIDs = append(s.PIDs, pid)
		slices.Sort(s.PIDs)
	}
}

// ProcessExited records the exit of a process of the service name (pid 0:
// a program that could not start).
func (m *Model) ProcessExited(name lang.Value, pid int, status lang.Value) {
	s := m.service(name)
	if i := slices.Index(s.PIDs, pid); i >= 0 {
		s.PIDs = slices.Delete(s.PIDs, i, i+1)
	}
	if pid == 0 {
		m.processRestarted(s) // a start attempt that failed at once
	}
	s.exited = true
	s.Exits++
	s.LastExit = status
	s.lastExit = m.now()
	m.emit(Event{Service: s.Name, Kind: "exited", Status: status})
}

// processRestarted counts a process start that follows an exit while the
// service stayed up: the supervisor restarting it by its policy.
func (m *Model) processRestarted(s *Service) {
	if s.exited {
		s.exited = false
		m.restarted(s)
	}
}

// restarted counts a restart of s and tells of it, with the time since its
// last exit.
func (m *Model) restarted(s *Service) {
	s.Restarts++
	e := Event{Service: s.Name, Kind: "restarted", Count: s.Restarts}
	if !s.lastExit.IsZero() {
		e.Delay = m.now().Sub(s.lastExit)
	}
	m.emit(e)
}

// Log records a message seen on $log: <log TIMESTAMP {service: NAME, ...}>.
// Lines of a service's output are kept as its latest lines.
func (m *Model) Log(v lang.Value) {
	r, ok := lang.Strip(v).(*lang.Record)
	if !ok || lang.Text(r.Label) != "log" || len(r.Fields) != 2 {
		return
	}
	d, ok := r.Fields[1].(*lang.Dictionary)
	if !ok {
		return
	}
	name, ok := d.Get(lang.Symbol("service"))
	if !ok {
		return
	}
	s := m.service(name)
	line, _ := d.Get(lang.Symbol("line"))
	text := strings.TrimRight(lang.Text(line), "\n")
	if why, ok := d.Get(lang.Symbol("error")); ok {
		text += ": " + lang.Text(why)
	}
	if text == "" {
		return
	}
	s.Log = append(s.Log, text)
	if len(s.Log) > LogLines {
		s.Log = slices.Delete(s.Log, 0, len(s.Log)-LogLines)
	}
}

// Met reports whether a dependency is satisfied now.
func (m *Model) Met(d Dep) bool {
	s, ok := m.services[Key(d.On)]
	return ok && slices.Contains(s.States, d.State)
}

// Why explains why the named service is not up: each line of the result is a
// step of the chain from the service to the first unmet dependency, and the
// last says what is wrong there.
func (m *Model) Why(s *Service) []string {
	var chain []string
	seen := map[string]bool{}
	for {
		k := Key(s.Name)
		if seen[k] {
			return append(chain, k+" is part of a dependency cycle")
		}
		seen[k] = true
		var next *Service
		for _, d := range s.Deps {
			if !m.Met(d) {
				next = m.services[Key(d.On)]
				chain = append(chain, fmt.Sprintf("%s waits for %s to be %s", k, Key(d.On), d.State))
				break
			}
		}
		if next == nil {
			return append(chain, m.verdict(s))
		}
		s = next
	}
}

func (m *Model) verdict(s *Service) string {
	k := Key(s.Name)
	st := s.State()
	var b strings.Builder
	switch st {
	case "ready", "complete", "up":
		fmt.Fprintf(&b, "%s is %s", k, st)
	case "down":
		fmt.Fprintf(&b, "%s is not required by anything", k)
	case "waiting":
		fmt.Fprintf(&b, "%s is required but not running", k)
	default:
		fmt.Fprintf(&b, "%s is %s", k, st)
	}
	if s.Exits > 0 {
		fmt.Fprintf(&b, ", exited %d time%s, last exit %s", s.Exits, plural(s.Exits), lang.Format(s.LastExit))
	}
	if n := len(s.Log); n > 0 && st != "ready" && st != "up" && !strings.Contains(b.String(), s.Log[n-1]) {
		last := s.Log[n-1]
		if r, ok := s.LastExit.(*lang.Record); ok && len(r.Fields) == 1 && strings.Contains(last, lang.Text(r.Fields[0])) {
			return b.String() // the line only repeats the error
		}
		fmt.Fprintf(&b, ": %s", last)
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Event is one lifecycle event of a service.
type Event struct {
	Service lang.Value
	// Kind is required, released, started, restarted, ready, complete,
	// failed, exited, stopped, or state (a user-defined state, in State).
	Kind  string
	State string
	// Status is the exit status, for exited.
	Status lang.Value
	// Count is how many times the service restarted, for restarted.
	Count int
	// Delay is the time since the last exit, for restarted.
	Delay time.Duration
}

func (m *Model) emit(e Event) {
	if m.OnEvent != nil {
		m.OnEvent(e)
	}
}

func (m *Model) stateAdded(s *Service, st string) {
	switch st {
	case "started":
		if s.ended {
			s.ended, s.exited = false, false
			m.restarted(s)
			return
		}
		m.emit(Event{Service: s.Name, Kind: "started"})
	case "failed", "complete":
		s.ended = true
		m.emit(Event{Service: s.Name, Kind: st})
	case "ready":
		m.emit(Event{Service: s.Name, Kind: st})
	case "up":
	default:
		m.emit(Event{Service: s.Name, Kind: "state", State: st})
	}
}

// Without returns a copy of the model that leaves out the services drop
// picks, and the dependencies on them.
func (m *Model) Without(drop func(name lang.Value) bool) *Model {
	out := New(m.now)
	for _, k := range m.order {
		s := m.services[k]
		if drop(s.Name) {
			continue
		}
		c := *s
		c.Deps = nil
		for _, d := range s.Deps {
			if !drop(d.On) {
				c.Deps = append(c.Deps, d)
			}
		}
		out.services[k] = &c
		out.order = append(out.order, k)
	}
	return out
}
