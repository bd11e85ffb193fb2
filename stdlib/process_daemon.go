package stdlib

import (
	"errors"
	"fmt"
	"time"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	protocols "github.com/synd-lang/synd/stdlib/schemas"
)

// RestartPolicy is externalServices.prs's RestartPolicy.
type RestartPolicy string

// The restart policies.
const (
	RestartAlways  RestartPolicy = "always"
	RestartOnError RestartPolicy = "on-error"
	RestartAll     RestartPolicy = "all"
	RestartNever   RestartPolicy = "never"
)

// DaemonPlan is a daemon process spec elaborated as syndicate-server's
// DaemonProcessSpec::elaborate does: the process, whether it counts as ready
// once started, and its restart policy.
type DaemonPlan struct {
	Process      ProcessSpec
	ReadyOnStart bool
	Restart      RestartPolicy
}

// ErrDaemonShape is wrapped by the errors of a spec that is not a daemon
// process spec at all (syndicate-server ignores such a spec after logging
// it: the daemon never becomes ready); other errors are a field with a bad
// value (syndicate-server's supervisee fails).
var ErrDaemonShape = errors.New("not a daemon process spec")

// ElaborateDaemonSpec reads a <daemon ID SPEC>'s SPEC: a CommandLine (shell
// string or argv list), <one-shot CommandLine> (readyOnStart #f, restart
// on-error) or a dictionary with argv and optional env, dir, clearEnv,
// readyOnStart, restart and protocol. Errors name the field at fault.
func ElaborateDaemonSpec(v lang.Value) (DaemonPlan, error) {
	plan := DaemonPlan{ReadyOnStart: true, Restart: RestartAlways}
	// externalServices.prs decides, and words the error: a spec it does not
	// describe at all is not a daemon spec; one that matches only through
	// an `invalid` alternative has a field with a bad value.
	if err := protocols.Validate("externalServices.DaemonProcessSpec", v); err != nil {
		if shapeErr := protocols.Set().Validate("externalServices.DaemonProcessSpec", v); shapeErr != nil {
			return plan, fmt.Errorf("%w: %v", ErrDaemonShape, shapeErr)
		}
		return plan, err
	}
	switch x := lang.Unwrap(v).(type) {
	case lang.String, lang.Sequence:
		argv, err := ParseCommandLine(x)
		if err != nil {
			return plan, fmt.Errorf("%w: %v", ErrDaemonShape, err)
		}
		plan.Process.Argv = argv
		return plan, nil
	case *lang.Record:
		if !lang.Equal(x.Label, lang.Symbol("one-shot")) || len(x.Fields) != 1 {
			break
		}
		argv, err := ParseCommandLine(x.Fields[0])
		if err != nil {
			return plan, fmt.Errorf("%w: one-shot: %v", ErrDaemonShape, err)
		}
		plan.Process.Argv, plan.ReadyOnStart, plan.Restart = argv, false, RestartOnError
		return plan, nil
	case *lang.Dictionary:
		argv, ok := x.Get(lang.Symbol("argv"))
		if !ok {
			return plan, fmt.Errorf("%w: a dictionary spec needs argv", ErrDaemonShape)
		}
		if _, err := ParseCommandLine(argv); err != nil {
			return plan, fmt.Errorf("%w: %v", ErrDaemonShape, err)
		}
		p, err := ParseProcessSpec(x)
		if err != nil {
			return plan, err
		}
		plan.Process = p
		if r, ok := x.Get(lang.Symbol("readyOnStart")); ok {
			b, ok := lang.Unwrap(r).(lang.Bool)
			if !ok {
				return plan, fmt.Errorf("readyOnStart must be #t or #f, not %s", lang.Format(r))
			}
			plan.ReadyOnStart = bool(b)
		}
		if r, ok := x.Get(lang.Symbol("restart")); ok {
			sym, ok := lang.Unwrap(r).(lang.Symbol)
			switch RestartPolicy(sym) {
			case RestartAlways, RestartOnError, RestartAll, RestartNever:
			default:
				ok = false
			}
			if !ok {
				return plan, fmt.Errorf("restart must be always, on-error, all or never, not %s", lang.Format(r))
			}
			plan.Restart = RestartPolicy(sym)
		}
		return plan, nil
	}
	return plan, fmt.Errorf("%w: %s (give a shell string, an argv list, <one-shot ...> or a dictionary)", ErrDaemonShape, lang.Format(v))
}

