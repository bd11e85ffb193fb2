//go:build unix

package stdlib

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/relay"
)

// OSRunner runs real processes, each in a process group of its own so that
// stopping it reaches its children too. Stopping sends SIGTERM to the group,
// then SIGKILL after Grace. On Linux a child is also killed if synd dies
// (Pdeathsig). Exits are noticed by one reaper for all processes (a SIGCHLD
// and wait4 loop), at once, whatever holds the process's pipes: when a
// process exits its group is killed, its pipes are drained for a moment and
// closed. Use it by pointer: it keeps the live groups for KillAll.
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

// Live is the number of process groups started and not yet reaped.
func (r *OSRunner) Live() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.groups)
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

var signalNumbers = map[string]syscall.Signal{
	"TERM": syscall.SIGTERM, "KILL": syscall.SIGKILL, "HUP": syscall.SIGHUP, "INT": syscall.SIGINT,
	"QUIT": syscall.SIGQUIT, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "STOP": syscall.SIGSTOP,
	"CONT": syscall.SIGCONT,
}

func signalName(s syscall.Signal) string {
	for n, v := range signalNumbers {
		if v == s {
			return n
		}
	}
	return fmt.Sprint(int(s))
}

// Once a process has exited, its pipes are read for as long as output keeps
// coming (for its last lines) and closed as soon as they have been quiet for
// drainQuiet, whoever else holds them (a grandchild that left the group),
// or after drainMax at most.
const (
	drainQuiet = 5 * time.Millisecond
	drainMax   = time.Second
)

// pipeReader reads one of our ends of a process's pipes with a goroutine
// blocked in Read (the relay's stdout, and output pipes where there is no
// epoll). Once the process has exited, each read waits at most drainQuiet
// for more output.
type pipeReader struct {
	f      *os.File
	exited atomic.Bool
}

func (p *pipeReader) Read(b []byte) (int, error) {
	if p.exited.Load() {
		_ = p.f.SetReadDeadline(time.Now().Add(drainQuiet))
	}
	return p.f.Read(b)
}

func pipeFile(p *pipeReader) *os.File {
	if p == nil {
		return nil
	}
	return p.f
}

// drain switches to draining: a read blocked now or later ends once the pipe
// has been quiet for drainQuiet.
func (p *pipeReader) drain() {
	p.exited.Store(true)
	_ = p.f.SetReadDeadline(time.Now().Add(drainQuiet))
}

// Start implements ProcessRunner.
func (r *OSRunner) Start(t *eval.Turn, spec ProcessSpec, ev ProcessEvents) (int, func(), func(string) error, error) {
	if err := checkDir(spec.Dir); err != nil {
		return 0, nil, nil, err
	}
	path, err := lookPath(spec)
	if err != nil {
		return 0, nil, nil, err
	}
	// Our ends of the pipes: the output pipes' read ends (stdout's unless
	// the process speaks a protocol), and with a protocol the stdin write
	// end and the stdout read end the relay uses.
	var outs []outputEnd
	var streams []string
	var stdinW *os.File
	var stdout *pipeReader
	var childFiles []*os.File // the child's ends, closed once it has them
	fail := func(err error) (int, func(), func(string) error, error) {
		for _, e := range outs {
			e.close()
		}
		for _, f := range []*os.File{stdinW, pipeFile(stdout)} {
			if f != nil {
				f.Close()
			}
		}
		return 0, nil, nil, err
	}
	defer func() {
		for _, f := range childFiles {
			f.Close()
		}
	}()
	if spec.Protocol != "" {
		rd, w, err := os.Pipe()
		if err != nil {
			return fail(err)
		}
		childFiles, stdinW = append(childFiles, rd), w
		rd, w, err = os.Pipe()
		if err != nil {
			return fail(err)
		}
		stdout = &pipeReader{f: rd}
		childFiles = append(childFiles, w)
	} else {
		null, err := os.Open(os.DevNull)
		if err != nil {
			return fail(err)
		}
		childFiles = append(childFiles, null)
		streams = append(streams, "stdout")
	}
	streams = append(streams, "stderr")
	for range streams {
		ours, child, err := newOutputPipe()
		if err != nil {
			return fail(err)
		}
		outs = append(outs, ours)
		childFiles = append(childFiles, child)
	}
	pid, err := spawn(path, spec.Argv, buildEnv(spec), spec.Dir, childFiles)
	if err != nil {
		return fail(err)
	}
	sys, facet := t.System(), t.Facet()
	sys.Hold()
	r.track(pid, true)
	outputDone := make(chan struct{})
	exitedOutputs := readOutputs(newProcessOutput(t, ev), streams, outs, func() { close(outputDone) })
	var sess *relay.Session
	if stdout != nil {
		// The session ends in the turn that notices the exit, so every
		// assertion the daemon made leaves with it.
		sess = relay.Start(t, stdout, stdinW, func() { _ = stdinW.Close() }, relay.Options{
			Name: fmt.Sprintf("daemon %d", pid), ImportInitial: true,
			Text: spec.Protocol == "text/syndicate", KeepOnEOF: true,
		})
		ev.Object(t, sess.Peer())
	}

	done := make(chan struct{})
	reap.watch(pid, func(ws syscall.WaitStatus) {
		// The process itself is gone. Its group goes with it; a grandchild
		// that left the group (setsid) may still hold the pipes, so they are
		// read a moment more for the last lines and then closed.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		r.track(pid, false)
		close(done)
		exitedOutputs()
		if stdout != nil {
			stdout.drain()
			select {
			case <-sess.ReaderDone():
			case <-time.After(drainMax):
				stdout.f.Close()
				<-sess.ReaderDone()
			}
			stdout.f.Close()
		}
		<-outputDone
		status := waitStatus(ws)
		sys.Post(facet, func(t *eval.Turn) {
			if sess != nil {
				sess.Close(t, nil)
			}
			ev.Exit(t, status)
		})
		sys.Release()
	})
	grace := r.Grace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	stop := func() {
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		time.AfterFunc(grace, func() {
			select {
			case <-done:
			default:
				_ = syscall.Kill(-pid, syscall.SIGKILL)
			}
		})
	}
	signal := func(name string) error {
		n, ok := knownSignal(name)
		s, ok2 := signalNumbers[n]
		if !ok || !ok2 {
			return fmt.Errorf("unknown signal %s", name)
		}
		return syscall.Kill(-pid, s)
	}
	return pid, stop, signal, nil
}

