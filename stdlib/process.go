package stdlib

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/relay"
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

// ParseProcessSpec reads {argv: [...], env: {NAME: "value" or #f}, dir: "...",
// clearEnv: bool, protocol: none|application/syndicate|text/syndicate}; only
// argv is required.
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
	seq, ok := lang.Unwrap(argv).(lang.Sequence)
	if !ok || len(seq) == 0 {
		return s, fmt.Errorf("argv must be a non-empty sequence of strings, not %s", lang.Format(argv))
	}
	for _, a := range seq {
		str, ok := lang.Unwrap(a).(lang.String)
		if !ok {
			return s, fmt.Errorf("argv must hold strings, not %s", lang.Format(a))
		}
		s.Argv = append(s.Argv, string(str))
	}
	if env, ok := d.Get(lang.Symbol("env")); ok {
		ed, ok := lang.Unwrap(env).(*lang.Dictionary)
		if !ok {
			return s, fmt.Errorf("env must be a dictionary, not %s", lang.Format(env))
		}
		s.Env = map[string]*string{}
		for _, e := range ed.Entries() {
			name := lang.Text(e.Key)
			switch x := lang.Unwrap(e.Value).(type) {
			case lang.String:
				val := string(x)
				s.Env[name] = &val
			case lang.Bool:
				if x {
					return s, fmt.Errorf("env %s: #t is not a value; give a string, or #f to remove it", name)
				}
				s.Env[name] = nil
			default:
				return s, fmt.Errorf("env %s must be a string or #f, not %s", name, lang.Format(e.Value))
			}
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
		switch lang.Text(p) {
		case "none":
		case "application/syndicate", "text/syndicate":
			s.Protocol = lang.Text(p)
		default:
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
		// The spec is read as syndicate-server reads a daemon's: a field
		// its schema rejects is reported in the schema's words.
		if err := protocols.Validate("externalServices.FullDaemonProcess", specV); err != nil {
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
				t.Message(ds, rec("process-output", id, lang.Int(pid), lang.Symbol(stream), lang.String(line)))
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

// OSRunner runs real processes, each in a process group of its own so that
// stopping it reaches its children too. Stopping sends SIGTERM, then SIGKILL
// after Grace. Use it by pointer: it keeps the live groups for KillAll.
type OSRunner struct {
	Grace time.Duration

	mu     sync.Mutex
	groups map[int]bool
}

// KillAll sends SIGKILL to every process group still running, for an exit
// that cannot wait.
func (r *OSRunner) KillAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for pgid := range r.groups {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

func (r *OSRunner) track(pgid int, live bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.groups == nil {
		r.groups = map[int]bool{}
	}
	if live {
		r.groups[pgid] = true
	} else {
		delete(r.groups, pgid)
	}
}

var signalNames = map[string]syscall.Signal{
	"TERM": syscall.SIGTERM, "KILL": syscall.SIGKILL, "HUP": syscall.SIGHUP, "INT": syscall.SIGINT,
	"QUIT": syscall.SIGQUIT, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "STOP": syscall.SIGSTOP,
	"CONT": syscall.SIGCONT,
}

func signalName(s syscall.Signal) string {
	for n, v := range signalNames {
		if v == s {
			return n
		}
	}
	return strconv.Itoa(int(s))
}

// Start implements ProcessRunner.
func (r *OSRunner) Start(t *eval.Turn, spec ProcessSpec, ev ProcessEvents) (int, func(), func(string) error, error) {
	cmd := exec.Command(spec.Argv[0], spec.Argv[1:]...)
	cmd.Dir = spec.Dir
	cmd.Env = buildEnv(spec)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdin io.WriteCloser
	if spec.Protocol != "" {
		var err error
		if stdin, err = cmd.StdinPipe(); err != nil {
			return 0, nil, nil, err
		}
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, nil, nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return 0, nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return 0, nil, nil, err
	}
	sys, facet := t.System(), t.Facet()
	sys.Hold()
	r.track(cmd.Process.Pid, true)
	var wg sync.WaitGroup
	pump := func(name string, rd io.Reader) {
		defer wg.Done()
		sc := bufio.NewScanner(rd)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			sys.Post(facet, func(t *eval.Turn) { ev.Output(t, name, line) })
		}
	}
	var sess *relay.Session
	if spec.Protocol != "" {
		// The session ends in the turn that notices the exit, so every
		// assertion the daemon made leaves with it.
		sess = relay.Start(t, stdout, stdin, func() { _ = stdin.Close() }, relay.Options{
			Name: fmt.Sprintf("daemon %d", cmd.Process.Pid), ImportInitial: true,
			Text: spec.Protocol == "text/syndicate", KeepOnEOF: true,
		})
		ev.Object(t, sess.Peer())
		wg.Add(2)
		go func() { <-sess.ReaderDone(); wg.Done() }()
	} else {
		wg.Add(2)
		go pump("stdout", stdout)
	}
	go pump("stderr", stderr)
	done := make(chan struct{})
	go func() {
		// Wait for the process itself, not its output: a leftover child can
		// hold the pipes open. Its group dies with it, so nothing is orphaned
		// and the pipes close.
		state, err := cmd.Process.Wait()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		r.track(cmd.Process.Pid, false)
		wg.Wait()
		close(done)
		status := exitStatus(state, err)
		sys.Post(facet, func(t *eval.Turn) {
			if sess != nil {
				sess.Close(t, nil)
			}
			ev.Exit(t, status)
		})
		sys.Release()
	}()
	pgid := cmd.Process.Pid
	grace := r.Grace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	stop := func() {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		go func() {
			select {
			case <-done:
			case <-time.After(grace):
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
			}
		}()
	}
	signal := func(name string) error {
		s, ok := signalNames[strings.ToUpper(strings.TrimPrefix(name, "SIG"))]
		if !ok {
			return fmt.Errorf("unknown signal %s", name)
		}
		return syscall.Kill(-pgid, s)
	}
	return pgid, stop, signal, nil
}

func exitStatus(state *os.ProcessState, err error) lang.Value {
	if state == nil {
		return rec("error", lang.String(fmt.Sprint(err)))
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return rec("signal", lang.Symbol(signalName(ws.Signal())))
	}
	return lang.Int(state.ExitCode())
}

func buildEnv(spec ProcessSpec) []string {
	vars := map[string]string{}
	if !spec.ClearEnv {
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok {
				vars[k] = v
			}
		}
	}
	for k, v := range spec.Env {
		if v == nil {
			delete(vars, k)
		} else {
			vars[k] = *v
		}
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// SimulatedRunner stands in for real processes where their timing would make
// traces nondeterministic (golden tests). It runs on the system clock and
// understands a few commands, directly or as `sh -c "..."`:
//
//	true / false        exit 0 / 1 at once
//	sleep N             exit 0 after N seconds
//	fail-after N        exit 1 after N seconds
//	echo WORDS...       print WORDS on stdout, exit 0
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
			ev.Output(t, "stdout", line)
			finish(t, lang.Int(0))
		})
	case "no-such-program":
		return 0, nil, nil, fmt.Errorf("exec: %q: executable file not found in $PATH", argv[0])
	default:
		cancel = t.After(0, func(t *eval.Turn) { ev.Output(t, "stdout", argv[0]+" started") })
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
		if _, ok := signalNames[strings.ToUpper(strings.TrimPrefix(name, "SIG"))]; !ok {
			return fmt.Errorf("unknown signal %s", name)
		}
		cancel()
		t.System().Post(facet, func(t *eval.Turn) { finish(t, rec("signal", lang.Symbol(strings.ToUpper(name)))) })
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