// Supervisor timing, as syndicate's SupervisorConfiguration::default: a
// failed daemon is started again after pausing, or after sleeping when it
// failed more than intensity times within period.
const (
	supervisorPause     = 200 * time.Millisecond
	supervisorSleep     = 10 * time.Second
	supervisorPeriod    = 5 * time.Second
	supervisorIntensity = 1
	restartAfterExit    = 200 * time.Millisecond // a process that exited cleanly
	restartAfterFailure = time.Second            // one that failed or could not start
)

// StartDaemons runs the daemon supervisor on ds, from the active facet. While
// <daemon-supervisor ID LOG> is asserted (the daemon class asserts it while
// <run-service <daemon ID>> is), it runs <daemon ID> as syndicate-server's
// daemon service does (supervise_daemon and DaemonInstance):
//
//   - <service-state <daemon ID> STATE> holds exactly one of started,
//     complete and failed; <service-state <daemon ID> ready> is asserted
//     beside it while every <daemon ID SPEC> has a process running that is
//     ready on start (a daemon with no spec is ready, as in syndicate-server);
//   - each SPEC runs one process, restarted by its policy: always (200 ms
//     after a clean exit, 1 s after a failure), on-error (after a failure
//     only), never, all (a failure fails the whole daemon, which the
//     supervisor starts again); a process that cannot start has failed;
//   - the daemon is complete once every process has finished for good;
//   - a field with a bad value fails the daemon, naming the field on LOG;
//   - ! <restart-service <daemon ID>> stops everything and starts afresh;
//   - each output line becomes <log TIMESTAMP {pid, service, stream, line}>
//     on LOG, the line with its newline.
//
// events, if not nil, is told of each process started and exited, in the
// turn that notices it: what a host's status report needs, and scripts do
// not see.
func StartDaemons(t *eval.Turn, ds *eval.Ref, runner ProcessRunner, events DaemonEvents) {
	t.During(ds, recPattern("daemon-supervisor", capture, capture), func(t *eval.Turn, caps []lang.Value) {
		log, ok := lang.Unwrap(caps[1]).(lang.Embedded)
		logRef, ok2 := log.Ref.(*eval.Ref)
		if !ok || !ok2 {
			t.Fail(&primitiveError{"daemon-supervisor needs a log reference, not " + lang.Format(caps[1])})
			return
		}
		s := &supervisor{ds: ds, log: logRef, runner: runner, events: events, id: caps[0], facet: t.Facet()}
		s.name = rec("daemon", s.id)
		s.setState(t, "started")
		// One observer per daemon, as syndicate-server's
		// lifecycle::on_service_restart makes it: the Observe assertion
		// is visible in the dataspace (see seed_qmi_wwan's trace).
		t.OnMessage(ds, recPattern("restart-service", dataspace.Literal(s.name)), func(t *eval.Turn, _ []lang.Value) {
			t.InFacet(s.facet, func() {
				s.logLine(t, "restarting")
				s.stopInstance(t)
				if s.pending != nil {
					s.pending()
					s.pending = nil
				}
				s.restarts = nil
				s.setState(t, "started")
				s.startInstance(t)
			})
		})
		s.startInstance(t)
	})
}

// DaemonEvents hears of the processes of daemons: name is <daemon ID>.
type DaemonEvents interface {
	// ProcessStarted is told of a process that started.
	ProcessStarted(name lang.Value, pid int)
	// ProcessExited is told of a process's exit, with its status (an
	// integer, <signal NAME>), or of a program that could not start (pid 0,
	// status <error WHY>).
	ProcessExited(name lang.Value, pid int, status lang.Value)
}

type supervisor struct {
	ds, log  *eval.Ref
	runner   ProcessRunner
	events   DaemonEvents
	id, name lang.Value
	facet    *eval.Facet
	state    eval.Handle
	inst     *daemonInstance
	pending  func() // a restart waiting on its timer
	restarts []time.Time
}

