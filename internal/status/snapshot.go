package status

import (
	"fmt"
	"time"

	"github.com/synd-lang/synd/lang"
)

// Snapshot writes the model as a Preserves value: a sequence with one
// dictionary per service, sorted by name:
//
//	{name: SERVICE, required: BOOL, running: BOOL, states: [SYMBOL ...],
//	 since: "RFC 3339", pids: [INT ...], exits: INT, restarts: INT,
//	 last-exit: STATUS (absent before any exit), log: ["line" ...],
//	 deps: [<dep SERVICE STATE>...]}
//
// It is what a running server answers a status request with (see Load).
func (m *Model) Snapshot() lang.Value {
	var out lang.Sequence
	for _, s := range m.Services() {
		states := make(lang.Sequence, len(s.States))
		for i, st := range s.States {
			states[i] = lang.Symbol(st)
		}
		pids := make(lang.Sequence, len(s.PIDs))
		for i, p := range s.PIDs {
			pids[i] = lang.Int(int64(p))
		}
		log := make(lang.Sequence, len(s.Log))
		for i, l := range s.Log {
			log[i] = lang.String(l)
		}
		deps := make(lang.Sequence, len(s.Deps))
		for i, d := range s.Deps {
			deps[i] = lang.NewRecord(lang.Symbol("dep"), d.On, lang.Symbol(d.State))
		}
		kvs := []lang.Value{
			lang.Symbol("name"), s.Name,
			lang.Symbol("required"), lang.Bool(s.Required),
			lang.Symbol("running"), lang.Bool(s.Running),
			lang.Symbol("states"), states,
			lang.Symbol("since"), lang.String(s.Since.UTC().Format(time.RFC3339Nano)),
			lang.Symbol("pids"), pids,
			lang.Symbol("exits"), lang.Int(int64(s.Exits)),
			lang.Symbol("restarts"), lang.Int(int64(s.Restarts)),
			lang.Symbol("log"), log,
			lang.Symbol("deps"), deps,
		}
		if s.LastExit != nil {
			kvs = append(kvs, lang.Symbol("last-exit"), s.LastExit)
		}
		out = append(out, lang.DictionaryOf(kvs...))
	}
	return out
}

// Load builds a model from a Snapshot. Entries it does not know are ignored,
// so a newer server can add to the form.
func Load(v lang.Value) (*Model, error) {
	seq, ok := lang.Strip(v).(lang.Sequence)
	if !ok {
		return nil, fmt.Errorf("a status snapshot is a sequence, not %.60s", lang.Format(v))
	}
	m := New(nil)
	for _, e := range seq {
		d, ok := e.(*lang.Dictionary)
		if !ok {
			return nil, fmt.Errorf("a service's status is a dictionary, not %.60s", lang.Format(e))
		}
		name, ok := d.Get(lang.Symbol("name"))
		if !ok {
			return nil, fmt.Errorf("a service's status has no name: %.60s", lang.Format(e))
		}
		s := m.service(name)
		get := func(key string) lang.Value { v, _ := d.Get(lang.Symbol(key)); return v }
		s.Required = get("required") == lang.Bool(true)
		s.Running = get("running") == lang.Bool(true)
		for _, x := range seqOf(get("states")) {
			s.States = append(s.States, lang.Text(x))
		}
		if t, ok := get("since").(lang.String); ok {
			s.Since, _ = time.Parse(time.RFC3339Nano, string(t))
		}
		for _, x := range seqOf(get("pids")) {
			if p, ok := x.(lang.Int); ok {
				s.PIDs = append(s.PIDs, int(p))
			}
		}
		if n, ok := get("exits").(lang.Int); ok {
			s.Exits = int(n)
		}
		if n, ok := get("restarts").(lang.Int); ok {
			s.Restarts = int(n)
		}
		s.LastExit = get("last-exit")
		for _, x := range seqOf(get("log")) {
			s.Log = append(s.Log, lang.Text(x))
		}
		for _, x := range seqOf(get("deps")) {
			if r, ok := x.(*lang.Record); ok && len(r.Fields) == 2 {
				s.Deps = append(s.Deps, Dep{On: r.Fields[0], State: lang.Text(r.Fields[1])})
				m.service(r.Fields[0])
			}
		}
	}
	return m, nil
}

func seqOf(v lang.Value) lang.Sequence {
	s, _ := v.(lang.Sequence)
	return s
}
