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
	sig.Release()
	if code := sig.Status(); code >= 0 {
		return code
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "synd run: %v\n", err)
		return 1
	}
	if h.Errors() > 0 {
		return 1
	}
	return 0
}

const testUsage = `usage: synd test [-update] [-v] [DIR|FILE...]

Runs golden-file script tests (default: testdata). A test is NAME.pr with its
expected trace in NAME.golden, or a directory NAME of *.pr files run together
with NAME.golden beside it. Each runs on a virtual clock until quiescent and
its trace (as synd run --trace prints it) is compared with the golden file.

Flags:
`

func runTest(env *cmdEnv, args []string) int {
	fs := newFlags(env, "test", testUsage)
	update := fs.Bool("update", false, "rewrite the golden files with the traces seen")
	verbose := fs.Bool("v", false, "name every test, not only failures")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"testdata"}
	}
	tests, err := host.FindGolden(paths...)
	if err != nil {
		fmt.Fprintf(env.stderr, "synd test: %v\n", err)
		return 1
	}
	failed := 0
	for _, g := range tests {
		diff, err := g.Check(*update)
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(env.stdout, "FAIL %s: %v\n", g.Name, err)
		case diff != "":
			failed++
			fmt.Fprintf(env.stdout, "FAIL %s (- want, + got):\n%s", g.Name, diff)
		case *update:
			fmt.Fprintf(env.stdout, "updated %s\n", g.Golden)
		case *verbose:
			fmt.Fprintf(env.stdout, "ok   %s\n", g.Name)
		}
	}
	fmt.Fprintf(env.stdout, "%d passed, %d failed\n", len(tests)-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}