type daemonInstance struct {
	s        *supervisor
	facet    *eval.Facet
	synced   bool // the specs present at start are known
	configs  map[*daemonConfig]bool
	ready    eval.Handle
	isReady  bool
	finished bool
}

type daemonConfig struct {
	spec      lang.Value
	plan      DaemonPlan
	valid     bool
	facet     *eval.Facet
	running   bool
	completed bool
}

func (s *supervisor) setState(t *eval.Turn, state string) {
	t.InFacet(s.facet, func() {
		if s.state != 0 {
			t.Retract(s.state)
		}
		s.state = t.Assert(s.ds, rec("service-state", s.name, lang.Symbol(state)))
	})
}

// logLine sends <log TIMESTAMP {service, line, KEY: VALUE ...}> to the log.
func (s *supervisor) logLine(t *eval.Turn, line string, kvs ...lang.Value) {
	kvs = append([]lang.Value{lang.Symbol("service"), s.name, lang.Symbol("line"), lang.String(line)}, kvs...)
	t.Message(s.log, rec("log", timestamp(t), lang.DictionaryOf(kvs...)))
}

// timestamp is the script's `timestamp`: the system clock in UTC as chrono's
// to_rfc3339 writes it (+00:00, and 3, 6 or 9 fractional digits as needed).
func timestamp(t *eval.Turn) lang.Value {
	now := t.System().Now().UTC()
	layout := "2006-01-02T15:04:05"
	switch ns := now.Nanosecond(); {
	case ns == 0:
	case ns%1e6 == 0:
		layout += ".000"
	case ns%1e3 == 0:
		layout += ".000000"
	default:
		layout += ".000000000"
	}
	return lang.String(now.Format(layout + "+00:00"))
}

func (s *supervisor) stopInstance(t *eval.Turn) {
	if s.inst != nil {
		s.inst.finished = true
		t.StopFacet(s.inst.facet)
		s.inst = nil
	}
}

func (s *supervisor) startInstance(t *eval.Turn) {
	inst := &daemonInstance{s: s, configs: map[*daemonConfig]bool{}}
	s.inst = inst
	t.InFacet(s.facet, func() {
		inst.facet = t.NewFacetHeld(func(t *eval.Turn) {
			t.During(s.ds, recPattern("daemon", dataspace.Literal(s.id), capture), func(t *eval.Turn, caps []lang.Value) {
				inst.addConfig(t, caps[0])
			})
			t.Sync(s.ds, t.NewRef("daemon-specs-known", &eval.Handler{OnMessage: func(t *eval.Turn, _ lang.Value) error {
				inst.synced = true
				inst.update(t)
				return nil
			}}))
		})
	})
}

// fail ends the instance with an error: the daemon is failed, and the
// supervisor starts it again after a pause.
func (inst *daemonInstance) fail(t *eval.Turn) {
	s := inst.s
	if inst.finished {
		return
	}
	s.stopInstance(t)
	s.setState(t, "failed")
	now := t.System().Now()
	kept := s.restarts[:0]
	for _, at := range s.restarts {
		if now.Sub(at) < supervisorPeriod {
			kept = append(kept, at)
		}
	}
	s.restarts = append(kept, now)
	wait := supervisorPause
	if len(s.restarts) > supervisorIntensity {
		wait = supervisorSleep
	}
	t.InFacet(s.facet, func() {
		s.pending = t.After(wait, func(t *eval.Turn) {
			s.pending = nil
			s.setState(t, "started")
			s.startInstance(t)
		})
	})
}

// update asserts readiness and notices completion, as syndicate-server's
// counters of unready configs and completed processes do.
func (inst *daemonInstance) update(t *eval.Turn) {
	if inst.finished {
		return
	}
	unready, completed := 0, 0
	for c := range inst.configs {
		if !(c.valid && c.running && c.plan.ReadyOnStart) {
			unready++
		}
		if c.completed {
			completed++
		}
	}
	ready := inst.synced && unready == 0
	if ready != inst.isReady {
		inst.isReady = ready
		t.InFacet(inst.facet, func() {
			if ready {
				inst.ready = t.Assert(inst.s.ds, rec("service-state", inst.s.name, lang.Symbol("ready")))
			} else {
				t.Retract(inst.ready)
			}
		})
	}
	if len(inst.configs) > 0 && completed == len(inst.configs) {
		s := inst.s
		s.stopInstance(t)
		s.setState(t, "complete")
	}
}

