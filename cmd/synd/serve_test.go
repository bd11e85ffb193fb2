package main

import (
	"bufio"
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
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()

	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	hi := regexp.MustCompile(` hi pid=(\d+) service=<daemon hi> stream=stdout$`)
	waitFor := func(re *regexp.Regexp) []string {
		deadline := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("synd serve ended early")
				}
				if m := re.FindStringSubmatch(l); m != nil {
					return m
				}
			case <-deadline:
				t.Fatalf("no line matching %s", re)
			}
		}
	}
	first, _ := strconv.Atoi(waitFor(hi)[1])
	require.NoError(t, syscall.Kill(first, syscall.SIGKILL))
	waitFor(regexp.MustCompile(`process exited service=<daemon hi> status=<signal KILL>`))
	second, _ := strconv.Atoi(waitFor(hi)[1])
	require.NotEqual(t, first, second, "restarted as a new process")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "synd serve exits 0 on SIGTERM")
	case <-time.After(10 * time.Second):
		t.Fatal("synd serve did not stop")
	}
	for _, pgid := range []int{first, second} {
		// A killed process may linger a moment as a zombie until reaped.
		deadline := time.Now().Add(3 * time.Second)
		err := syscall.Kill(-pgid, 0)
		for !errors.Is(err, syscall.ESRCH) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			err = syscall.Kill(-pgid, 0)
		}
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

// buildSynd builds the synd binary into a temporary directory.
func buildSynd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "synd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}
