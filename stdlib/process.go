package stdlib

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	protocols "github.com/synd-lang/synd/stdlib/schemas"
)

// ProcessSpec says how to start an OS process.
type ProcessSpec struct {
	Argv     []string
	Env      map[string]*string // nil value: remove the variable
	Dir      string
	ClearEnv bool
	// Protocol is "", "application/syndicate" or "text/syndicate": with one,
	// stdin and stdout carry the Syndicate protocol (see package relay).
	Protocol string
}

// ParseProcessSpec reads a process spec as externalServices.prs's
// FullProcess: {argv: CMD, env: {NAME: "value" or #f}, dir: "...",
// clearEnv: bool, protocol: none|application/syndicate|text/syndicate}, where
// CMD is a shell string (run with sh -c) or a non-empty list of strings; only
// argv is required. Errors name the field at fault.
func ParseProcessSpec(v lang.Value) (ProcessSpec, error) {
	var s ProcessSpec
	d, ok := lang.Unwrap(v).(*lang.Dictionary)
	if !ok {
		return s, fmt.Errorf("a process spec must be a dictionary, not %s", lang.Format(v))
	}
	argv, ok := d.Get(lang.Symbol("argv"))
	if !ok {
		return s, errors.New("a process spec needs argv")
	}
	var err error
	if s.Argv, err = ParseCommandLine(argv); err != nil {
		return s, err
	}
	if env, ok := d.Get(lang.Symbol("env")); ok {
		if s.Env, err = parseEnv(env); err != nil {
			return s, err
		}
	}
	if dir, ok := d.Get(lang.Symbol("dir")); ok {
		str, ok := lang.Unwrap(dir).(lang.String)
		if !ok {
			return s, fmt.Errorf("dir must be a string, not %s", lang.Format(dir))
		}
		s.Dir = string(str)
	}
	if p, ok := d.Get(lang.Symbol("protocol")); ok {
		_, isSym := lang.Unwrap(p).(lang.Symbol)
		switch lang.Text(p) {
		case "none":
		case "application/syndicate", "text/syndicate":
			s.Protocol = lang.Text(p)
		default:
			isSym = false
		}
		if !isSym {
			return s, fmt.Errorf("protocol must be none, application/syndicate or text/syndicate, not %s", lang.Format(p))
		}
	}
	if ce, ok := d.Get(lang.Symbol("clearEnv")); ok {
		b, ok := lang.Unwrap(ce).(lang.Bool)
		if !ok {
			return s, fmt.Errorf("clearEnv must be #t or #f, not %s", lang.Format(ce))
		}
		s.ClearEnv = bool(b)
	}
	return s, nil
}

// ParseCommandLine reads externalServices.prs's CommandLine: a shell string,
// run as sh -c STRING, or a non-empty list of strings, program first.
func ParseCommandLine(v lang.Value) ([]string, error) {
	switch x := lang.Unwrap(v).(type) {
	case lang.String:
		return []string{"sh", "-c", string(x)}, nil
	case lang.Sequence:
		if len(x) == 0 {
			break
		}
		argv := make([]string, 0, len(x))
		for _, a := range x {
			str, ok := lang.Unwrap(a).(lang.String)
			if !ok {
				return nil, fmt.Errorf("argv must hold strings, not %s", lang.Format(a))
			}
			argv = append(argv, string(str))
		}
		return argv, nil
	}
	return nil, fmt.Errorf("argv must be a shell string or a non-empty sequence of strings, not %s", lang.Format(v))
}

// parseEnv reads {NAME: "value" or #f}. A name is a string or a symbol (one
// namespace: the two spellings of one name may not both appear) and must be
// a POSIX variable name, so that no key can smuggle "=" or a NUL into the
// environment or dodge a caveat written for the other spelling.
func parseEnv(env lang.Value) (map[string]*string, error) {
	ed, ok := lang.Unwrap(env).(*lang.Dictionary)
	if !ok {
		return nil, fmt.Errorf("env must be a dictionary, not %s", lang.Format(env))
	}
	out := map[string]*string{}
	for _, e := range ed.Entries() {
		var name string
		switch k := lang.Unwrap(e.Key).(type) {
		case lang.String:
			name = string(k)
		case lang.Symbol:
			name = string(k)
		default:
			return nil, fmt.Errorf("env: a variable name must be a string or a symbol, not %s", lang.Format(e.Key))
		}
		if !ValidEnvName(name) {
			return nil, fmt.Errorf("env: %s is not a valid variable name (letters, digits and _, not starting with a digit)", lang.Format(e.Key))
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("env: %s is given twice (a string and a symbol name one variable)", name)
		}
		switch x := lang.Unwrap(e.Value).(type) {
		case lang.String:
			if strings.IndexByte(string(x), 0) >= 0 {
				return nil, fmt.Errorf("env %s: a value may not hold a NUL character", name)
			}
			val := string(x)
			out[name] = &val
		case lang.Bool:
			if x {
				return nil, fmt.Errorf("env %s: #t is not a value; give a string, or #f to remove it", name)
			}
			out[name] = nil
		default:
			return nil, fmt.Errorf("env %s must be a string or #f, not %s", name, lang.Format(e.Value))
		}
	}
	return out, nil
}

