//go:build !unix

package stdlib

import (
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// OSRunner runs real processes on systems without Unix process groups
// (Windows): a process is waited for by a goroutine of its own, stopping it
// kills it (there is no SIGTERM), and its children are not reached. Named
// signals other than KILL are refused. Supervision of whole process trees
// needs a Unix system.
type OSRunner struct {
	Grace time.Duration

	mu    sync.Mutex
	procs map[*exec.Cmd]bool
}

// KillAll kills every process still running.
func (r *OSRunner) KillAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.procs {
		_ = c.Process.Kill()
	}
}

// Live is the number of processes started and not yet reaped.
func (r *OSRunner) Live() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.procs)
}

func (r *OSRunner) track(c *exec.Cmd, live bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.procs == nil {
		r.procs = map[*exec.Cmd]bool{}
	}
	if live {
		r.procs[c] = true
	} else {
		delete(r.procs, c)
	}
}

// Start implements ProcessRunner.
func (r *OSRunner) Start(t *eval.Turn, spec ProcessSpec, ev ProcessEvents) (int, func(), func(string) error, error) {
	if spec.Protocol != "" {
		return 0, nil, nil, fmt.Errorf("processes speaking %s need a Unix system", spec.Protocol)
	}
	if err := checkDir(spec.Dir); err != nil {
		return 0, nil, nil, err
	}
	cmd := exec.Command(spec.Argv[0], spec.Argv[1:]...)
	cmd.Dir = spec.Dir
	cmd.Env = buildEnv(spec)
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
	r.track(cmd, true)
	pumpLines(newProcessOutput(t, ev), []string{"stdout", "stderr"}, []io.Reader{stdout, stderr}, func() {
		err := cmd.Wait()
		r.track(cmd, false)
		var status lang.Value = lang.Int(0)
		if err != nil {
			status = lang.Int(cmd.ProcessState.ExitCode())
		}
		sys.Post(facet, func(t *eval.Turn) { ev.Exit(t, status) })
		sys.Release()
	})
	stop := func() { _ = cmd.Process.Kill() }
	signal := func(name string) error {
		if name != "KILL" && name != "SIGKILL" {
			return fmt.Errorf("signal %s: only KILL can be sent on this system", name)
		}
		return cmd.Process.Kill()
	}
	return cmd.Process.Pid, stop, signal, nil
}
