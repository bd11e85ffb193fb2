package host

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib"
)

// A golden test is a script file NAME.pr with its expected trace in
// NAME.golden beside it, or a directory NAME whose *.pr files (recursively,
// in name order) run together with the trace in NAME.golden beside the
// directory. Directories named *.d hold files that tests use (config trees)
// and are not searched for tests; neither are hidden ones.
//
// A test runs on a virtual clock with simulated processes until nothing is
// left to happen or its horizon is reached. By default its trace is what
// its author wrote and cares about (TraceUser); TraceAll shows all of
// $config. GoldenOptions bound it; a "# synd:test" line in its files sets
// them for that test (ParseDirective).

// GoldenTest is one golden test.
type GoldenTest struct {
	Name   string   // the .pr file or the directory
	Files  []string // the scripts it runs
	Golden string   // the file holding the expected trace
	// Options are how it runs; a "# synd:test" line in its files overrides
	// them (see ParseDirective). The zero value is DefaultGoldenOptions.
	Options GoldenOptions
}

// FindGolden lists the golden tests under the given files and directories,
// walking directories recursively. Naming something that holds no test is
// an error: a run of zero tests proves nothing.
func FindGolden(paths ...string) ([]GoldenTest, error) {
	tests, err := findGolden(paths)
	if err == nil && len(tests) == 0 {
		err = fmt.Errorf("no golden tests (NAME.pr files, or directories with a NAME.golden beside them) under %s", strings.Join(paths, ", "))
	}
	return tests, err
}

func findGolden(paths []string) ([]GoldenTest, error) {
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
					// The files of a directory test are loaded as a
					// config-watcher loads a tree: recursively, sorted.
					files := stdlib.ListFiles(path, ".pr")
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

// TraceMode says what a golden trace shows.
type TraceMode string

// The trace modes.
const (
	// TraceUser shows what the test's author wrote and cares about: $log
	// lines, errors, and the service states (<service-state S STATE>
	// appearing and disappearing) of the services named in the test's files.
	// Refs are shown by name, without their numbers.
	TraceUser TraceMode = "user"
	// TraceAll shows every assertion and message of $config as well.
	TraceAll TraceMode = "all"
)

// GoldenOptions bound and shape a golden run.
type GoldenOptions struct {
	Trace TraceMode
	// Horizon is how much virtual time the test may run: it stops when
	// nothing is left to happen or when the next timer lies beyond it.
	Horizon time.Duration
	// MaxLines caps the trace: a test that writes more fails at once with a
	// message saying so (a flapping daemon, a loop of messages).
	MaxLines int
}

// DefaultGoldenOptions are the options of synd test without flags.
var DefaultGoldenOptions = GoldenOptions{Trace: TraceUser, Horizon: 60 * time.Second, MaxLines: 10000}

// withDefaults fills the zero fields of o from DefaultGoldenOptions.
func (o GoldenOptions) withDefaults() GoldenOptions {
	if o.Trace == "" {
		o.Trace = DefaultGoldenOptions.Trace
	}
	if o.Horizon <= 0 {
		o.Horizon = DefaultGoldenOptions.Horizon
	}
	if o.MaxLines <= 0 {
		o.MaxLines = DefaultGoldenOptions.MaxLines
	}
	return o
}

// directivePrefix starts a comment line that sets a test's options.
const directivePrefix = "synd:test"

// ParseDirective applies the "# synd:test KEY=VALUE..." comment lines of a
// test file's text to o: trace=user|all, horizon=DURATION (Go syntax: 90s,
// 10m, 24h), max-lines=N. A test whose point is the whole trace (the
// language's semantics, a protocol's records) says "# synd:test trace=all".
func ParseDirective(src []byte, o GoldenOptions) (GoldenOptions, error) {
	for i, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "#") {
			continue
		}
		rest, ok := strings.CutPrefix(strings.TrimSpace(line[1:]), directivePrefix)
		if !ok {
			continue
		}
		for _, kv := range strings.Fields(rest) {
			k, v, _ := strings.Cut(kv, "=")
			var err error
			switch k {
			case "trace":
				if v != string(TraceUser) && v != string(TraceAll) {
					err = fmt.Errorf("trace=%s: expected trace=user or trace=all", v)
				}
				o.Trace = TraceMode(v)
			case "horizon":
				o.Horizon, err = time.ParseDuration(v)
				if err == nil && o.Horizon <= 0 {
					err = fmt.Errorf("horizon=%s: expected a positive duration", v)
				}
			case "max-lines":
				o.MaxLines, err = strconv.Atoi(v)
				if err == nil && o.MaxLines <= 0 {
					err = fmt.Errorf("max-lines=%s: expected a positive number", v)
				}
			default:
				err = fmt.Errorf("unknown setting %q: expected trace=, horizon= or max-lines=", kv)
			}
			if err != nil {
				return o, fmt.Errorf("line %d: # %s: %w", i+1, directivePrefix, err)
			}
		}
	}
	return o, nil
}

// errOutputCap is returned when a test writes more than its cap.
type errOutputCap struct {
	lines   int
	at      time.Duration
	horizon time.Duration
}

func (e errOutputCap) Error() string {
	return fmt.Sprintf("output cap: the trace passed %d lines after %s of virtual time (horizon %s); "+
		"a daemon restarting forever or a loop of messages? "+
		"If the output is meant, raise the cap with -max-lines or a '# %s max-lines=N' line",
		e.lines, e.at, e.horizon, directivePrefix)
}

// capWriter passes lines on until there have been max of them; the next
// write calls over() once and is dropped, like all after it.
type capWriter struct {
	w     *bytes.Buffer
	max   int
	lines int
	over  func()
	hit   bool
}

