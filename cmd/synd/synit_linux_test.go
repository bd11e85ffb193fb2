//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSynitBootTree boots testdata/synit, a Synit-style tree (boot, core and
// services layers loaded through the <or [<rewrite <require-service ?s>
// <require-core-service $s>> <accept _>]> idiom, milestones, service-state
// up, an exec/restart helper), under a real `synd serve -c`, installs the
// program of its late daemon after boot, and waits for the final milestone
// (issue 11's corpus test).
func TestSynitBootTree(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a tree of real daemons; skipped with -short")
	}
	tree := filepath.Join(t.TempDir(), "synit")
	out, err := exec.Command("cp", "-r", filepath.Join("..", "..", "testdata", "synit"), tree).CombinedOutput()
	require.NoError(t, err, string(out))
	etc := filepath.Join(tree, "etc.d")
	s := serveDir(t, filepath.Join(etc, "boot"))
	line := func(re string) []string { return s.waitLine(t, regexp.MustCompile(re), 15*time.Second) }

	line(`hostname set pid=\d+ service=<daemon hostname-setup>`)
	line(`synit: milestone up milestone=core`)
	first := line(`ticker started pid=(\d+) service=<daemon ticker>`)[1]
	// The late daemon's program is missing: it is retried every second.
	line(`cannot run process error=.*late-daemon.* service=<daemon late>`)
	line(`cannot run process error=.*late-daemon.* service=<daemon late>`)
	require.NoError(t, os.MkdirAll(filepath.Join(etc, "bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(etc, "bin", "late-daemon"),
		[]byte("#!/bin/sh\necho late daemon up\nexec sleep 100000\n"), 0o755))
	got := s.waitAll(t, 15*time.Second,
		`late daemon up pid=\d+ service=<daemon late>`,
		`synit: restarting service=<daemon ticker>`,
		`ticker started pid=(\d+) service=<daemon ticker>`,
		`synit: milestone up milestone=system`)
	require.NotEqual(t, first, got[2][1], "exec/restart ran the ticker afresh")
	hostname, err := os.ReadFile(filepath.Join(etc, "state", "hostname"))
	require.NoError(t, err)
	require.Equal(t, "synit-test\n", string(hostname))
}
