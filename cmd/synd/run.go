package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/synd-lang/synd/internal/host"
)

// newFlags makes a subcommand's flag set with a usage text. The flag
// package accepts both -name and --name.
func newFlags(env *cmdEnv, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("synd "+name, flag.ContinueOnError)
	fs.SetOutput(&flagOutput{env: env})
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

// flagOutput holds what the flag package prints while parsing, so that
// parseFlags can send help (-h) to standard output and a usage error to
// standard error. Outside parsing it writes to standard error.
type flagOutput struct {
	env     *cmdEnv
	parsing bool
	buf     bytes.Buffer
}

func (o *flagOutput) Write(p []byte) (int, error) {
	if o.parsing {
		return o.buf.Write(p)
	}
	return o.env.stderr.Write(p)
}

// parseFlags parses args; it returns the exit code to stop with, or -1 to go
// on: 0 after printing the help asked for with -h (on standard output), 2
// after a usage error (on standard error).
func parseFlags(fs *flag.FlagSet, args []string) int {
	o, _ := fs.Output().(*flagOutput)
	if o != nil {
		o.parsing = true
		o.buf.Reset()
	}
	err := fs.Parse(args)
	if o != nil {
		o.parsing = false
		w := o.env.stderr
		if errors.Is(err, flag.ErrHelp) {
			w = o.env.stdout
		}
		_, _ = w.Write(o.buf.Bytes())
		o.buf.Reset()
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	return -1
}

const runUsage = `usage: synd run [--trace] FILE...

Boots $config and $log, runs each script FILE in its own actor and prints the
messages sent to $log, one line each. With --trace, also prints every
assertion appearing (+) in or disappearing (-) from $config and every message
(!) sent to it. Errors print as "error: FILE:LINE:COL: message".

Exits when nothing is left to happen (no events, timers or processes). On
SIGINT (Ctrl-C) or SIGTERM every facet is stopped, as synd serve stops, so
every process started is terminated (SIGTERM, then SIGKILL after a grace
period) before synd exits with status 130 or 143; a second signal kills them
at once. Otherwise the exit status is 1 if any error was reported, else 0.

Flags:
`

func runRun(env *cmdEnv, args []string) int {
	fs := newFlags(env, "run", runUsage)
	stdlibDir := fs.String("stdlib", "", "a directory of service classes replacing or adding to the built-in ones")
	trace := fs.Bool("trace", false, "print the assertions and messages of $config")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	h := host.New(host.Options{Out: env.stdout, Trace: *trace, Stdlib: *stdlibDir})
	for _, f := range fs.Args() {
		_ = h.RunFile(f) // reported on the output
	}
	sig := stopOnSignals(h, h.Sys.Shutdown)
	err := h.Run(context.Background())
	code := sig.Exit(env.stderr, "run", err)
	if code == exitOK && h.Errors() > 0 {
		return exitFailure
	}
	return code
}

const testUsage = `usage: synd test [-update] [-v] [-trace user|all] [-horizon D] [-max-lines N] [DIR|FILE...]

Runs golden-file script tests (default: testdata). A test is NAME.pr with its
expected output in NAME.golden beside it, or a directory NAME whose *.pr
files (recursively, sorted) run together, with NAME.golden beside the
directory. Directories are searched recursively; hidden ones and ones named
*.d (files that tests use) are skipped. Finding no test is a failure.

Each test runs on a virtual clock: timers fire at once in order, until
nothing is left to happen or the next timer lies beyond the horizon (-horizon,
60s of virtual time by default). What it prints is compared with the golden
file and a difference is shown as a unified diff; -update rewrites the golden
files instead (review the change with your version control).

What a golden file shows (-trace):

  user  (the default) what the test's author wrote and cares about: the
        lines sent to $log, errors, and the service states
        (+ <service-state S STATE> appearing, - disappearing) of every
        service the test names literally (in require-service, run-service,
        service-state, restart-service, depends-on, and <daemon ID> for each
        <daemon ID SPEC>); a ref is shown by its name (#:<ref dataspace>),
        since its number depends on the standard library's refs
  all   every assertion appearing (+) in and disappearing (-) from $config
        and every message (!) sent to it, the standard library's included

A test that writes more than -max-lines lines (10000 by default) fails at
once with a message saying so: a daemon restarting forever, or a loop of
messages, ends the run instead of filling the disk.

A line '# synd:test SETTING...' in a test's files overrides the flags for
that test: trace=user|all, horizon=DURATION (90s, 10m, 24h), max-lines=N.
For a test whose point is the whole trace:

  # synd:test trace=all

Daemons are simulated, never run: a <daemon ID SPEC> (or <process ...>)
behaves by its command, given directly or as a shell string:

  true / false      exits 0 / 1 at once
  sleep N           exits 0 after N seconds (of virtual time)
  fail-after N      exits 1 after N seconds
  echo WORDS...     writes WORDS as a line on stdout, then exits 0
  no-such-program   cannot be started (as a missing binary)
  anything else     writes "CMD started" on stdout and runs until stopped
                    (ended by a stop with <signal TERM>)

Their output lines reach $log as real daemons' do, and their exits drive
the restart policies, so scripting a daemon's output and exit is choosing
its command: "echo ready" prints and exits 0, "fail-after 5" fails after
five seconds, "false" with restart: always flaps.

Flags:
`

func runTest(env *cmdEnv, args []string) int {
	fs := newFlags(env, "test", testUsage)
	update := fs.Bool("update", false, "rewrite the golden files with the output seen")
	verbose := fs.Bool("v", false, "name every test, not only failures")
	trace := fs.String("trace", string(host.DefaultGoldenOptions.Trace), "what a golden shows: user (log lines, errors, named services' states) or all")
	horizon := fs.Duration("horizon", host.DefaultGoldenOptions.Horizon, "how much virtual time a test may run")
	maxLines := fs.Int("max-lines", host.DefaultGoldenOptions.MaxLines, "the most lines a test may write before it fails")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if *trace != string(host.TraceUser) && *trace != string(host.TraceAll) {
		fmt.Fprintf(env.stderr, "synd test: -trace must be user or all, not %q\n", *trace)
		return exitUsage
	}
	if *horizon <= 0 || *maxLines <= 0 {
		fmt.Fprintln(env.stderr, "synd test: -horizon and -max-lines must be positive")
		return exitUsage
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"testdata"}
	}
	tests, err := host.FindGolden(paths...)
	if err != nil {
		fmt.Fprintf(env.stderr, "synd test: %v\n", err)
		return exitFailure
	}
	opts := host.GoldenOptions{Trace: host.TraceMode(*trace), Horizon: *horizon, MaxLines: *maxLines}
	failed := 0
	for _, g := range tests {
		g.Options = opts
		diff, err := g.Check(*update)
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(env.stdout, "FAIL %s: %v\n", g.Name, err)
		case diff != "":
			failed++
			fmt.Fprintf(env.stdout, "FAIL %s:\n%s", g.Name, diff)
		case *update:
			fmt.Fprintf(env.stdout, "updated %s\n", g.Golden)
		case *verbose:
			fmt.Fprintf(env.stdout, "ok   %s\n", g.Name)
		}
	}
	fmt.Fprintf(env.stdout, "%d passed, %d failed\n", len(tests)-failed, failed)
	if failed > 0 {
		return exitFailure
	}
	return exitOK
}
