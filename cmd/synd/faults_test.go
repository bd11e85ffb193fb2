package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestServeSurvivesBadInput (issue 17, point 1): a script asserting
// <Observe foo bar> into $config and $log, and sending $control a malformed
// <exit "zero">, stops at most its own facet; the daemon beside it (a real
// `sleep`) keeps running and the server still obeys a later, valid
// <exit 3>.
func TestServeSurvivesBadInput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds synd and runs real processes; skipped with -short")
	}
	bin := buildSynd(t)
	dir := t.TempDir()
	write := func(name, text string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write("daemon.pr", "<require-service <daemon sleeper>>\n<daemon sleeper \"echo up; exec sleep 60\">\n")
	cmd := exec.Command(bin, "serve", "--control", "--no-control-socket", "--settings", t.TempDir(), "-c", dir)
	out := startReading(t, cmd, true) // $log on stdout and errors on stderr, in one stream
	waitFor := func(re *regexp.Regexp) []string {
		t.Helper()
		return out.waitFor(re, 15*time.Second)
	}
	pid, _ := strconv.Atoi(waitFor(regexp.MustCompile(` up pid=(\d+) service=<daemon sleeper>`))[1])

	write("bad.pr", `
$config <Observe foo bar>
$log <Observe foo bar>
$control ! <exit "zero">
$log ! <log "-" {line: "bad input sent"}>
`)
	waitFor(regexp.MustCompile(`bad input sent`))
	waitFor(regexp.MustCompile(`^error: .*exit CODE.*"zero"`)) // the $control error, reported
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, syscall.Kill(pid, 0), "the daemon keeps running")

	// The host still works: a new service starts, and a valid <exit 3> ends
	// the server with that status, stopping the daemon.
	write("later.pr", `
<require-service <milestone later>>
? <service-state <milestone later> up> [
  $log ! <log "-" {line: "later is up"}>
  $control ! <exit 3>
]
`)
	waitFor(regexp.MustCompile(`later is up`))
	out.drain()
	var exit *exec.ExitError
	require.ErrorAs(t, waitExit(t, cmd, 15*time.Second), &exit, "synd serve exits on <exit 3>")
	require.Equal(t, 3, exit.ExitCode())
	require.ErrorIs(t, waitGone(pid, 3*time.Second), syscall.ESRCH, "the daemon was stopped at exit")
}

// TestRunStopsRunawayLoops (issue 17, point 8): a message loop, linear or
// multiplying, is detected, its facet stopped with a message, and `synd run`
// ends (the script is then quiescent) instead of spinning or growing to an
// OOM.
func TestRunStopsRunawayLoops(t *testing.T) {
	if testing.Short() {
		t.Skip("builds synd; skipped with -short")
	}
	bin := buildSynd(t)
	for name, src := range map[string]string{
		"linear":      "?? <tick ?n> ! <tick $n>\n! <tick 0>\n",
		"multiplying": "?? <tick ?n> [! <tick $n> ! <tick $n>]\n! <tick 0>\n",
	} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "loop.pr")
			require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
			cmd := exec.Command(bin, "run", file)
			var stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stderr, &stderr // errors may go to either
			require.NoError(t, cmd.Start())
			_ = waitExit(t, cmd, 60*time.Second) // the exit status is checked below
			require.Contains(t, stderr.String(), "runaway message loop")
			require.NotZero(t, cmd.ProcessState.ExitCode(), "the error is reported in the exit status")
		})
	}
}
