package host_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/host"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

// TestGolden runs every script test under testdata/ and compares its trace
// with the golden file beside it. `go test ./internal/host -update` rewrites
// them (review the diff).
func TestGolden(t *testing.T) {
	t.Chdir("../..") // traces name files as `synd test` run at the root does
	tests, err := host.FindGolden("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(tests) == 0 {
		t.Fatal("no golden tests found")
	}
	for _, g := range tests {
		t.Run(g.Name, func(t *testing.T) {
			diff, err := g.Check(*update)
			if err != nil {
				t.Fatal(err)
			}
			if diff != "" {
				t.Errorf("trace differs from %s (- want, + got):\n%s", g.Golden, diff)
			}
		})
	}
}

// TestExamples runs the examples a newcomer is pointed at, on the virtual
// clock, and checks that they do what their comments promise.
func TestExamples(t *testing.T) {
	t.Chdir("../..")
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"examples/hello.pr", []string{"hello, world"}},
		{"examples/connections/main.pr", []string{
			`client: notified app=board by=<user alice> to=<main board> user=alice value=<posted <user alice mail> "lunch at noon?">`,
			`client: notified app=board by=<user bob> to=<main board> user=bob value=<posted <user bob mail> "anyone there?">`,
			`client: notified app=mail by=<user bob> to=<system greeter> user=bob value=<greeting "Hello, bob! (greeter serves <user bob mail>)">`,
			`00:00:01+00:00 client: failed app=mail by=<user alice> to=<system nobody> user=alice why=timeout`,
			`client: refused app=mail by=<user alice> to=<scoped board "noticeboard"> user=alice why=<invalid-scope "11 characters, more than 8">`,
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			trace := host.GoldenTest{Name: tc.file, Files: []string{tc.file}}.Trace()
			assert.NotContains(t, trace, "error")
			for _, w := range tc.want {
				assert.Contains(t, trace, w)
			}
			assert.NotContains(t, trace, `user=alice value=<posted <user bob`, "alice's board never hears bob")
		})
	}
}

