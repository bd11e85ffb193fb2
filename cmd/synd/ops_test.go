package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/syncbuf"
)

// TestServeJSONLogsAndTraceFile runs a real server with --log-format json
// and -t: every line it prints parses as a JSON record (lifecycle events
// with the service as an attribute, daemon output, errors with their
// position), and synd trace reads the trace file back, as syndicate-server's
// --trace-file is read (trace.prs's TraceEntry).
func TestServeJSONLogsAndTraceFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs synd; skipped with -short")
	}
	bin := buildSynd(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "greeter.pr"), []byte(`
<require-service <daemon greeter>>
<daemon greeter {argv: ["sh" "-c" "echo hello"], restart: never}>
? <service-state <daemon greeter> complete> $control ! <exit 0>
`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.pr"), []byte("<ok>\n?x\n"), 0o644))
	traceFile := filepath.Join(t.TempDir(), "trace.pr")
	cmd := exec.Command(bin, "serve", "--control", "--no-banner", "--no-control-socket", "--settings", t.TempDir(),
		"--log-format", "json", "-t", traceFile, "-c", dir)
	out, err := cmd.Output()
	require.NoError(t, err, "%s", out)

	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &r), "not JSON: %s", line)
		records = append(records, r)
	}
	find := func(msg string) map[string]any {
		for _, r := range records {
			if r["msg"] == msg && (r["service"] == "<daemon greeter>" || r["service"] == nil) {
				return r
			}
		}
		t.Fatalf("no record %q in:\n%s", msg, out)
		return nil
	}
	assert.Equal(t, "INFO", find("service required")["level"])
	loaded := false
	for _, r := range records {
		if r["msg"] == "config file loaded" && strings.HasSuffix(r["file"].(string), "greeter.pr") {
			loaded = true
		}
	}
	assert.True(t, loaded, "loading a config file is logged")
	assert.Equal(t, "<daemon greeter>", find("service started")["service"])
	hello := find("hello")
	assert.Equal(t, "stdout", hello["stream"])
	assert.NotZero(t, hello["pid"])
	assert.Equal(t, "<daemon greeter>", find("service complete")["service"])
	var compileError map[string]any
	for _, r := range records {
		if r["level"] == "ERROR" && r["line"] != nil {
			compileError = r
		}
	}
	require.NotNil(t, compileError, "a config file that does not compile is an error record with its position")
	assert.Equal(t, float64(2), compileError["line"])
	assert.Contains(t, compileError["file"], "broken.pr")

	summary, err := exec.Command(bin, "trace", traceFile).Output()
	require.NoError(t, err)
	assert.Regexp(t, `^\d+ turns in \d+ entries`, string(summary))
	assert.Contains(t, string(summary), "facet-start")

	events, err := exec.Command(bin, "trace", "--service", "<daemon greeter>", traceFile).Output()
	require.NoError(t, err)
	assert.Contains(t, string(events), "+ <require-service <daemon greeter>>")
	assert.Contains(t, string(events), "+ <service-state <daemon greeter> complete>")
}

// TestServeConnectionLogs: a connection accepted by a listener is one
// record, and its end another, naming the listener; the control socket's
// connections (one per synd status) are debug records. A daemon's process
// restarts are counted and logged with their count.
func TestServeConnectionLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs synd; skipped with -short")
	}
	bin := buildSynd(t)
	listener := filepath.Join(t.TempDir(), "bus.sock")
	o := serveChain(t, bin, "-s", listener, "--log-format", "json", "--log-level", "debug")
	o.waitStatus("the middle daemon restarted", func(s map[string]map[string]any) bool {
		m, ok := s["<daemon middle>"]
		return ok && m["restarts"].(float64) >= 2
	})
	conn, err := net.Dial("unix", listener)
	require.NoError(t, err)
	require.NoError(t, conn.Close())

	records := func() []map[string]any {
		var out []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(o.out.String()), "\n") {
			var r map[string]any
			if json.Unmarshal([]byte(line), &r) == nil {
				out = append(out, r)
			}
		}
		return out
	}
	has := func(msg, level, attr, value string) bool {
		for _, r := range records() {
			if r["msg"] == msg && r["level"] == level && r[attr] == value {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(10 * time.Second)
	where := fmt.Sprintf("<unix %q>", listener)
	for !has("connection closed", "INFO", "listener", where) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	assert.True(t, has("connection accepted", "INFO", "listener", where), "%s", o.out.String())
	assert.True(t, has("connection closed", "INFO", "listener", where), "%s", o.out.String())
	assert.True(t, has("connection accepted", "DEBUG", "socket", o.socket), "control-socket connections are debug records")
	restarted := false
	for _, r := range records() {
		if r["msg"] == "service restarted" && r["service"] == "<daemon middle>" && r["count"] != nil {
			restarted = true
		}
	}
	assert.True(t, restarted, "a process restart is a record with its count:\n%s", o.out.String())
}

func TestServeOpsFlagErrors(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := synd(t, "", "serve", "--log-format", "xml", "-c", dir)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `--log-format "xml": want text or json`)
	code, _, errOut = synd(t, "", "serve", "--log-level", "loud", "-c", dir)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "want debug, info, warn or error")
	code, _, errOut = synd(t, "", "serve", "-t", filepath.Join(dir, "no", "such", "dir", "trace"), "-c", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no such file or directory")
	code, _, errOut = synd(t, "", "trace", filepath.Join(dir, "missing"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "synd trace:")
}

// operated is a real synd serve with a control socket, for the operating
// commands' tests.
type operated struct {
	t      *testing.T
	bin    string
	socket string
	cmd    *exec.Cmd
	out    *syncbuf.Buffer
}

// serveChain serves a chain of three daemons, top → middle → bottom, where
// the middle one's binary does not exist; extra are more serve flags.
func serveChain(t *testing.T, bin string, extra ...string) *operated {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "chain.pr"), []byte(`
<require-service <daemon top>>
<daemon top ["sleep" "1000"]>
<depends-on <daemon top> <service-state <daemon middle> ready>>
<daemon middle ["/nonexistent/udhcpc" "eth0"]>
<depends-on <daemon middle> <service-state <daemon bottom> ready>>
<daemon bottom ["sleep" "1000"]>
`), 0o644))
	o := &operated{t: t, bin: bin, socket: filepath.Join(t.TempDir(), "ctl.sock"), out: &syncbuf.Buffer{}}
	o.cmd = exec.Command(bin, append([]string{"serve", "--no-banner", "--settings", t.TempDir(), "-c", dir, "--control-socket", o.socket}, extra...)...)
	o.cmd.Stdout, o.cmd.Stderr = o.out, o.out
	require.NoError(t, o.cmd.Start())
	t.Cleanup(func() {
		_ = o.cmd.Process.Signal(syscall.SIGTERM)
		_ = o.cmd.Wait()
	})
	return o
}

