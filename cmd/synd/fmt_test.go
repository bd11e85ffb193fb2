package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFmt(t *testing.T) {
	const messy = "<daemon   x {\nargv: \"x\"\n}>\n"
	const tidy = "<daemon x {\n  argv: \"x\"\n}>\n"

	code, out, _ := synd(t, messy, "fmt")
	assert.Equal(t, 0, code)
	assert.Equal(t, tidy, out)

	dir := t.TempDir()
	bad := filepath.Join(dir, "a.pr")
	good := filepath.Join(dir, "sub", "b.pr")
	other := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.MkdirAll(filepath.Dir(good), 0o755))
	require.NoError(t, os.WriteFile(bad, []byte(messy), 0o600))
	require.NoError(t, os.WriteFile(good, []byte(tidy), 0o644))
	require.NoError(t, os.WriteFile(other, []byte(messy), 0o644))

	// -l lists only the files that would change, and changes nothing.
	code, out, _ = synd(t, "", "fmt", "-l", dir)
	assert.Equal(t, 0, code)
	assert.Equal(t, bad+"\n", out)

	// -d shows a unified diff.
	code, out, _ = synd(t, "", "fmt", "-d", dir)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "--- "+bad+".orig\n+++ "+bad+"\n")
	assert.Contains(t, out, "-<daemon   x {\n-argv: \"x\"\n+<daemon x {\n+  argv: \"x\"\n")

	// -w rewrites in place, keeping the file's mode; then nothing is listed.
	code, out, _ = synd(t, "", "fmt", "-w", dir)
	assert.Equal(t, 0, code)
	assert.Empty(t, out)
	b, err := os.ReadFile(bad)
	require.NoError(t, err)
	assert.Equal(t, tidy, string(b))
	info, err := os.Stat(bad)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	b, err = os.ReadFile(other)
	require.NoError(t, err)
	assert.Equal(t, messy, string(b), "a directory walk formats only .pr files")
	code, out, _ = synd(t, "", "fmt", "-l", dir)
	assert.Equal(t, 0, code)
	assert.Empty(t, out)

	// Text that does not read is reported with its position; exit 2.
	broken := writeFile(t, "broken.pr", "<a\n  [b>\n")
	code, _, errOut := synd(t, "", "fmt", broken)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, broken+":2:")
	code, _, errOut = synd(t, "x", "fmt", "-w")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "cannot use -w with standard input")
}
