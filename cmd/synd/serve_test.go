package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestServeRealDaemon runs `synd serve` on a config with a real daemon: its
// output reaches $log, it is restarted after kill -9 as its policy says, and
// SIGTERM to synd terminates it with nothing left running.
func TestServeRealDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes for a few seconds; skipped with -short")
	}
	bin := buildSynd(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hi.pr"),
		[]byte("<require-service <daemon hi>>\n<daemon hi \"echo hi; sleep 30\">\n"), 0o644))
	cmd := exec.Command(bin, "serve", "--no-control-socket", "-c", dir)
	out := startReading(t, cmd, false)
	hi := regexp.MustCompile(` hi pid=(\d+) service=<daemon hi> stream=stdout$`)
	first, _ := strconv.Atoi(out.waitFor(hi, 10*time.Second)[1])
	require.NoError(t, syscall.Kill(first, syscall.SIGKILL))
	out.waitFor(regexp.MustCompile(`process exited service=<daemon hi> status=<signal KILL>`), 10*time.Second)
	second, _ := strconv.Atoi(out.waitFor(hi, 10*time.Second)[1])
	require.NotEqual(t, first, second, "restarted as a new process")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	out.drain()
	require.NoError(t, waitExit(t, cmd, 10*time.Second), "synd serve exits 0 on SIGTERM")
	for _, pgid := range []int{first, second} {
		err := waitGone(-pgid, 3*time.Second)
		require.True(t, errors.Is(err, syscall.ESRCH), "process group %d still has members: %v", pgid, err)
	}
}

// TestServeControlExit: with --control, a script ends the server with
// ! <exit CODE> on $control, stopping everything first.
func TestServeControlExit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs synd; skipped with -short")
	}
	bin := buildSynd(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "exit.pr"), []byte(`
<require-service <milestone done>>
? <service-state <milestone done> up> [
  $log ! <log "-" {line: "stopping with 7"}>
  $control ! <exit 7>
]
`), 0o644))
	cmd := exec.Command(bin, "serve", "--control", "--no-control-socket", "--settings", t.TempDir(), "-c", dir)
	out, err := cmd.Output()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	require.Equal(t, 7, exit.ExitCode())
	require.Contains(t, string(out), "stopping with 7")
}