// synd runs a synd command against the server and returns its stdout.
func (o *operated) synd(args ...string) (string, error) {
	cmd := exec.Command(o.bin, args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%v: %s", err, errb.String())
	}
	return string(out), nil
}

// statusOf polls synd status --json until cond holds of the services.
func (o *operated) waitStatus(what string, cond func(map[string]map[string]any) bool) map[string]map[string]any {
	o.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := o.synd("status", "--json", "--socket", o.socket)
		services := map[string]map[string]any{}
		if err == nil {
			var list []map[string]any
			require.NoError(o.t, json.Unmarshal([]byte(out), &list), out)
			for _, s := range list {
				services[s["name"].(string)] = s
			}
			if cond(services) {
				return services
			}
		}
		if time.Now().After(deadline) {
			o.t.Fatalf("waiting for %s: status %v %s\nserver output:\n%s", what, err, out, o.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func state(services map[string]map[string]any, name string) string {
	if s, ok := services[name]; ok {
		return s["state"].(string)
	}
	return ""
}

// TestOperate serves a chain of daemons whose middle binary is missing and
// looks into it as an operator would: status, why, graph, logs, and a REPL
// attached to the running server that starts a daemon there, which stops
// when the REPL leaves.
func TestOperate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs synd with real daemons; skipped with -short")
	}
	bin := buildSynd(t)
	o := serveChain(t, bin)
	// The middle daemon cannot start: under the default policy (always) it
	// is retried every second, its state staying started.
	services := o.waitStatus("bottom ready, middle failing", func(s map[string]map[string]any) bool {
		return state(s, "<daemon bottom>") == "ready" && s["<daemon middle>"] != nil && s["<daemon middle>"]["exits"].(float64) >= 1
	})
	assert.Equal(t, "started", state(services, "<daemon middle>"))
	assert.Contains(t, []string{"waiting", "down"}, state(services, "<daemon top>"))
	assert.NotEmpty(t, services["<daemon bottom>"]["pids"])
	assert.Contains(t, services["<daemon middle>"]["last_exit"], "/nonexistent/udhcpc")

	out, err := o.synd("status", "--socket", o.socket)
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^SERVICE +STATE +PIDS +RESTARTS +SINCE +LAST EXIT$`, out)
	assert.Regexp(t, `(?m)^<daemon bottom> +ready +\d+ `, out)
	assert.NotContains(t, out, "\x1b[", "no colour when not on a terminal")

	out, err = o.synd("status", "--socket", o.socket, "middle")
	require.NoError(t, err)
	assert.Contains(t, out, "● <daemon middle>\n")
	assert.Contains(t, out, "✓ <daemon bottom> ready")

	out, err = o.synd("why", "--socket", o.socket, "top")
	require.NoError(t, err)
	assert.Equal(t, "<daemon top> waits for <daemon middle> to be ready", strings.Split(out, "\n")[0])
	assert.Contains(t, out, "/nonexistent/udhcpc: no such file or directory", "why names the missing binary")

	dot, err := o.synd("graph", "--socket", o.socket, "--format", "dot")
	require.NoError(t, err)
	assert.Contains(t, dot, `"<daemon middle>\nstarted", fillcolor="#fff3c4"`)
	if _, err := exec.LookPath("dot"); err == nil {
		c := exec.Command("dot", "-Tsvg")
		c.Stdin = strings.NewReader(dot)
		_, err := c.Output()
		assert.NoError(t, err, "Graphviz's dot accepts the graph")
	} else {
		t.Log("Graphviz's dot is not installed: the DOT text was checked, not rendered")
	}

	out, err = o.synd("logs", "--socket", o.socket, "middle")
	require.NoError(t, err)
	assert.Contains(t, out, "<daemon middle> cannot run process")

	// A REPL attached to the server starts a daemon there...
	repl := exec.Command(bin, "repl", "--attach", o.socket)
	stdin, err := repl.StdinPipe()
	require.NoError(t, err)
	var replOut syncbuf.Buffer
	repl.Stdout, repl.Stderr = &replOut, &replOut
	require.NoError(t, repl.Start())
	_, err = io.WriteString(stdin, "<require-service <daemon extra>>\n<daemon extra [\"sleep\" \"999\"]>\n")
	require.NoError(t, err)
	// (A daemon is ready before its spec arrives, as syndicate-server's is:
	// wait for its process too.)
	services = o.waitStatus("extra ready", func(s map[string]map[string]any) bool {
		return state(s, "<daemon extra>") == "ready" && len(s["<daemon extra>"]["pids"].([]any)) == 1
	})
	pids := services["<daemon extra>"]["pids"].([]any)
	require.Len(t, pids, 1)
	pid := int(pids[0].(float64))
	// ... and leaving it retracts what it asserted: the daemon stops.
	require.NoError(t, stdin.Close())
	require.NoError(t, repl.Wait(), replOut.String())
	o.waitStatus("extra no longer required", func(s map[string]map[string]any) bool {
		x, ok := s["<daemon extra>"]
		return !ok || x["required"] == false && state(s, "<daemon extra>") == "down"
	})
	assert.ErrorIs(t, waitGone(pid, 5*time.Second), syscall.ESRCH, "the REPL's daemon was stopped")

	require.NoError(t, o.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, o.cmd.Wait())
	_, err = os.Stat(o.socket)
	assert.True(t, os.IsNotExist(err), "the control socket is removed on stop")
	_, err = o.synd("status", "--socket", o.socket)
	assert.ErrorContains(t, err, "cannot reach synd serve")
}

// TestOperateOnTerminal runs synd status and synd repl --attach in a real
// terminal under tmux: states in colour, names cut to the terminal's width,
// the attached REPL's banner and its :services.
func TestOperateOnTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a terminal (tmux) and real daemons; skipped with -short")
	}
	home := t.TempDir()
	term := startTerminal(t, 60, 30, "env", "HOME="+home, "XDG_CONFIG_HOME="+home, "TERM=xterm-256color", "sh")
	keys := term.keys
	bin := buildSynd(t)
	o := serveChain(t, bin)
	o.waitStatus("bottom ready", func(s map[string]map[string]any) bool { return state(s, "<daemon bottom>") == "ready" })
	waitFor := func(want string, escapes bool) string {
		t.Helper()
		s, _ := term.waitFor(regexp.MustCompile(regexp.QuoteMeta(want)), escapes, 10*time.Second)
		return s
	}

	// Wait for the shell's prompt, so that it is not printed amid the output.
	keys("echo ready-$((1+1))", "Enter")
	waitFor("ready-2", false)
	keys("clear", "Enter")
	time.Sleep(200 * time.Millisecond)
	// The markers echoed are computed, so that the typed command line does
	// not already show them.
	keys(bin+" status --socket "+o.socket+"; echo status-$((1+1))", "Enter")
	plain := waitFor("status-2", false)
	coloured := waitFor("status-2", true)
	assert.Regexp(t, "\x1b\\[32m(\x1b\\[[0-9;]*m)*ready", coloured, "ready is green")
	for _, line := range strings.Split(plain, "\n") {
		if strings.Contains(line, "status --socket") {
			continue // the command typed
		}
		assert.LessOrEqual(t, len([]rune(line)), 60, "lines fit the terminal: %q", line)
	}
	assert.Contains(t, plain, "…", "a name too long for the terminal is cut")

	keys("clear; NO_COLOR=1 "+bin+" status --socket "+o.socket+"; echo nocolour-$((1+1))", "Enter")
	s := waitFor("nocolour-2", true)
	assert.NotRegexp(t, "\x1b\\[3[0-9]m", s, "NO_COLOR is honoured")

	keys("clear; "+bin+" repl --attach "+o.socket+"; echo repl-$((1+1))", "Enter")
	waitFor("synd repl attached to the server at", false)
	keys(":services bottom", "Enter")
	s = waitFor("<daemon bottom>", false)
	assert.Contains(t, s, "LAST EXIT\n", "the REPL's table fits the terminal too")
	keys("C-d")
	waitFor("repl-2", false)
}
