package repl_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/repl"
)

// session pipes input into a REPL on a virtual clock and returns its output.
func session(t *testing.T, input string) string {
	t.Helper()
	var out bytes.Buffer
	h := host.New(host.Options{Clock: eval.NewVirtualClock(host.GoldenEpoch()), Out: &out})
	err := repl.Run(context.Background(), repl.Options{Host: h, In: strings.NewReader(input), Out: &out})
	require.NoError(t, err)
	return out.String()
}

func TestAssertObserveRetract(t *testing.T) {
	out := session(t, `<greeting "hi">
? <greeting ?g> <seen $g>
<greeting "again">
:assertions <seen ?x>
:stop 1
:assertions <greeting ?x>
`)
	assert.Equal(t, `[1] running (:stop 1 to stop it)
[2] running (:stop 2 to stop it)
[2] + g="hi"
[3] running (:stop 3 to stop it)
[2] + g="again"
<seen "hi">  x="hi"
<seen "again">  x="again"
(2 at $config)
[1] stopped
[2] - g="hi"
<greeting "again">  x="again"
(1 at $config)
`, out)
}

func TestMultiLineBlock(t *testing.T) {
	out := session(t, `?? <ping ?n> [
  ! <pong $n>
  $log ! <log "-" {line: "pinged", n: $n}>
]
! <ping 1>
`)
	assert.Equal(t, "[1] running (:stop 1 to stop it)\n[1] ! n=1\n\"-\" pinged n=1\n", out)
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "loaded.pr")
	require.NoError(t, os.WriteFile(script, []byte("<from-file 1>\n"), 0o644))
	out := session(t, `:help
let ?ds = dataspace
:env
:target $ds
<inside>
:assertions
:target $config
:trace on
<traced>
! <message>
:trace off
:load `+script+`
:assertions <from-file ?n>
:facets
:target $nope
:stop 99
:frobnicate
:quit
<never-run>
`)
	for _, want := range []string{
		":assertions", ":facets", ":trace", ":load", ":target", ":stop", ":env", ":quit", // :help
		"$config = #:<ref 1 config>", "$ds = #:<ref",
		"target is now $ds", "<inside>\n(1 at $ds)", "target is now $config",
		"trace on for $config", "+ <traced>", "! <message>", "trace off",
		"<from-file 1>  n=1",
		"repl\n", "asserts <traced> at #:<ref 1 config>",
		"error: $nope is not bound", "error: no running facet [99]", "error: unknown command :frobnicate",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "never-run", ":quit ends the session")
}

func TestErrorsReportedSessionContinues(t *testing.T) {
	out := session(t, `?x
$undefined <x>
let <a ?b> = [1]
<still-works>
:assertions <still-works>
`)
	assert.Contains(t, out, "error: input-1:1:1: syntax error: binder ?x cannot stand as an instruction\n")
	assert.Contains(t, out, "error: input-2:1:12: undefined variable $undefined")
	assert.Contains(t, out, "error: input-3:1:1: let: [1] does not match")
	assert.Contains(t, out, "<still-works>\n(1 at $config)\n")
}

func TestUnfinishedInputAtEnd(t *testing.T) {
	out := session(t, "<open [1 2\n")
	assert.Contains(t, out, "input ended early")
}

// TestTerminal drives `synd repl` in a real terminal under tmux: completion,
// a multi-line block with its continuation prompt, and a match reported
// asynchronously while a line is being typed.
func TestTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a terminal (tmux); skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	bin := filepath.Join(t.TempDir(), "synd")
	build := exec.Command("go", "build", "-o", bin, "../cmd/synd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sock := filepath.Join(t.TempDir(), "tmux.sock")
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
		require.NoError(t, err, "tmux %v: %s", args, out)
		return string(out)
	}
	home := t.TempDir()
	tmux("new-session", "-d", "-x", "120", "-y", "40", "env", "HOME="+home, "XDG_CONFIG_HOME="+home, bin, "repl")
	defer exec.Command("tmux", "-S", sock, "kill-server").Run()
	screen := func() string { return tmux("capture-pane", "-p") }
	waitFor := func(want string) string {
		deadline := time.Now().Add(10 * time.Second)
		for {
			s := screen()
			if strings.Contains(s, want) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("waited for %q; screen:\n%s", want, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	keys := func(k ...string) { tmux(append([]string{"send-keys", "-t", "0"}, k...)...) }

	waitFor("synd>")
	keys(":as", "Tab")
	waitFor("synd> :assertions")
	keys("C-u")

	keys("?? <timer-expired ?label _> [", "Enter")
	waitFor("  ...")
	keys("  <fired $label>", "Enter", "]", "Enter")
	waitFor("[1] running")

	keys("! <set-timer demo 1000 relative>", "Enter")
	keys("<typing-in-progr") // not submitted when the timer fires
	s := waitFor("[1] ! label=demo")
	assert.Contains(t, s, "synd> <typing-in-progr", "the line being typed is redrawn after the notice")
	keys("ess>", "Enter")
	keys(":assertions <fired ?l>", "Enter")
	waitFor("<fired demo>  l=demo")
	keys("C-d")
}
