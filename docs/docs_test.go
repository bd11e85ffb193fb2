// Package docs holds synd's user guide and language reference. Its test runs
// every example in them: a fenced block of script (```synd) followed by a
// fenced block of output (```output) is run on the virtual clock and must
// print exactly that output.
package docs

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/parser/format"
	"github.com/synd-lang/synd/stdlib"
)

// example is one ```synd block of a page, with the ```output block after it
// (if any).
type example struct {
	page, section string
	line          int // of the opening fence, 1-based
	script        string
	output        *string
}

var fence = regexp.MustCompile("^```([a-z-]*)\\s*$")

// examples extracts the examples of a markdown page.
func examples(t *testing.T, page string) []example {
	t.Helper()
	b, err := os.ReadFile(page)
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	var out []example
	section := ""
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "#") && !strings.HasPrefix(lines[i], "#!") {
			section = strings.TrimSpace(strings.TrimLeft(lines[i], "#"))
			continue
		}
		m := fence.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		start := i
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		require.Less(t, i, len(lines), "%s:%d: unclosed fence", page, start+1)
		text := strings.Join(body, "\n") + "\n"
		switch m[1] {
		case "synd":
			out = append(out, example{page: page, section: section, line: start + 1, script: text})
		case "output":
			require.NotEmpty(t, out, "%s:%d: an output block with no script before it", page, start+1)
			last := &out[len(out)-1]
			require.Nil(t, last.output, "%s:%d: two output blocks after one script", page, start+1)
			last.output = &text
		}
	}
	return out
}

// Horizon is how much virtual time an example may run: long enough for
// timers and restarts to show, short enough that a daemon restarted forever
// prints a page, not a book.
const Horizon = time.Minute

// run runs a script as example.pr in a fresh directory on the virtual
// clock with simulated processes, as `synd test` does, and returns what it
// prints: the $log lines (without their timestamp column) and any errors.
func run(t *testing.T, script string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "example.pr"), []byte(script), 0o644))
	t.Chdir(dir)
	var out bytes.Buffer
	h := host.New(host.Options{
		Clock:     eval.NewVirtualClock(host.GoldenEpoch()),
		Out:       &out,
		Processes: &stdlib.SimulatedRunner{},
		PrintLog: func(ts, details lang.Value) {
			line := host.FormatLog(ts, details)
			fmt.Fprintln(&out, strings.TrimPrefix(strings.TrimPrefix(line, lang.Text(ts)), " "))
		},
	})
	h.Sys.Horizon = host.GoldenEpoch().Add(Horizon)
	_ = h.RunFile("example.pr") // errors are printed
	h.Sys.RunPending()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.Run(ctx); err != nil {
		fmt.Fprintf(&out, "error: run stopped: %v\n", err)
	}
	return out.String()
}

var update = flag.Bool("update", false, "rewrite the output blocks of the pages with what the examples print (review the diff)")

// TestExamples runs every example of every page.
func TestExamples(t *testing.T) {
	pages, err := filepath.Glob("*.md")
	require.NoError(t, err)
	require.NotEmpty(t, pages)
	n := 0
	for _, page := range pages {
		page, err := filepath.Abs(page) // run changes directory
		require.NoError(t, err)
		got := map[int]string{}
		if *update {
			for _, ex := range examples(t, page) {
				if ex.output != nil {
					t.Run("update", func(t *testing.T) { got[ex.line] = run(t, ex.script) })
				}
			}
			rewriteOutputs(t, page, got)
		}
		for _, ex := range examples(t, page) {
			n++
			t.Run(fmt.Sprintf("%s:%d", filepath.Base(ex.page), ex.line), func(t *testing.T) {
				if tidy, err := format.Source("example.pr", []byte(ex.script)); err == nil {
					assert.Equal(t, string(tidy), ex.script, "%s:%d: the example is laid out as synd fmt lays it out", ex.page, ex.line)
				}
				if ex.output == nil {
					// A script shown without output must at least compile.
					_, err := parser.CompileFile("example.pr", []byte(ex.script))
					assert.NoError(t, err, "%s:%d", ex.page, ex.line)
					return
				}
				want := *ex.output
				if want == "\n" {
					want = "" // an empty block: the example prints nothing
				}
				got := run(t, ex.script)
				assert.Equal(t, want, got, "%s:%d (section %q): the output differs", ex.page, ex.line, ex.section)
			})
		}
	}
	assert.Greater(t, n, 20, "the pages should hold their examples")
}

// TestReferenceCoversEveryConstruct: every section of the language
// reference shows at least one example with its output.
func TestReferenceCoversEveryConstruct(t *testing.T) {
	b, err := os.ReadFile("reference.md")
	require.NoError(t, err)
	withOutput := map[string]bool{}
	for _, ex := range examples(t, "reference.md") {
		if ex.output != nil {
			withOutput[ex.section] = true
		}
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "### ") {
			s := strings.TrimSpace(strings.TrimPrefix(l, "### "))
			assert.True(t, withOutput[s], "section %q of reference.md has no example with output", s)
		}
	}
}

// TestLinks: every relative link of a page names a file that exists.
func TestLinks(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)#:]+)(#[^)]*)?\)`)
	pages, err := filepath.Glob("*.md")
	require.NoError(t, err)
	for _, page := range pages {
		b, err := os.ReadFile(page)
		require.NoError(t, err)
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			_, err := os.Stat(m[1])
			assert.NoError(t, err, "%s links to %s", page, m[1])
		}
	}
}

// rewriteOutputs replaces the output block after the script block that
// opens at each line of got.
func rewriteOutputs(t *testing.T, page string, got map[int]string) {
	b, err := os.ReadFile(page)
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	var out []string
	pending, have := "", false
	for i := 0; i < len(lines); i++ {
		if o, ok := got[i+1]; ok {
			pending, have = o, true
		}
		out = append(out, lines[i])
		if lines[i] == "```output" && have {
			for i+1 < len(lines) && lines[i+1] != "```" {
				i++
			}
			if pending != "" {
				out = append(out, strings.Split(strings.TrimSuffix(pending, "\n"), "\n")...)
			}
			have = false
		}
	}
	require.NoError(t, os.WriteFile(page, []byte(strings.Join(out, "\n")), 0o644))
}