// lookPath finds the program as exec.Command would, in the PATH the process
// will have.
func lookPath(spec ProcessSpec) (string, error) {
	prog := spec.Argv[0]
	if strings.Contains(prog, "/") {
		if spec.Dir != "" && !strings.HasPrefix(prog, "/") {
			return prog, nil // relative to dir: the child's exec says if it is missing
		}
		if _, err := exec.LookPath(prog); err != nil {
			return "", err
		}
		return prog, nil
	}
	return exec.LookPath(prog)
}

func waitStatus(ws syscall.WaitStatus) lang.Value {
	if ws.Signaled() {
		return rec("signal", lang.Symbol(signalName(ws.Signal())))
	}
	return lang.Int(ws.ExitStatus())
}

// The spawner: every child is forked from one goroutine locked to its OS
// thread, which never exits, because Linux's Pdeathsig fires when the
// *thread* that forked a child ends, not the process.
type spawnRequest struct {
	path  string
	argv  []string
	env   []string
	dir   string
	files []*os.File
	reply chan spawnResult
}

type spawnResult struct {
	pid int
	err error
}

var spawner = sync.OnceValue(func() chan<- spawnRequest {
	ch := make(chan spawnRequest)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread lives as long as synd
		for req := range ch {
			fds := make([]uintptr, len(req.files))
			for i, f := range req.files {
				fds[i] = f.Fd()
			}
			pid, err := syscall.ForkExec(req.path, req.argv, &syscall.ProcAttr{
				Dir: req.dir, Env: req.env, Files: fds, Sys: sysProcAttr(),
			})
			req.reply <- spawnResult{pid, err}
		}
	}()
	return ch
})

func spawn(path string, argv, env []string, dir string, files []*os.File) (int, error) {
	reply := make(chan spawnResult, 1)
	spawner() <- spawnRequest{path, argv, env, dir, files, reply}
	res := <-reply
	if res.err != nil {
		if errors.Is(res.err, syscall.ENOENT) || errors.Is(res.err, syscall.EACCES) || errors.Is(res.err, syscall.ENOEXEC) {
			return 0, fmt.Errorf("exec %s: %w", argv[0], res.err)
		}
		return 0, res.err
	}
	return res.pid, nil
}

// The reaper: one goroutine for every process synd runs. On SIGCHLD it reaps
// its processes that have exited, with wait4 on each such pid only, so the
// children of other code in the process are left to their own waits: on
// Linux waitid names the exited children without reaping them, elsewhere
// (or when a child that is not the reaper's has exited) it asks each of its
// processes.
type reaper struct {
	once sync.Once
	mu   sync.Mutex
	pids map[int]func(syscall.WaitStatus)
	kick chan struct{}
}

var reap = &reaper{}

func (rp *reaper) watch(pid int, exited func(syscall.WaitStatus)) {
	rp.once.Do(func() {
		rp.pids = map[int]func(syscall.WaitStatus){}
		rp.kick = make(chan struct{}, 1)
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGCHLD)
		go rp.loop(sigs)
	})
	rp.mu.Lock()
	rp.pids[pid] = exited
	rp.mu.Unlock()
	// It may have exited before it was registered: look now.
	select {
	case rp.kick <- struct{}{}:
	default:
	}
}

func (rp *reaper) loop(sigs <-chan os.Signal) {
	for {
		select {
		case <-sigs:
		case <-rp.kick:
		}
		rp.reapAll()
	}
}

// reapAll reaps every process of the reaper's that has exited: one by one
// as waitid names them, in time proportional to the exits; or, when it
// names a child that is not the reaper's (or cannot name any), by asking
// each of its processes.
func (rp *reaper) reapAll() {
	for {
		pid, ok := peekExited()
		if !ok {
			rp.scan()
			return
		}
		if pid == 0 {
			return
		}
		rp.mu.Lock()
		_, ours := rp.pids[pid]
		rp.mu.Unlock()
		if !ours {
			rp.scan()
			return
		}
		rp.reap(pid)
	}
}

// scan asks each process, without blocking, whether it has exited.
func (rp *reaper) scan() {
	rp.mu.Lock()
	pids := make([]int, 0, len(rp.pids))
	for pid := range rp.pids {
		pids = append(pids, pid)
	}
	rp.mu.Unlock()
	for _, pid := range pids {
		rp.reap(pid)
	}
}

// reap waits for pid without blocking and, if it has exited, reports it.
func (rp *reaper) reap(pid int) {
	var ws syscall.WaitStatus
	got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	for errors.Is(err, syscall.EINTR) {
		got, err = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	}
	if got == 0 && err == nil {
		return // still running
	}
	rp.mu.Lock()
	fn := rp.pids[pid]
	delete(rp.pids, pid)
	rp.mu.Unlock()
	if fn == nil {
		return
	}
	if err != nil {
		ws = 0 // ECHILD: reaped elsewhere; nothing more to know
	}
	go fn(ws)
}