func writeTest(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

// TestGoldenShowsTheUsersLines: by default a golden holds what the script's
// author wrote and cares about, not the standard library's bookkeeping.
func TestGoldenShowsTheUsersLines(t *testing.T) {
	p := writeTest(t, t.TempDir(), "greet.pr", `<greeting "hello">
? <greeting ?g> [let ?now = timestamp $log ! <log $now {line: $g}>]
$log ! <log "-" {line: "done"}>
`)
	out, err := host.GoldenTest{Name: p, Files: []string{p}}.Run()
	require.NoError(t, err)
	assert.Equal(t, "\"-\" done\n2026-01-01T00:00:00+00:00 hello\n", out)

	refs := writeTest(t, t.TempDir(), "refs.pr", "let ?ds = dataspace\n$log ! <log \"-\" {line: \"made\", ds: $ds}>\n")
	out, err = host.GoldenTest{Name: refs, Files: []string{refs}}.Run()
	require.NoError(t, err)
	assert.Equal(t, "\"-\" made ds=#:<ref dataspace>\n", out, "ref numbers are elided")

	all, err := host.GoldenTest{Name: p, Files: []string{p}, Options: host.GoldenOptions{Trace: host.TraceAll}}.Run()
	require.NoError(t, err)
	assert.Contains(t, all, "+ <greeting \"hello\">\n", "-trace all shows $config")
	assert.Contains(t, all, "+ <Observe ")
}

// TestGoldenNamedServices: the states of services the test names are shown,
// those of services the standard library starts on its own are not.
func TestGoldenNamedServices(t *testing.T) {
	p := writeTest(t, t.TempDir(), "svc.pr", `<require-service <daemon web>>
<daemon web "httpd">
<depends-on <daemon web> <service-state <milestone net> up>>
`)
	out, err := host.GoldenTest{Name: p, Files: []string{p}}.Run()
	require.NoError(t, err)
	assert.Equal(t, `+ <service-state <milestone net> started>
+ <service-state <milestone net> ready>
+ <service-state <milestone net> up>
+ <service-state <daemon web> started>
+ <service-state <daemon web> ready>
+ <service-state <daemon web> up>
2026-01-01T00:00:00+00:00 httpd started pid=1001 service=<daemon web> stream=stdout
`, out)
	assert.NotContains(t, out, "daemon-process", "bookkeeping services are not named by the test")
}

// TestGoldenOutputCap: a daemon restarting forever, given a day of virtual
// time, fails the test at the output cap at once instead of writing
// hundreds of megabytes.
func TestGoldenOutputCap(t *testing.T) {
	dir := t.TempDir()
	p := writeTest(t, dir, "flap.pr", `<require-service <daemon flap>>
<daemon flap {argv: "echo flapping" restart: always}>
# synd:test horizon=24h
`)
	start := time.Now()
	out, err := host.GoldenTest{Name: p, Files: []string{p}}.Run()
	require.Error(t, err)
	assert.Less(t, time.Since(start), 20*time.Second, "fails fast")
	assert.Contains(t, err.Error(), "output cap: the trace passed 10000 lines after ")
	assert.Contains(t, err.Error(), "a daemon restarting forever")
	assert.Equal(t, 10000, strings.Count(out, "\n"), "the output stops at the cap")

	_, err = host.GoldenTest{Name: p, Files: []string{p}}.Check(true)
	require.Error(t, err, "-update does not write a capped trace")
	assert.NoFileExists(t, filepath.Join(dir, "flap.golden"))

	// The default horizon (60 s of virtual time) bounds the same daemon.
	require.NoError(t, os.WriteFile(p, []byte("<require-service <daemon flap>>\n<daemon flap {argv: \"echo flapping\" restart: always}>\n"), 0o644))
	out, err = host.GoldenTest{Name: p, Files: []string{p}}.Run()
	require.NoError(t, err)
	assert.Contains(t, out, "2026-01-01T00:00:59.")
	assert.NotContains(t, out, "2026-01-01T00:01:01")
}

func TestGoldenDirectives(t *testing.T) {
	def := host.DefaultGoldenOptions
	for _, tc := range []struct {
		src  string
		want host.GoldenOptions
		err  string
	}{
		{"<a>\n", def, ""},
		{"# synd:test trace=all\n<a>\n", host.GoldenOptions{Trace: host.TraceAll, Horizon: def.Horizon, MaxLines: def.MaxLines}, ""},
		{"<a>\n  #   synd:test horizon=10m max-lines=5\n", host.GoldenOptions{Trace: host.TraceUser, Horizon: 10 * time.Minute, MaxLines: 5}, ""},
		{"# synd:test trace=everything\n", def, "line 1: # synd:test: trace=everything: expected trace=user or trace=all"},
		{"\n# synd:test horizon=soon\n", def, "line 2: # synd:test: "},
		{"# synd:test max-lines=0\n", def, "max-lines=0: expected a positive number"},
		{"# synd:test colour=red\n", def, `unknown setting "colour=red"`},
	} {
		got, err := host.ParseDirective([]byte(tc.src), def)
		if tc.err != "" {
			require.Error(t, err, tc.src)
			assert.Contains(t, err.Error(), tc.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, tc.src)
	}
}

// TestFindGoldenRecursive: tests in subdirectories are found, the files of
// a directory test are gathered recursively, and naming a tree without
// tests is an error rather than "0 passed".
func TestFindGoldenRecursive(t *testing.T) {
	dir := t.TempDir()
	writeTest(t, dir, "a/b/deep.pr", "<x>\n")
	writeTest(t, dir, "a/tree/10-top.pr", "<y>\n")
	writeTest(t, dir, "a/tree/sub/20-nested.pr", "<z>\n")
	writeTest(t, dir, "a/tree.golden", "")
	writeTest(t, dir, "a/files.d/helper.pr", "<not-a-test>\n")
	writeTest(t, dir, ".hidden/h.pr", "<hidden>\n")
	tests, err := host.FindGolden(dir)
	require.NoError(t, err)
	var names []string
	for _, g := range tests {
		rel, _ := filepath.Rel(dir, g.Name)
		names = append(names, rel)
	}
	assert.ElementsMatch(t, []string{"a/b/deep.pr", "a/tree"}, names)
	for _, g := range tests {
		if strings.HasSuffix(g.Name, "tree") {
			assert.Equal(t, []string{filepath.Join(dir, "a/tree/10-top.pr"), filepath.Join(dir, "a/tree/sub/20-nested.pr")}, g.Files)
		}
	}
	empty := t.TempDir()
	writeTest(t, empty, "configs/notes.txt", "")
	_, err = host.FindGolden(empty)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no golden tests")
}

// TestUnifiedDiffLargeTrace: a one-line change in a long trace gives a
// short unified diff quickly (the hand-written quadratic diff ran out of
// memory on a 185 MB golden).
func TestUnifiedDiffLargeTrace(t *testing.T) {
	var a strings.Builder
	for i := range 200000 {
		fmt.Fprintf(&a, "+ <line %d>\n", i)
	}
	want := a.String()
	got := strings.Replace(want, "+ <line 123456>\n", "+ <changed>\n", 1)
	start := time.Now()
	d := host.UnifiedDiff("x.golden", "got", want, got)
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Contains(t, d, "--- x.golden\n+++ got\n@@ -123454,7 +123454,7 @@\n")
	assert.Contains(t, d, "\n-+ <line 123456>\n++ <changed>\n")
	assert.Less(t, len(d), 300)
}
