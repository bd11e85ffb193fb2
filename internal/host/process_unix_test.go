//go:build unix

package host_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/host"
)

// stamped is one line a live host printed, and when.
type stamped struct {
	at   time.Time
	line string
}

// liveHost boots a host running real processes, runs script in it and
// returns the lines it prints as they come. The host stops with the test.
func liveHost(t *testing.T, script string) <-chan stamped {
	t.Helper()
	pr, pw := io.Pipe()
	lines := make(chan stamped, 1<<16)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 4096), 4<<20)
		for sc.Scan() {
			lines <- stamped{time.Now(), sc.Text()}
		}
		close(lines)
	}()
	h := host.New(host.Options{Out: pw})
	require.NoError(t, h.RunSource("test.pr", []byte(script), h.Env()))
	h.Sys.Hold()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = h.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		h.Sys.Shutdown()
		h.Sys.Release()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			h.KillProcesses()
			cancel()
			<-done
		}
		cancel()
		pw.Close()
	})
	return lines
}

// next returns the next printed line containing want, failing after timeout.
func next(t *testing.T, lines <-chan stamped, want string, timeout time.Duration) stamped {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended before a line with %q", want)
			}
			if strings.Contains(l.line, want) {
				return l
			}
		case <-deadline:
			t.Fatalf("no line with %q within %s", want, timeout)
		}
	}
}

// seen reads lines until each of wants has been the prefix of one, and
// returns those lines.
func seen(t *testing.T, lines <-chan stamped, timeout time.Duration, wants ...string) []string {
	t.Helper()
	var got []string
	deadline := time.After(timeout)
	for len(wants) > 0 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended; still waiting for %q", wants)
			}
			for i, w := range wants {
				if strings.HasPrefix(l.line, w) {
					got = append(got, l.line)
					wants = append(wants[:i], wants[i+1:]...)
					break
				}
			}
		case <-deadline:
			t.Fatalf("still waiting for %q after %s", wants, timeout)
		}
	}
	return got
}

// processScript runs one process with argv and prints its output and exit.
func processScript(shell string) string {
	return fmt.Sprintf(`<process p {argv: ["sh" "-c" %q]}>
?? <process-output p _ ?stream ?line> $log ! <log "-" {line: $line, stream: $stream}>
? <process-exited p ?status> $log ! <log "-" {line: "EXITED", status: $status}>
`, shell)
}

// A grandchild that leaves the process group (setsid) and keeps the pipes
// open does not delay the exit: it is noticed by wait at once (issue 17.4).
// syndicate-server's DaemonInstance::start waits for the child, not its
// output.
func TestExitNoticedDespiteSetsidGrandchild(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid here")
	}
	lines := liveHost(t, processScript(`setsid sleep 30 & sleep 0.2; echo "grandchild $!"; exit 3`))
	gc := next(t, lines, "grandchild", 10*time.Second)
	pid, err := strconv.Atoi(strings.Fields(strings.TrimPrefix(gc.line, "\"-\" grandchild "))[0])
	require.NoError(t, err, gc.line)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	exit := next(t, lines, "EXITED", 5*time.Second)
	assert.Contains(t, exit.line, "status=3")
	// The grandchild holds the pipes for 30 s: an exit noticed only at
	// their end would come that late. Two seconds leaves room for a
	// loaded machine under -race (100 ms did not).
	assert.Less(t, exit.at.Sub(gc.at), 2*time.Second, "exit noticed long before the grandchild closes the pipes")
	assert.NoError(t, syscall.Kill(pid, 0), "the grandchild still runs: only the wait mattered")
}

// A 2 MB line is cut with a marker and the next line still arrives (issue
// 17.7). Lines keep their newline on $log, as syndicate-server's
// DaemonInstance::log keeps what read_until returns (issue 11.16); the
// printer trims it.
func TestLongLineCutAndReadingGoesOn(t *testing.T) {
	lines := liveHost(t, processScript(`head -c 2097152 /dev/zero | tr '\0' a; echo; echo done`))
	long := next(t, lines, "aaaa", 10*time.Second)
	assert.Contains(t, long.line, "line cut at 1048576 bytes: 1048577 more left out")
	assert.Less(t, len(long.line), 1048576+200)
	done := next(t, lines, "done", 5*time.Second)
	assert.Equal(t, "\"-\" done stream=stdout", done.line, "the newline is trimmed only by the printer")
	next(t, lines, "EXITED", 5*time.Second)
}

// Control characters in a process's output cannot forge log lines.
func TestLogEscapesControlCharacters(t *testing.T) {
	lines := liveHost(t, processScript(`printf 'a\nb\033[2Jc\n'; printf 'no newline'`))
	next(t, lines, "\"-\" a stream=stdout", 5*time.Second)
	l := next(t, lines, "stream=stdout", 5*time.Second)
	assert.Equal(t, `"-" b\x1b[2Jc stream=stdout`, l.line)
	l = next(t, lines, "stream=stdout", 5*time.Second)
	assert.Equal(t, `"-" no newline stream=stdout`, l.line)
}

// A program that cannot start is reported as an exit with the reason; a
// bad dir names the field (issue 17.18).
func TestCannotStart(t *testing.T) {
	lines := liveHost(t, `<process p {argv: ["/no/such/program"]}>
<process q {argv: ["true"], dir: "/no/such/dir"}>
? <process-exited ?id ?status> $log ! <log "-" {line: "EXITED", id: $id, status: $status}>
`)
	seen(t, lines, 5*time.Second, `"-" EXITED id=p status=<error "exec: \"/no/such/program\"`,
		`"-" EXITED id=q status=<error "dir \"/no/such/dir\": no such file or directory">`)
}

// The environment is exactly what the spec says, names checked.
func TestProcessEnvironment(t *testing.T) {
	lines := liveHost(t, `<process p {argv: ["sh" "-c" "echo \"A=$A B=${B-unset} PATH=${PATH-unset}\""], env: {A: "1", "B": #f, PATH: "/bin:/usr/bin"}, clearEnv: #t}>
<process q {argv: ["true"], env: {"FOO=PATH": "x"}}>
<process r {argv: ["true"], env: {LD_PRELOAD: "x", "LD_PRELOAD": "y"}}>
?? <process-output p _ _ ?line> $log ! <log "-" {line: $line}>
? <process-exited ?id <error ?why>> $log ! <log "-" {line: "ERROR", id: $id, why: $why}>
`)
	got := seen(t, lines, 5*time.Second, "\"-\" A=1 B=unset PATH=/bin:/usr/bin",
		`"-" ERROR id=q why="env: \"FOO=PATH\" is not a valid variable name`,
		`"-" ERROR id=r why="env: LD_PRELOAD is given twice`)
	assert.Len(t, got, 3)
}

// The reaper reaps only its own processes: children that other code in
// synd starts (os/exec) are left to their own Wait, however their exits
// interleave with the daemons'.
func TestReaperLeavesOtherChildrenAlone(t *testing.T) {
	lines := liveHost(t, `<process p {argv: ["sh" "-c" "for i in 1 2 3 4 5 6 7 8 9 10; do sh -c true; done; echo done"]}>
?? <process-output p _ _ ?line> $log ! <log "-" {line: $line}>
? <process-exited p ?status> $log ! <log "-" {line: "EXITED", status: $status}>
`)
	for range 30 {
		require.NoError(t, exec.Command("true").Run(), "os/exec's Wait gets its own child's status")
	}
	seen(t, lines, 10*time.Second, "\"-\" done", "\"-\" EXITED status=0")
}
