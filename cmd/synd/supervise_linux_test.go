//go:build linux

package main

import (
	"bufio"
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

// served is a running `synd serve -c DIR` and its output lines.
type served struct {
	cmd   *exec.Cmd
	lines chan string
}

// serveConfig writes files into a fresh config directory and starts synd
// serve on it (no user settings). It is killed when the test ends.
func serveConfig(t testing.TB, files map[string]string, extra ...string) *served {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	return serveDir(t, dir, extra...)
}

// serveDir starts synd serve -c dir (no user settings), killed when the test
// ends.
func serveDir(t testing.TB, dir string, extra ...string) *served {
	t.Helper()
	return serveBinary(t, buildSyndTB(t), dir, extra...)
}

// buildSyndTB builds synd into a temporary directory.
func buildSyndTB(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "synd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// serveBinary starts bin serve -c dir (no user settings, a control socket
// of its own: tests run side by side), killed when the test ends.
func serveBinary(t testing.TB, bin, dir string, extra ...string) *served {
	t.Helper()
	args := append([]string{"serve", "--no-banner", "-c", dir, "--settings", filepath.Join(t.TempDir(), "none"),
		"--control-socket", filepath.Join(t.TempDir(), "control.sock")}, extra...)
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	s := &served{cmd: cmd, lines: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 4096), 4<<20)
		for sc.Scan() {
			select {
			case s.lines <- sc.Text():
			default: // nobody is reading: a flood of output is dropped here
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		close(s.lines)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return s
}

// waitLine returns the submatches of the first line matching re.
func (s *served) waitLine(t testing.TB, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("synd serve ended before a line matching %s", re)
			}
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("no line matching %s within %s", re, timeout)
		}
	}
}

// waitAll waits for a line matching each of res, in any order, and returns
// the submatches of each.
func (s *served) waitAll(t testing.TB, timeout time.Duration, res ...string) [][]string {
	t.Helper()
	got := make([][]string, len(res))
	left := len(res)
	deadline := time.After(timeout)
	for left > 0 {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("synd serve ended while waiting for %q", res)
			}
			for i, re := range res {
				if got[i] == nil {
					if m := regexp.MustCompile(re).FindStringSubmatch(l); m != nil {
						got[i] = m
						left--
						break
					}
				}
			}
		case <-deadline:
			t.Fatalf("within %s, no line matching each of %q (got %q)", timeout, res, got)
		}
	}
	return got
}

// procStatus reads a field (in kB or a count) of /proc/PID/status.
func procStatus(t testing.TB, pid int, field string) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field+":") {
			n, err := strconv.Atoi(strings.Fields(l)[1])
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// alive reports whether pid is a live process (not gone, not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// If synd is killed with SIGKILL, no child lives on: Linux kills each
// direct child (Pdeathsig) at once (issues 15.1 and 17.16).
func TestSIGKILLedServeLeavesNoChild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	s := serveConfig(t, map[string]string{"a.pr": `
<require-service <daemon a>>
<daemon a "echo child $$; exec sleep 1000">
<require-service <daemon b>>
<daemon b ["sh" "-c" "echo child $$; exec sleep 1000"]>
`})
	re := regexp.MustCompile(` child (\d+) pid=`)
	var pids []int
	for range 2 {
		n, _ := strconv.Atoi(s.waitLine(t, re, 10*time.Second)[1])
		pids = append(pids, n)
	}
	require.NoError(t, s.cmd.Process.Kill())
	deadline := time.Now().Add(2 * time.Second)
	for _, pid := range pids {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("child %d outlived a SIGKILLed synd by 2 s", pid)
		}
	}
}

// `yes` as a daemon: its output is read no faster than it is handled (pipe
// backpressure), so synd's memory stays bounded (issue 17.8).
func TestYesDaemonStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs `yes` for 30 s; skipped with -short")
	}
	t.Parallel()
	s := serveConfig(t, map[string]string{"yes.pr": `
<require-service <daemon yes>>
<daemon yes "yes">
`})
	// Generous: a loaded machine (load 15 on 2 cores) may take a while to
	// boot serve; the bound below is what the test is about.
	s.waitLine(t, regexp.MustCompile(` y pid=\d+ service=<daemon yes>`), 60*time.Second)
	pid := s.cmd.Process.Pid
	peak := 0
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		peak = max(peak, procStatus(t, pid, "VmRSS"))
	}
	t.Logf("peak RSS of synd serving `yes` for 30 s: %d kB", peak)
	assert.Less(t, peak, 100*1024, "RSS stays under 100 MB")
}

// thousandSleepers is a config of n daemons that print "up" and sleep.
func thousandSleepers(n int) map[string]string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "<require-service <daemon <sleeper %d>>>\n<daemon <sleeper %d> \"echo up; exec sleep 1000\">\n", i, i)
	}
	return map[string]string{"sleepers.pr": b.String()}
}

