// Package check finds mistakes in scripts without running them, for
// `synd check`: what the compiler rejects, variables used where nothing binds
// them, and likely typos in the labels of well-known records.
//
// A Checker runs a list of passes over each file. A pass sees the file's
// values (read with positions) and, when it compiles, its compiled script,
// and reports diagnostics; new kinds of checking are new passes.
package check

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib"
)

// Severity says whether a diagnostic is an error (the script is wrong) or a
// warning (it is probably wrong).
type Severity string

// The severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Diagnostic is one finding.
type Diagnostic struct {
	Pos      lang.Position
	Severity Severity
	// Check names the pass that found it ("compile", "undefined", "typo").
	Check   string
	Message string
	// Suggestion, if not empty, is what the text probably meant.
	Suggestion string
}

// String formats the diagnostic as FILE:LINE:COL: SEVERITY: MESSAGE.
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s: %s: %s", d.Pos, d.Severity, d.Message)
}

// File is what a pass sees of one file.
type File struct {
	Name string
	// Vars are the variables the file finds bound besides the checker's
	// globals: named in a "# synd:vars NAME..." comment line, or given by a
	// <config-watcher DIR {NAME: ...}> of the checked tree whose DIR holds
	// the file.
	Vars   []string
	Values []lang.Value   // the top-level values, with positions; nil if unreadable
	Script *parser.Script // nil if the file does not compile
}

// Pass is one kind of checking.
type Pass interface {
	// Name is the pass's name, used as Diagnostic.Check.
	Name() string
	// Check reports the pass's findings in f.
	Check(f *File, report func(Diagnostic))
}

// Checker runs passes over files.
type Checker struct {
	Passes []Pass
}

// New returns a checker with the standard passes: undefined variables (with
// the given names bound beforehand, as a host binds $config and $log) and
// typos in well-known labels.
func New(globals []string) *Checker {
	return &Checker{Passes: []Pass{
		&Undefined{Globals: globals},
		NewTypos(WellKnownLabels()),
	}}
}

// DefaultGlobals are the variables a config file finds bound under synd
// serve (and syndicate-server): $config, $log, $gatekeeper and, with
// --control, $control.
var DefaultGlobals = []string{"config", "log", "gatekeeper", "control"}

// CheckSource checks one file's text; the diagnostics are in position order.
// vars are variables bound for this file only (see File.Vars); the file's
// own "# synd:vars" lines add more.
func (c *Checker) CheckSource(name string, src []byte, vars ...string) []Diagnostic {
	var out []Diagnostic
	report := func(d Diagnostic) { out = append(out, d) }
	f := &File{Name: name, Vars: append(append([]string{}, vars...), declaredVars(src)...)}
	vals, err := parser.ParseAll(name, src, parser.Options{Positions: true, Annotations: true})
	if err != nil {
		reportCompile(name, err, report)
	} else {
		f.Values = vals
		script, err := parser.CompileValues(name, vals)
		if err != nil {
			reportCompile(name, err, report)
		} else {
			f.Script = script
		}
	}
	for _, p := range c.Passes {
		p.Check(f, func(d Diagnostic) {
			if d.Check == "" {
				d.Check = p.Name()
			}
			report(d)
		})
	}
	slices.SortStableFunc(out, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column))
	})
	return out
}

// CheckFile reads and checks one file.
func (c *Checker) CheckFile(name string, vars ...string) ([]Diagnostic, error) {
	src, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return c.CheckSource(name, src, vars...), nil
}

// CheckFiles checks files as one tree: a <config-watcher DIR {NAME: ...}>
// in any of them binds NAME in the files under DIR (a relative DIR is
// tried from the working directory and from every directory above the
// declaring file). It returns the diagnostics of all files, file by file; an
// unreadable file stops it.
func (c *Checker) CheckFiles(files []string) ([]Diagnostic, error) {
	srcs := make([][]byte, len(files))
	var watchers []watcherEnv
	for i, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		srcs[i] = src
		watchers = append(watchers, findWatcherEnvs(f, src)...)
	}
	var out []Diagnostic
	for i, f := range files {
		out = append(out, c.CheckSource(f, srcs[i], varsFor(f, watchers)...)...)
	}
	return out, nil
}

// declaredVars reads "# synd:vars NAME..." comment lines: the variables a
// program run by another script (run-script with an environment) expects.
func declaredVars(src []byte) []string {
	var out []string
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "#") {
			continue
		}
		rest, ok := strings.CutPrefix(strings.TrimSpace(strings.TrimPrefix(line, "#")), "synd:vars")
		if !ok {
			continue
		}
		for _, n := range strings.Fields(rest) {
			out = append(out, strings.TrimPrefix(n, "$"))
		}
	}
	return out
}

func reportCompile(name string, err error, report func(Diagnostic)) {
	var errs []*lang.Error
	switch e := err.(type) {
	case parser.ErrorList:
		errs = e
	case *lang.Error:
		errs = []*lang.Error{e}
	default:
		errs = []*lang.Error{{Kind: lang.SyntaxError, Pos: lang.Position{File: name}, Msg: err.Error()}}
	}
	for _, e := range errs {
		report(Diagnostic{Pos: e.Pos, Severity: Error, Check: "compile", Message: e.Kind.String() + ": " + e.Msg})
	}
}

// Files lists the files to check for the given paths: a file is itself; a
// directory contributes its *.pr files as a config-watcher loads them
// (recursive, sorted, hidden files and directories skipped).
func Files(paths ...string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if info.IsDir() {
			files = append(files, stdlib.ListFiles(p, ".pr")...)
		} else {
			files = append(files, p)
		}
	}
	return files, nil
}

// nearest returns the candidate closest to word within the distance that a
// typo of a word that long plausibly has, or "": for words of up to five
// characters only two swapped neighbours count (deamon, not uses for user),
// up to nine characters one edit, beyond that two. Candidates shorter than
// five characters are never suggested.
func nearest(word string, candidates []string) string {
	limit := 1
	switch n := len([]rune(word)); {
	case n <= 5:
		limit = 0
	case n >= 10:
		limit = 2
	}
	best, bestD := "", limit+1
	for _, c := range candidates {
		if c == word || len([]rune(c)) < 5 {
			continue
		}
		d := distance(strings.ToLower(word), strings.ToLower(c))
		if limit == 0 && d == 1 && swapped(word, c) {
			d = 0
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// swapped reports whether b is a with two neighbouring characters swapped.
func swapped(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) != len(rb) {
		return false
	}
	for i := 0; i+1 < len(ra); i++ {
		if ra[i] != rb[i] {
			return ra[i] == rb[i+1] && ra[i+1] == rb[i] && string(ra[i+2:]) == string(rb[i+2:])
		}
	}
	return false
}

// distance is the optimal string alignment distance: insertions, deletions,
// substitutions and transpositions of adjacent characters each count one.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
