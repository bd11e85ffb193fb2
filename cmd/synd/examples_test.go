package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEtcSyndicateExample runs examples/etc-syndicate as a user would:
// `synd serve -c examples/etc-syndicate/boot` with real processes. The boot
// layer brings up the core and services layers, every daemon and the
// script service say they are running, and SIGTERM stops it all cleanly.
func TestEtcSyndicateExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds synd and runs real processes; skipped with -short")
	}
	tree := filepath.Join("..", "..", "examples", "etc-syndicate")
	files, err := filepath.Glob(filepath.Join(tree, "*", "*.pr"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	code, _, errOut := synd(t, "", append([]string{"check"}, files...)...)
	require.Equal(t, 0, code, "synd check accepts the example tree:\n%s", errOut)

	bin := buildSynd(t)
	cmd := exec.Command(bin, "serve", "--no-banner", "--settings", t.TempDir(),
		"--control-socket", filepath.Join(t.TempDir(), "control.sock"), "-c", filepath.Join(tree, "boot"))
	out := startReading(t, cmd, false)

	want := []string{
		"hostname: synd-example",
		"syslog: listening",
		"web: serving hello",
		"greeter: ready",
		"milestone up milestone=services",
		"daemon up daemon=web",
	}
	seen := map[string]bool{}
	deadline := time.After(20 * time.Second)
	for len(seen) < len(want) {
		select {
		case l, ok := <-out.lines:
			require.True(t, ok, "synd serve ended early")
			assert.NotContains(t, l, "error", "the example runs without errors")
			for _, w := range want {
				if strings.Contains(l, w) {
					seen[w] = true
				}
			}
		case <-deadline:
			t.Fatalf("saw %v of %v", seen, want)
		}
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	out.drain()
	require.NoError(t, waitExit(t, cmd, 15*time.Second), "synd serve exits 0 on SIGTERM")
}