func (inst *daemonInstance) addConfig(t *eval.Turn, spec lang.Value) {
	c := &daemonConfig{spec: spec}
	inst.configs[c] = true
	t.OnStop(func(t *eval.Turn) {
		delete(inst.configs, c)
		inst.update(t)
	})
	plan, err := ElaborateDaemonSpec(spec)
	if err != nil {
		inst.s.logLine(t, "invalid daemon spec", lang.Symbol("error"), lang.String(err.Error()), lang.Symbol("spec"), spec)
		if !errors.Is(err, ErrDaemonShape) {
			inst.fail(t)
		}
		return
	}
	c.plan, c.valid = plan, true
	// The config's facet is the match's own: it stops when the spec is
	// retracted or the instance stops, its process facet first.
	c.facet = t.Facet()
	inst.run(t, c)
}

// run starts c's process in a facet of its own, inside c's facet.
func (inst *daemonInstance) run(t *eval.Turn, c *daemonConfig) {
	s := inst.s
	t.InFacet(c.facet, func() {
		var proc *eval.Facet
		proc = t.NewFacetHeld(func(t *eval.Turn) {
			var pid lang.Value = lang.Symbol("unknown")
			exited := false
			exit := func(t *eval.Turn, status lang.Value, why error) {
				if exited {
					return
				}
				exited = true
				c.running = false
				t.StopFacet(proc)
				if s.events != nil {
					p, _ := pid.(lang.Int)
					st := status
					if why != nil {
						st = rec("error", lang.String(why.Error()))
					}
					s.events.ProcessExited(s.name, int(p), st)
				}
				inst.exited(t, c, status, why)
			}
			p, stop, _, err := s.runner.Start(t, c.plan.Process, ProcessEvents{
				Output: func(t *eval.Turn, stream, line string) {
					t.Message(s.log, rec("log", timestamp(t), lang.DictionaryOf(
						lang.Symbol("pid"), pid, lang.Symbol("service"), s.name,
						lang.Symbol("stream"), lang.Symbol(stream), lang.Symbol("line"), lineValue(line))))
				},
				Object: func(t *eval.Turn, obj *eval.Ref) {
					t.Assert(s.ds, rec("service-object", s.name, obj.Value()))
				},
				Exit: func(t *eval.Turn, status lang.Value) { exit(t, status, nil) },
			})
			if err != nil {
				// Not started: an exit like any other, one that failed.
				t.After(0, func(t *eval.Turn) { exit(t, nil, err) })
				return
			}
			pid = lang.Int(p)
			c.running = true
			if s.events != nil {
				s.events.ProcessStarted(s.name, p)
			}
			t.OnStop(func(*eval.Turn) {
				if !exited {
					exited = true
					c.running = false
					stop()
				}
			})
			inst.update(t)
		})
	})
}

// exited applies c's restart policy, as DaemonInstance::handle_exit does.
func (inst *daemonInstance) exited(t *eval.Turn, c *daemonConfig, status lang.Value, why error) {
	if inst.finished {
		return
	}
	failed := why != nil || !lang.Equal(status, lang.Int(0))
	if why != nil {
		inst.s.logLine(t, "cannot run process", lang.Symbol("error"), lang.String(why.Error()))
	} else {
		inst.s.logLine(t, "process exited", lang.Symbol("status"), status)
	}
	delay := restartAfterExit
	if failed {
		delay = restartAfterFailure
	}
	restart := false
	switch c.plan.Restart {
	case RestartAlways:
		restart = true
	case RestartOnError:
		restart = failed
	case RestartAll:
		if failed {
			inst.fail(t)
			return
		}
	}
	if restart {
		t.InFacet(c.facet, func() {
			t.After(delay, func(t *eval.Turn) { inst.run(t, c) })
		})
		inst.update(t)
		return
	}
	c.completed = true
	inst.update(t)
}
