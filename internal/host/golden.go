package host

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/stdlib"
)

// A golden test is a script file NAME.pr with its expected trace in
// NAME.golden beside it, or a directory NAME whose *.pr files run together
// (in name order) with the trace in NAME.golden beside the directory.
// Directories named *.d hold files that tests use (config trees) and are not
// searched for tests; neither are hidden ones.

// GoldenTest is one golden test.
type GoldenTest struct {
	Name   string   // the .pr file or the directory
	Files  []string // the scripts it runs
	Golden string   // the file holding the expected trace
}

// FindGolden lists the golden tests under the given files and directories.
func FindGolden(paths ...string) ([]GoldenTest, error) {
	var tests []GoldenTest
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			tests = append(tests, GoldenTest{Name: p, Files: []string{p}, Golden: strings.TrimSuffix(p, ".pr") + ".golden"})
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && (strings.HasPrefix(d.Name(), ".") || strings.HasSuffix(d.Name(), ".d")) {
					return filepath.SkipDir
				}
				if path != p && fileExists(path+".golden") {
					files, err := filepath.Glob(filepath.Join(path, "*.pr"))
					if err != nil {
						return err
					}
					sort.Strings(files)
					tests = append(tests, GoldenTest{Name: path, Files: files, Golden: path + ".golden"})
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(path, ".pr") {
				tests = append(tests, GoldenTest{Name: path, Files: []string{path}, Golden: strings.TrimSuffix(path, ".pr") + ".golden"})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return tests, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// GoldenHorizon is how much virtual time a golden test may run.
const GoldenHorizon = 24 * time.Hour

// Trace runs a golden test on a virtual clock until it is quiescent (or its
// virtual day is over) and returns the trace.
func (g GoldenTest) Trace() string {
	var out bytes.Buffer
	h := New(Options{Clock: eval.NewVirtualClock(GoldenEpoch()), Out: &out, Trace: true, Processes: &stdlib.SimulatedRunner{}})
	h.Sys.Horizon = GoldenEpoch().Add(GoldenHorizon)
	for _, f := range g.Files {
		if len(g.Files) > 1 {
			fmt.Fprintf(&out, "# %s\n", filepath.Base(f))
		}
		_ = h.RunFile(f) // errors are in the trace
		h.Sys.RunPending()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.Run(ctx); err != nil {
		fmt.Fprintf(&out, "error: run stopped: %v\n", err)
	}
	return out.String()
}

// Check runs the test and compares its trace with the golden file; with
// update, it rewrites the golden file instead. It returns a diff when they
// differ.
func (g GoldenTest) Check(update bool) (diff string, err error) {
	got := g.Trace()
	if update {
		return "", os.WriteFile(g.Golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(g.Golden)
	if err != nil {
		return "", fmt.Errorf("%w (run with -update to create it)", err)
	}
	if string(want) == got {
		return "", nil
	}
	return LineDiff(string(want), got), nil
}

// LineDiff is a small line diff: lines only in want start with "-", lines
// only in got with "+".
func LineDiff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	// Longest common subsequence, fine for traces of a few thousand lines.
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out.WriteString("  " + a[i] + "\n")
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("+ " + b[j] + "\n")
			j++
		default:
			out.WriteString("- " + a[i] + "\n")
			i++
		}
	}
	return out.String()
}