// ValidEnvName reports whether name is a portable environment variable name
// (POSIX: letters, digits and underscores, not starting with a digit).
func ValidEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// buildEnv is the environment a process starts with: synd's own (unless
// ClearEnv), less the variables spec.Env removes, with those it sets, in
// order by name, one entry per name. synd's own is taken as os.Environ gives
// it, so that a plain spec costs no map per process.
func buildEnv(spec ProcessSpec) []string {
	var base []string
	if !spec.ClearEnv {
		base = os.Environ()
	}
	out := base[:0] // os.Environ's slice is a fresh copy
	for _, kv := range base {
		k, _, ok := strings.Cut(kv, "=")
		if _, given := spec.Env[k]; ok && !given {
			out = append(out, kv)
		}
	}
	for k, v := range spec.Env {
		if v != nil {
			out = append(out, k+"="+*v)
		}
	}
	return sortEnv(out)
}

// sortEnv sorts an environment by name and keeps one entry per name: of
// entries naming the same variable (synd's own environment may hold
// several), the last, as a lookup in a map built from it would give.
func sortEnv(env []string) []string {
	name := func(kv string) string { k, _, _ := strings.Cut(kv, "="); return k }
	slices.SortStableFunc(env, func(a, b string) int { return strings.Compare(name(a), name(b)) })
	out := env[:0]
	for i, kv := range env {
		if i+1 < len(env) && name(env[i+1]) == name(kv) {
			continue // a later entry of the same name follows
		}
		out = append(out, kv)
	}
	return out
}

// checkDir says, naming the field, why a process cannot start in dir.
func checkDir(dir string) error {
	if dir == "" {
		return nil
	}
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("dir %q: %w", dir, errors.Unwrap(err))
	}
	if !info.IsDir() {
		return fmt.Errorf("dir %q is not a directory", dir)
	}
	return nil
}

// ProcessEvents is how a runner reports on a process. Both functions run
// inside turns of the facet that asked for the process.
type ProcessEvents struct {
	Output func(t *eval.Turn, stream, line string)
	Exit   func(t *eval.Turn, status lang.Value)
	// Object receives the process's initial object when it speaks a protocol.
	Object func(t *eval.Turn, obj *eval.Ref)
}

// ProcessRunner starts processes. Status values are the exit code (an
// integer) or <signal NAME> when a signal ended the process.
type ProcessRunner interface {
	Start(t *eval.Turn, spec ProcessSpec, ev ProcessEvents) (pid int, stop func(), signal func(name string) error, err error)
}

// StartProcesses runs the process primitive on ds, from the active facet:
//
//	<process ID SPEC>            while asserted, one run of the process
//	<process-running ID PID>     asserted while it runs
//	<process-output ID PID STREAM LINE>  a message per line of stdout or stderr
//	<process-object ID #:REF>    the process's initial object, when its spec
//	                             names a protocol (see package relay)
//	<process-exited ID STATUS>   asserted once it has exited (STATUS: exit
//	                             code, <signal NAME>, or <error "why"> if it
//	                             could not start)
//	! <process-signal ID NAME>   sends a signal (TERM, KILL, HUP, INT, ...)
//
// Withdrawing the request stops a running process (see the runner). The
// primitive has no policy: restarting, readiness and logging belong to the
// service classes that use it.
func StartProcesses(t *eval.Turn, ds *eval.Ref, runner ProcessRunner) {
	t.During(ds, recPattern("process", capture, capture), func(t *eval.Turn, caps []lang.Value) {
		id, specV := caps[0], caps[1]
		// The spec is read as syndicate-server reads a process's: a field
		// its schema rejects is reported in the schema's words.
		if err := protocols.Validate("externalServices.FullProcess", specV); err != nil {
			t.Assert(ds, rec("process-exited", id, rec("error", lang.String(err.Error()))))
			return
		}
		spec, err := ParseProcessSpec(specV)
		if err != nil {
			t.Assert(ds, rec("process-exited", id, rec("error", lang.String(err.Error()))))
			return
		}
		var running eval.Handle
		exited := false
		var pid int
		pid, stop, signal, err := runner.Start(t, spec, ProcessEvents{
			Output: func(t *eval.Turn, stream, line string) {
				t.Message(ds, rec("process-output", id, lang.Int(pid), lang.Symbol(stream), lineValue(line)))
			},
			Object: func(t *eval.Turn, obj *eval.Ref) {
				t.Assert(ds, rec("process-object", id, obj.Value()))
			},
			Exit: func(t *eval.Turn, status lang.Value) {
				if exited {
					return
				}
				exited = true
				t.Retract(running)
				t.Assert(ds, rec("process-exited", id, status))
			},
		})
		if err != nil {
			exited = true
			t.Assert(ds, rec("process-exited", id, rec("error", lang.String(err.Error()))))
			return
		}
		running = t.Assert(ds, rec("process-running", id, lang.Int(pid)))
		t.OnStop(func(*eval.Turn) {
			if !exited {
				stop()
			}
		})
		t.OnMessage(ds, recPattern("process-signal", dataspace.Literal(id), capture), func(t *eval.Turn, caps []lang.Value) {
			if exited {
				return
			}
			if err := signal(lang.Text(caps[0])); err != nil {
				t.Fail(err)
			}
		})
	})
}

