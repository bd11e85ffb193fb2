package format

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden formats each testdata/NAME.input and compares with NAME.golden.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.input")
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	for _, in := range inputs {
		name := strings.TrimSuffix(in, ".input")
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(in)
			require.NoError(t, err)
			got, err := Source(in, src)
			require.NoError(t, err)
			golden := name + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
			checkPreserved(t, in, src, got)
		})
	}
}

// TestRepository formats every .pr file of the repository: the result reads
// as the same values (annotations and comments included), and formatting it
// again changes nothing.
func TestRepository(t *testing.T) {
	root := filepath.Join("..", "..")
	var files []string
	require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".pr") || strings.HasSuffix(path, ".input") || strings.HasSuffix(path, ".golden")) {
			files = append(files, path)
		}
		return nil
	}))
	require.Greater(t, len(files), 50, "the walk should find the repository's scripts")
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		if _, err := parser.ParseAll(f, src, parser.Options{}); err != nil {
			continue // deliberately bad input (e.g. a test of parse errors), or not Preserves text
		}
		t.Run(f, func(t *testing.T) {
			once, err := Source(f, src)
			require.NoError(t, err)
			checkPreserved(t, f, src, once)
			twice, err := Source(f, once)
			require.NoError(t, err)
			assert.Equal(t, string(once), string(twice), "formatting is not idempotent")
		})
	}
}

// checkPreserved asserts that out reads as the same values as src, both
// without annotations and with them (comments compared without trailing
// spaces, which the formatter drops).
func checkPreserved(t *testing.T, file string, src, out []byte) {
	t.Helper()
	for _, opts := range []parser.Options{{}, {Annotations: true}} {
		want, err := parser.ParseAll(file, src, opts)
		require.NoError(t, err)
		got, err := parser.ParseAll(file, out, opts)
		require.NoError(t, err, "formatted text does not read:\n%s", out)
		require.Equal(t, len(want), len(got), "value count")
		for i := range want {
			assert.True(t, lang.Equal(want[i], got[i]), "value %d changed:\n%s\n%s", i, lang.Text(want[i]), lang.Text(got[i]))
			if opts.Annotations {
				assert.Equal(t, annotatedText(want[i]), annotatedText(got[i]), "annotations of value %d changed", i)
			}
		}
	}
}

// spacesBeforeQuote matches the trailing spaces of a comment written as a
// string annotation.
var spacesBeforeQuote = regexp.MustCompile(`[ \t]+"`)

// annotatedText writes v with its annotations, comments' trailing spaces
// dropped.
func annotatedText(v lang.Value) string {
	s := string((&lang.TextWriter{Annotations: true}).Append(nil, v))
	return spacesBeforeQuote.ReplaceAllString(s, `"`)
}

func TestErrorsAndEdges(t *testing.T) {
	_, err := Source("bad.pr", []byte("<a [b>\n"))
	require.Error(t, err)
	var le *lang.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 1, le.Pos.Line)
	assert.Equal(t, "bad.pr", le.Pos.File)

	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"\n\n  \n", ""},
		{"# just a comment   \n\n\n", "# just a comment\n"},
		{"<a>", "<a>\n"},
		{"<a   b>\r\n<c>\r\n", "<a b>\n<c>\n"},
		{"[\n\n\n1\n\n\n2\n\n]", "[\n  1\n\n  2\n]\n"},
		{"{k:v}", "{k: v}\n"},
		{"\t<x\n\t\t<y>>", "<x\n  <y>>\n"},
	} {
		got, err := Source("t.pr", []byte(c.in))
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, string(got), "input %q", c.in)
	}
}

// FuzzSource: whatever reads, formats; formatting keeps the values and is
// idempotent.
func FuzzSource(f *testing.F) {
	for _, s := range []string{"<a b>", "{a: [1 2] # c\n}", "@x #:y", "<d {\nargv: \"x\"\n}>", "\"a\nb\" # t\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if _, err := parser.ParseAll("f", src, parser.Options{Annotations: true}); err != nil {
			return
		}
		once, err := Source("f", src)
		require.NoError(t, err)
		checkPreserved(t, "f", src, once)
		twice, err := Source("f", once)
		require.NoError(t, err)
		require.Equal(t, string(once), string(twice))
	})
}
