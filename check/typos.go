package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib"
)

// Typos warns about record labels that are not well known but are one or
// two keystrokes away from one that is (<require-servce ...>), and about
// keys of a daemon's process spec that are close to a known option
// ({restrat: always}): a config with such a typo compiles and runs, and
// silently does nothing.
type Typos struct {
	labels     []string
	known      map[string]bool
	daemonKeys []string
}

// NewTypos returns the pass with the given well-known labels.
func NewTypos(labels []string) *Typos {
	t := &Typos{labels: labels, known: map[string]bool{}, daemonKeys: DaemonSpecKeys}
	for _, l := range labels {
		t.known[l] = true
	}
	return t
}

// Name implements Pass.
func (*Typos) Name() string { return "typo" }

// Check implements Pass.
func (t *Typos) Check(f *File, report func(Diagnostic)) {
	for _, v := range f.Values {
		t.value(v, report)
	}
}

func (t *Typos) value(v lang.Value, report func(Diagnostic)) {
	lang.Walk(v, func(v lang.Value) bool {
		x, ok := lang.Unwrap(v).(*lang.Record)
		if !ok {
			return true
		}
		if label, isSym := lang.Unwrap(x.Label).(lang.Symbol); isSym {
			t.label(string(label), positionOr(x.Label, v), report)
			if label == "daemon" && len(x.Fields) == 2 {
				t.daemonSpec(x.Fields[1], report)
			}
		}
		return true
	})
}

func (t *Typos) label(l string, p lang.Position, report func(Diagnostic)) {
	if t.known[l] || !plainLabel(l) {
		return
	}
	if near := nearest(l, t.labels); near != "" {
		report(Diagnostic{Pos: p, Severity: Warning, Suggestion: near,
			Message: fmt.Sprintf("unknown record label %s; did you mean %s?", l, near)})
	}
}

// daemonSpec checks the keys of <daemon ID {…}> (and of <one-shot {…}>
// inside it).
func (t *Typos) daemonSpec(spec lang.Value, report func(Diagnostic)) {
	switch x := lang.Unwrap(spec).(type) {
	case *lang.Record:
		if l, _ := lang.Unwrap(x.Label).(lang.Symbol); l == "one-shot" && len(x.Fields) == 1 {
			t.daemonSpec(x.Fields[0], report)
		}
	case *lang.Dictionary:
		for _, e := range x.Entries() {
			k, ok := lang.Unwrap(e.Key).(lang.Symbol)
			if !ok || containsString(t.daemonKeys, string(k)) {
				continue
			}
			if near := nearest(string(k), t.daemonKeys); near != "" {
				report(Diagnostic{Pos: positionOr(e.Key, spec), Severity: Warning, Suggestion: near,
					Message: fmt.Sprintf("unknown daemon option %s; did you mean %s?", k, near)})
			}
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func positionOr(v, outer lang.Value) lang.Position {
	if p := lang.PositionOf(v); p.IsValid() {
		return p
	}
	return lang.PositionOf(outer)
}

// DaemonSpecKeys are the options of a daemon's process spec
// (externalServices.prs: FullDaemonProcess and FullProcess).
var DaemonSpecKeys = []string{"argv", "env", "dir", "clearEnv", "readyOnStart", "restart", "protocol"}

// protocolLabels are the labels of records in the Syndicate protocols that
// configs write or watch (syndicate's service.prs, externalServices.prs,
// internalServices.prs, timer.prs, gatekeeper.prs, transportAddress.prs,
// control.prs, noise.prs, sturdy.prs, stream.prs, tcp.prs, http.prs).
var protocolLabels = []string{
	"require-service", "run-service", "service-state", "depends-on", "restart-service", "service-object",
	"daemon", "one-shot",
	"config-watcher", "debt-reporter", "gatekeeper", "http-router", "http-static-files", "relay-listener",
	"set-timer", "timer-expired", "later-than", "periodic-tick",
	"resolve", "resolve-path", "resolved-path", "connect-transport", "connected-transport", "bind", "bound",
	"route", "force-disconnect", "rejected", "accepted",
	"stdio", "tcp", "unix", "ws", "noise", "ref", "exit", "log", "Observe",
	"attenuate", "reject", "rewrite",
	"stream-connection", "stream-listener-ready", "stream-listener-error",
	"tcp-local", "tcp-remote", "tcp-peer",
	"http-bind", "http-listener", "http-request", "http-service",
	"milestone", "user-setting",
}

// WellKnownLabels are the labels a typo is measured against: those of the
// Syndicate protocols, and every record label that the standard library's
// service classes assert or observe (so a new class adds its vocabulary).
func WellKnownLabels() []string {
	set := map[string]bool{}
	for _, l := range protocolLabels {
		set[l] = true
	}
	for _, c := range stdlib.Classes() {
		vals, err := parser.ParseAll(c.Name, c.Source, parser.Options{})
		if err != nil {
			continue
		}
		for _, v := range vals {
			RecordLabels(v, set)
		}
	}
	out := make([]string, 0, len(set))
	for l := range set {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// RecordLabels adds to set the symbol labels of the records in v, at any
// depth, leaving out those that are not labels but script syntax: binders
// and variables ($x, ?x, _, =x) and attenuation (<* ...>).
func RecordLabels(v lang.Value, set map[string]bool) {
	lang.Walk(v, func(v lang.Value) bool {
		if r, ok := lang.Unwrap(v).(*lang.Record); ok {
			if l, ok := lang.Unwrap(r.Label).(lang.Symbol); ok && plainLabel(string(l)) {
				set[string(l)] = true
			}
		}
		return true
	})
}

// plainLabel reports whether l is a record label as written, not script
// syntax in a label's place.
func plainLabel(l string) bool {
	return l != "" && !strings.ContainsAny(l[:1], "$?=*_")
}