// lineValue is an output line as syndicate-server logs it: a string if it
// is UTF-8, else a byte string.
func lineValue(line string) lang.Value {
	if utf8.ValidString(line) {
		return lang.String(line)
	}
	return lang.ByteString(line)
}

// knownSignals are the signal names <process-signal ID NAME> accepts.
var knownSignals = []string{"TERM", "KILL", "HUP", "INT", "QUIT", "USR1", "USR2", "STOP", "CONT"}

func knownSignal(name string) (string, bool) {
	n := strings.TrimPrefix(strings.ToUpper(name), "SIG")
	for _, k := range knownSignals {
		if k == n {
			return n, true
		}
	}
	return "", false
}

// SimulatedRunner stands in for real processes where their timing would make
// traces nondeterministic (golden tests). It runs on the system clock and
// understands a few commands, directly or as `sh -c "..."`:
//
//	true / false        exit 0 / 1 at once
//	sleep N             exit 0 after N seconds
//	fail-after N        exit 1 after N seconds
//	echo WORDS...       print WORDS (and a newline) on stdout, exit 0
//	anything else       print "CMD started" on stdout and run until stopped
//
// Stopping a simulated process ends it with <signal TERM>.
type SimulatedRunner struct {
	nextPID int
}

// Start implements ProcessRunner.
func (r *SimulatedRunner) Start(t *eval.Turn, spec ProcessSpec, ev ProcessEvents) (int, func(), func(string) error, error) {
	if spec.Protocol != "" {
		return 0, nil, nil, fmt.Errorf("simulated processes do not speak %s", spec.Protocol)
	}
	argv := spec.Argv
	if len(argv) == 3 && argv[0] == "sh" && argv[1] == "-c" {
		argv = strings.Fields(argv[2])
	}
	if len(argv) == 0 {
		return 0, nil, nil, errors.New("empty command")
	}
	if r.nextPID == 0 {
		r.nextPID = 1000
	}
	r.nextPID++
	pid := r.nextPID
	facet := t.Facet()
	var cancel func()
	ended := false
	finish := func(t *eval.Turn, status lang.Value) {
		if !ended {
			ended = true
			ev.Exit(t, status)
		}
	}
	after := func(secs string, status lang.Value) error {
		f, err := strconv.ParseFloat(secs, 64)
		if err != nil {
			return fmt.Errorf("%s: %q is not a number of seconds", argv[0], secs)
		}
		cancel = t.After(time.Duration(f*float64(time.Second)), func(t *eval.Turn) { finish(t, status) })
		return nil
	}
	var err error
	switch argv[0] {
	case "true":
		cancel = t.After(0, func(t *eval.Turn) { finish(t, lang.Int(0)) })
	case "false":
		cancel = t.After(0, func(t *eval.Turn) { finish(t, lang.Int(1)) })
	case "sleep":
		err = after(arg(argv, 1), lang.Int(0))
	case "fail-after":
		err = after(arg(argv, 1), lang.Int(1))
	case "echo":
		line := strings.Join(argv[1:], " ")
		cancel = t.After(0, func(t *eval.Turn) {
			ev.Output(t, "stdout", line+"\n")
			finish(t, lang.Int(0))
		})
	case "no-such-program":
		return 0, nil, nil, fmt.Errorf("exec: %q: executable file not found in $PATH", argv[0])
	default:
		cancel = t.After(0, func(t *eval.Turn) { ev.Output(t, "stdout", argv[0]+" started\n") })
		release := facet.PreventInert()
		prev := cancel
		cancel = func() { prev(); release() }
	}
	if err != nil {
		return 0, nil, nil, err
	}
	stop := func() {
		cancel()
		ended = true
	}
	signal := func(name string) error {
		n, ok := knownSignal(name)
		if !ok {
			return fmt.Errorf("unknown signal %s", name)
		}
		cancel()
		t.System().Post(facet, func(t *eval.Turn) { finish(t, rec("signal", lang.Symbol(n))) })
		return nil
	}
	return pid, stop, signal, nil
}

func arg(argv []string, i int) string {
	if i < len(argv) {
		return argv[i]
	}
	return ""
}
