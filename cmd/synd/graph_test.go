package main

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/sample"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the pictures under docs/ (needs Graphviz's dot)")

// writeTree writes files (relative path → text) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	return dir
}

func TestGraphStatic(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.pr":     "<require-service <daemon web>>\n<depends-on <daemon web> <service-state <milestone net> up>>\n",
		"sub/b.pr": "<depends-on <milestone net> <service-state <daemon dhcp> complete>>\n",
	})
	code, out, errOut := synd(t, "", "graph", "-c", dir)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "digraph services {")
	assert.Regexp(t, `n\d+ \[label="<daemon web>", .*penwidth=2\]`, out, "required services are bold")
	assert.Regexp(t, `n\d+ -> n\d+ \[label="complete"\]`, out, "an unusual state labels its edge")
	assert.Equal(t, 2, strings.Count(out, " -> "))

	code, out, _ = synd(t, "", "graph", "-c", dir, "--format", "mermaid")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "flowchart LR\n")
	assert.Contains(t, out, `["#lt;daemon web#gt;"]`)

	code, _, errOut = synd(t, "", "graph", "-c", filepath.Join(dir, "nope"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "is not a directory")
	code, _, _ = synd(t, "", "graph", "-c", dir, "--format", "png")
	assert.Equal(t, 2, code)
}

// TestGraph200 draws a generated 200-service Synit-style tree: the DOT text
// must be accepted by Graphviz's dot (when installed), and the picture in
// the docs is this drawing (rewritten with -update-docs).
func TestGraph200(t *testing.T) {
	dir := writeTree(t, sample.SynitTree(200))
	code, dot, errOut := synd(t, "", "graph", "-c", dir)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, 200, strings.Count(dot, "[label="))
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("Graphviz's dot is not installed (apt-get install graphviz): the DOT text was checked, not rendered")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dot", "-Tsvg")
	cmd.Stdin = strings.NewReader(dot)
	svg, err := cmd.Output()
	require.NoError(t, err, "dot rejects the DOT text")
	assert.Contains(t, string(svg), "&lt;daemon services&#45;03&gt;")

	picture := filepath.Join("..", "..", "docs", "services-200.svg")
	if *updateDocs {
		code, _, errOut := synd(t, "", "graph", "-c", dir, "--format", "svg", "-o", picture, "--title", "a generated Synit-style tree of 200 services")
		require.Equal(t, 0, code, errOut)
	}
	committed, err := os.ReadFile(picture)
	require.NoError(t, err, "the docs picture is missing: go test ./cmd/synd -run TestGraph200 -update-docs")
	assert.Equal(t, 200, strings.Count(string(committed), `class="node"`), "the docs picture shows the 200-service tree")
}
