//go:build unix

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// daemonScript starts a daemon whose process group has two members: the
// shell and a background sleep that would outlive a careless exit.
const daemonScript = `<require-service <daemon sleeper>>
<daemon sleeper "sleep 100000 & echo up $$; wait">
`

// running is a synd process under test with its daemon up.
type running struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	pgid  int
}

// startSynd runs synd with args (and input on a pipe) until the sleeper
// daemon says it is up, and returns it with the daemon's process group.
func startSynd(t *testing.T, input string, args ...string) *running {
	t.Helper()
	cmd := exec.Command(buildSynd(t), args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	out := startReading(t, cmd, false)
	r := &running{t: t, cmd: cmd, stdin: stdin}
	t.Cleanup(func() {
		if r.pgid > 0 {
			_ = syscall.Kill(-r.pgid, syscall.SIGKILL)
		}
	})
	if input != "" {
		_, err = io.WriteString(stdin, input)
		require.NoError(t, err)
	}
	up := out.waitFor(regexp.MustCompile(` up (\d+) .*service=<daemon sleeper>`), 15*time.Second)
	r.pgid, _ = strconv.Atoi(up[1])
	out.drain()
	require.NoError(t, syscall.Kill(-r.pgid, 0), "the daemon's process group is alive")
	return r
}

// exitCode waits for synd to end and returns its exit status.
func (r *running) exitCode() int {
	r.t.Helper()
	err := waitExit(r.t, r.cmd, 15*time.Second)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	require.NoError(r.t, err)
	return 0
}

// assertGroupGone checks that no process of the daemon's group remains
// (an exited process of it may linger a moment until reaped).
func (r *running) assertGroupGone() {
	r.t.Helper()
	err := waitGone(-r.pgid, 3*time.Second)
	assert.True(r.t, errors.Is(err, syscall.ESRCH), "process group %d still has members after synd exited: %v", r.pgid, err)
}

// TestExitPathsReapDaemons: however synd run and synd repl end, every
// facet is stopped and the daemons' process groups are gone when synd has
// exited; a signal gives 128 + its number.
func TestExitPathsReapDaemons(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	script := writeFile(t, "sleeper.pr", daemonScript)
	for _, tc := range []struct {
		name  string
		input string // piped to stdin; the repl reads it
		args  []string
		end   func(r *running)
		code  int
	}{
		{"run SIGINT", "", []string{"run", script}, func(r *running) { _ = r.cmd.Process.Signal(os.Interrupt) }, 130},
		{"run SIGTERM", "", []string{"run", script}, func(r *running) { _ = r.cmd.Process.Signal(syscall.SIGTERM) }, 143},
		{"repl EOF", daemonScript, []string{"repl"}, func(r *running) { _ = r.stdin.Close() }, 0},
		{"repl :quit", daemonScript, []string{"repl"}, func(r *running) { _, _ = io.WriteString(r.stdin, ":quit\n") }, 0},
		{"repl SIGINT", daemonScript, []string{"repl"}, func(r *running) { _ = r.cmd.Process.Signal(os.Interrupt) }, 130},
		{"repl SIGTERM", daemonScript, []string{"repl"}, func(r *running) { _ = r.cmd.Process.Signal(syscall.SIGTERM) }, 143},
		{"repl -c SIGTERM", "", []string{"repl", "-c", filepath.Dir(script)}, func(r *running) { _ = r.cmd.Process.Signal(syscall.SIGTERM) }, 143},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startSynd(t, tc.input, tc.args...)
			tc.end(r)
			assert.Equal(t, tc.code, r.exitCode())
			r.assertGroupGone()
		})
	}
}

// TestTerminalExitPaths drives synd on a terminal (tmux): Ctrl-C ends
// synd run with status 130 and Ctrl-D ends synd repl with 0, and neither
// leaves a process of the daemon's group behind.
func TestTerminalExitPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes on a terminal; skipped with -short")
	}
	bin := buildSynd(t)
	script := writeFile(t, "sleeper.pr", daemonScript)
	for _, tc := range []struct {
		name, command string
		input         []string // lines typed
		key           string
		code          int
	}{
		{"run Ctrl-C", "run " + script, nil, "C-c", 130},
		{"repl Ctrl-D", "repl", strings.Split(strings.TrimSpace(daemonScript), "\n"), "C-d", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			shell := fmt.Sprintf("trap true INT; HOME=%s XDG_CONFIG_HOME=%s %s %s; echo exit=$?; sleep 60", home, home, bin, tc.command)
			term := startTerminal(t, 200, 50, "sh", "-c", shell)
			for _, l := range tc.input {
				term.keys("-l", l)
				term.keys("Enter")
			}
			_, up := term.waitFor(regexp.MustCompile(` up (\d+) `), false, 15*time.Second)
			pgid, _ := strconv.Atoi(up[1])
			r := &running{t: t, pgid: pgid}
			t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
			term.keys(tc.key)
			_, exit := term.waitFor(regexp.MustCompile(`exit=(\d+)`), false, 15*time.Second)
			code, _ := strconv.Atoi(exit[1])
			assert.Equal(t, tc.code, code)
			r.assertGroupGone()
		})
	}
}