// BenchmarkThousandDaemons is issue 12's row "1,000 running daemons
// (sleep)": the time from start to every daemon's first line, and synd's
// RSS and OS threads once they all run (main: 180 MB, 1,007 threads; target
// ≤ 40 MB, ≤ 20 threads). Its yardstick, in the same run, is the RSS of
// synd serve with no daemon at all (MB-RSS-idle), so that KB-per-daemon is
// what each daemon adds. RSS is the least of five samples a second apart
// (settledRSS). Run with -benchtime=1x.
func BenchmarkThousandDaemons(b *testing.B) {
	const n = 1000
	up := regexp.MustCompile(` up pid=\d+ service=<daemon <sleeper`)
	var rss, idle, threads int
	bin := buildSyndTB(b)
	dir, empty := b.TempDir(), b.TempDir()
	require.NoError(b, os.WriteFile(filepath.Join(dir, "sleepers.pr"), []byte(thousandSleepers(n)["sleepers.pr"]), 0o644))
	require.NoError(b, os.WriteFile(filepath.Join(empty, "none.pr"), []byte("<nothing-to-run>\n"), 0o644))
	b.ResetTimer()
	for range b.N {
		s := serveBinary(b, bin, dir)
		for range n {
			s.waitLine(b, up, 60*time.Second)
		}
		b.StopTimer()
		rss, threads = settledRSS(b, s.cmd.Process.Pid)
		e := serveBinary(b, bin, empty)
		e.waitLine(b, regexp.MustCompile(`config file loaded`), 60*time.Second)
		idle, _ = settledRSS(b, e.cmd.Process.Pid)
		b.StartTimer()
	}
	b.ReportMetric(float64(rss)/1024, "MB-RSS")
	b.ReportMetric(float64(idle)/1024, "MB-RSS-idle")
	b.ReportMetric(float64(rss-idle)/n, "KB-per-daemon")
	b.ReportMetric(float64(threads), "threads")
}

// settledRSS is a process's RSS (kB) once it has settled: the least of five
// samples a second apart, so that a collection lagging on a loaded machine
// (a passing peak of garbage) is not taken for what the process keeps; and
// the most OS threads seen meanwhile.
func settledRSS(t testing.TB, pid int) (rss, threads int) {
	for i := range 5 {
		time.Sleep(time.Second)
		r := procStatus(t, pid, "VmRSS")
		if i == 0 || r < rss {
			rss = r
		}
		threads = max(threads, procStatus(t, pid, "Threads"))
	}
	return rss, threads
}

// 1,000 running daemons take one reaper, one output loop and small read
// buffers, not a thread and 128 KiB each (issue 12's row asks ≤ 40 MB RSS
// and ≤ 20 threads; main took 180 MB and 1,007 threads). The thread bound
// is the target; the RSS bound only guards against a return of per-daemon
// threads and buffers (64 KiB scanner buffers were 128 MB on their own):
// serve with its status model settles at about 40 MB. RSS is read once the
// daemons are up (settledRSS).
func TestThousandSleepingDaemons(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 1,000 processes; skipped with -short")
	}
	const n = 1000
	s := serveConfig(t, thousandSleepers(n))
	up := regexp.MustCompile(` up pid=\d+ service=<daemon <sleeper`)
	for range n {
		s.waitLine(t, up, 60*time.Second)
	}
	rss, threads := settledRSS(t, s.cmd.Process.Pid)
	t.Logf("synd serving %d sleeping daemons: RSS %d kB, %d OS threads", n, rss, threads)
	assert.LessOrEqual(t, threads, 20, "OS threads")
	assert.LessOrEqual(t, rss, 100*1024, "RSS in kB")
}

// SIGTERM to serve does not wait for a grandchild that left its daemon's
// process group (setsid) and holds the daemon's pipes: the daemon's exit is
// noticed by wait, its pipes closed, and serve ends (issue 17.4).
func TestServeStopsDespiteSetsidGrandchild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid here")
	}
	s := serveConfig(t, map[string]string{"gc.pr": `
<require-service <daemon holder>>
<daemon holder "setsid sleep 60 & sleep 0.2; echo grandchild $!; exec sleep 1000">
`})
	m := s.waitLine(t, regexp.MustCompile(` grandchild (\d+) pid=`), 10*time.Second)
	gc, _ := strconv.Atoi(m[1])
	t.Cleanup(func() { _ = syscall.Kill(gc, syscall.SIGKILL) })
	start := time.Now()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
		t.Logf("serve ended %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	case <-time.After(3 * time.Second):
		t.Fatal("serve still running 3 s after SIGTERM: it waits for the grandchild")
	}
	require.True(t, alive(gc), "the grandchild itself was out of reach (its own session)")
}
