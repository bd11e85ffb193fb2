package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	cmd := exec.Command(bin, "serve", "--control", "--no-banner", "--settings", t.TempDir(),
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