func (c *capWriter) Write(p []byte) (int, error) {
	if c.hit {
		return len(p), nil
	}
	n := bytes.Count(p, []byte("\n"))
	if c.lines+n > c.max {
		c.hit = true
		c.over()
		return len(p), nil
	}
	c.lines += n
	return c.w.Write(p)
}

// options are the test's options with its files' directives applied.
func (g GoldenTest) options() (GoldenOptions, error) {
	o := g.Options.withDefaults()
	for _, f := range g.Files {
		src, err := os.ReadFile(f)
		if err != nil {
			continue // reported when the file is run
		}
		if o, err = ParseDirective(src, o); err != nil {
			return o, fmt.Errorf("%s: %w", f, err)
		}
	}
	return o, nil
}

// Trace runs the test and returns its trace; a failure to run (a bad
// directive, the output cap) ends the trace with an "error:" line.
func (g GoldenTest) Trace() string {
	out, err := g.Run()
	if err != nil {
		out += fmt.Sprintf("error: %v\n", err)
	}
	return out
}

// Run runs the test on a virtual clock until nothing is left to happen or
// its horizon is reached, with simulated processes (stdlib.SimulatedRunner),
// and returns its trace. It fails if the trace passes the output cap.
func (g GoldenTest) Run() (string, error) {
	o, err := g.options()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	var h *Host
	var capErr error
	out := &capWriter{w: &buf, max: o.MaxLines}
	out.over = func() {
		capErr = errOutputCap{lines: o.MaxLines, at: h.Sys.Now().Sub(GoldenEpoch()), horizon: o.Horizon}
		h.Sys.Shutdown() // from a turn: the run ends after this one
	}
	opts := Options{Clock: eval.NewVirtualClock(GoldenEpoch()), Out: out, Trace: true, Processes: &stdlib.SimulatedRunner{}}
	if o.Trace == TraceUser {
		opts.TraceFilter = namedServiceStates(g.Files)
	}
	h = New(opts)
	h.Sys.Horizon = GoldenEpoch().Add(o.Horizon)
	for _, f := range g.Files {
		if len(g.Files) > 1 {
			fmt.Fprintf(out, "# %s\n", filepath.Base(f))
		}
		_ = h.RunFile(f) // errors are in the trace
		h.Sys.RunPending()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = h.Run(ctx)
	trace := buf.String()
	if o.Trace == TraceUser {
		// Which number a ref gets depends on every ref made before it, the
		// standard library's included: a user's golden shows refs by name.
		trace = refNumber.ReplaceAllString(trace, "#:<ref$1")
	}
	if err != nil && capErr == nil {
		return trace, fmt.Errorf("run stopped after a minute of real time: %w", err)
	}
	return trace, capErr
}

// refNumber matches the number in a ref's text form, #:<ref 1075 dataspace>.
var refNumber = regexp.MustCompile(`#:<ref [0-9]+([ >])`)

// Check runs the test and compares its trace with the golden file; with
// update, it rewrites the golden file instead. It returns a unified diff
// (golden file first) when they differ, and an error when the test could
// not run to its end (the output cap) or the golden file is missing.
func (g GoldenTest) Check(update bool) (diff string, err error) {
	got, err := g.Run()
	if err != nil {
		return "", err
	}
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
	return UnifiedDiff(g.Golden, "got", string(want), got), nil
}

// UnifiedDiff is a unified diff (3 lines of context) of want and got, by
// the linear-space Myers algorithm of golang.org/x/tools' internal/diff as
// github.com/aymanbagabas/go-udiff exports it.
func UnifiedDiff(wantName, gotName, want, got string) string {
	return udiff.Unified(wantName, gotName, want, got)
}

// namedServiceStates accepts the <service-state S STATE> assertions of the
// services the files name: the first field of require-service, run-service,
// service-state, restart-service and depends-on records, the S of a
// depends-on's <service-state S _>, and <daemon ID> for each <daemon ID
// SPEC> — wherever written literally (not built from variables).
func namedServiceStates(files []string) func(lang.Value) bool {
	var named []lang.Value
	add := func(v lang.Value) {
		v = lang.Strip(v)
		if !parser.Ground(v) {
			return
		}
		for _, n := range named {
			if lang.Equal(n, v) {
				return
			}
		}
		named = append(named, v)
	}
	visit := func(v lang.Value) bool {
		x, ok := lang.Unwrap(v).(*lang.Record)
		if !ok {
			return true
		}
		label, _ := lang.Unwrap(x.Label).(lang.Symbol)
		switch {
		case len(x.Fields) >= 1 && (label == "require-service" || label == "run-service" || label == "service-state" || label == "restart-service"):
			add(x.Fields[0])
		case len(x.Fields) == 2 && label == "depends-on":
			add(x.Fields[0])
			if r, ok := lang.Unwrap(x.Fields[1]).(*lang.Record); ok && len(r.Fields) == 2 && lang.Equal(r.Label, lang.Symbol("service-state")) {
				add(r.Fields[0])
			}
		case len(x.Fields) == 2 && label == "daemon":
			add(&lang.Record{Label: lang.Symbol("daemon"), Fields: []lang.Value{x.Fields[0]}})
		}
		return true
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		vals, err := parser.ParseAll(f, src, parser.Options{})
		if err != nil {
			continue
		}
		for _, v := range vals {
			lang.Walk(v, visit)
		}
	}
	return func(v lang.Value) bool {
		r, ok := lang.Unwrap(v).(*lang.Record)
		if !ok || len(r.Fields) != 2 || !lang.Equal(r.Label, lang.Symbol("service-state")) {
			return false
		}
		for _, n := range named {
			if lang.Equal(n, r.Fields[0]) {
				return true
			}
		}
		return false
	}
}
