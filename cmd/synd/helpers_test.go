package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Helpers for the tests that build synd and run it as a user would: the
// binary, a running synd's output line by line, and waiting for processes
// to end.

// built is the synd binary the tests of this package share.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// TestMain removes the binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildSynd builds the synd binary (once for all the tests of this
// package) and returns its path.
func buildSynd(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "synd-test-bin")
		if built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "synd")
		if out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// outputLines is what a running synd prints, line by line as it comes.
type outputLines struct {
	t     testing.TB
	lines chan string // closed at the end of the output
	seen  []string    // lines read while waiting for others, not yet matched
}

// readLines reads r line by line in the background until it ends. At most
// 1000 lines are held unread: a test that stops reading and lets synd print
// more must drain what is left (drain) before it waits for synd to exit.
func readLines(t testing.TB, r io.Reader) *outputLines {
	o := &outputLines{t: t, lines: make(chan string, 1000)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			o.lines <- sc.Text()
		}
		close(o.lines)
	}()
	return o
}

// startReading starts cmd with its standard output read line by line; its
// standard error joins that stream, or goes to the test's when stderr is
// false. The process is killed, and the stream closed, when the test ends.
func startReading(t testing.TB, cmd *exec.Cmd, stderr bool) *outputLines {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, os.Stderr
	if stderr {
		cmd.Stderr = w
	}
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = r.Close()
	})
	return readLines(t, r)
}

// waitFor returns the submatches of the first line, read before or during
// the wait, that matches re and was not matched by an earlier wait. It
// fails the test if none comes within timeout or the output ends first.
func (o *outputLines) waitFor(re *regexp.Regexp, timeout time.Duration) []string {
	o.t.Helper()
	for i, l := range o.seen {
		if m := re.FindStringSubmatch(l); m != nil {
			o.seen = append(o.seen[:i], o.seen[i+1:]...)
			return m
		}
	}
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-o.lines:
			if !ok {
				o.t.Fatalf("synd ended early, waiting for a line matching %s", re)
			}
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
			o.seen = append(o.seen, l)
		case <-deadline:
			o.t.Fatalf("no line matching %s within %s", re, timeout)
		}
	}
}

// drain reads and drops the rest of the output in the background, so that
// synd never blocks printing while a test waits for it to exit.
func (o *outputLines) drain() {
	go func() {
		for range o.lines {
		}
	}()
}

// waitExit waits for cmd, started, to exit and returns what Wait returns.
// If cmd is still running after timeout, it is killed and the test fails.
func waitExit(t testing.TB, cmd *exec.Cmd, timeout time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		name := filepath.Base(cmd.Path)
		if len(cmd.Args) > 1 {
			name += " " + cmd.Args[1]
		}
		t.Fatalf("%s did not exit within %s", name, timeout)
		return nil
	}
}

// waitGone waits up to timeout for the process pid (or, if pid is
// negative, every process of the group -pid) to be gone, and returns the
// last answer of kill(pid, 0): an error wrapping syscall.ESRCH once it is.
// An exited process may linger a moment as a zombie until it is reaped.
func waitGone(pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	err := syscall.Kill(pid, 0)
	for !errors.Is(err, syscall.ESRCH) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		err = syscall.Kill(pid, 0)
	}
	return err
}

// terminal is a tmux session that a test drives as a user at a terminal
// would. It is killed when the test ends.
type terminal struct {
	t    testing.TB
	sock string
}

// startTerminal starts a width × height terminal running command under
// tmux, or skips the test where tmux is not installed.
func startTerminal(t testing.TB, width, height int, command ...string) *terminal {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	tm := &terminal{t: t, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	tm.tmux(append([]string{"new-session", "-d", "-x", strconv.Itoa(width), "-y", strconv.Itoa(height)}, command...)...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", tm.sock, "kill-server").Run() })
	return tm
}

// tmux runs a tmux command against the terminal's server and returns its
// output; it fails the test if the command fails.
func (tm *terminal) tmux(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", tm.sock}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

// keys types keys, as tmux send-keys names them ("Enter", "C-c"; "-l" first
// for literal text).
func (tm *terminal) keys(k ...string) {
	tm.t.Helper()
	tm.tmux(append([]string{"send-keys", "-t", "0"}, k...)...)
}

// waitFor polls the screen (-J: a wrapped line is one line; with its
// colour escapes if escapes) until re matches it, and returns the screen
// and the submatches. It fails the test, showing the screen, after timeout.
func (tm *terminal) waitFor(re *regexp.Regexp, escapes bool, timeout time.Duration) (string, []string) {
	tm.t.Helper()
	args := []string{"-S", tm.sock, "capture-pane", "-p", "-J", "-t", "0"}
	if escapes {
		args = append(args, "-e")
	}
	deadline := time.Now().Add(timeout)
	for {
		out, _ := exec.Command("tmux", args...).CombinedOutput()
		screen := string(out)
		if m := re.FindStringSubmatch(screen); m != nil {
			return screen, m
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("waited for %s; screen:\n%s", re, screen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
