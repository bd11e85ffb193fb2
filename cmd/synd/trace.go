package main

import (
	"fmt"
	"os"

	"github.com/synd-lang/synd/internal/tracefile"
)

const traceUsage = `usage: synd trace [--service NAME] [--top N] FILE

Summarises a trace file written by synd serve -t FILE (with its rotated
predecessors FILE.1, FILE.2, ... read first): the number of turns, the
actions by kind (assert, retract, message, sync, facet-start, facet-stop),
the busiest actors and the most asserted labels.

With --service NAME, prints instead every assertion (+), retraction (-) and
message (!) whose text mentions NAME, such as '<daemon web>', with its time.

Flags:
`

func runTrace(env *cmdEnv, args []string) int {
	fs := newFlags(env, "trace", traceUsage)
	service := fs.String("service", "", "show the events that mention this service")
	top := fs.Int("top", 10, "how many actors and labels the summary lists")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	path := fs.Arg(0)
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(env.stderr, "synd trace: %v\n", err)
		return exitFailure
	}
	files := tracefile.Files(path)
	if *service != "" {
		if err := tracefile.Service(files, *service, env.stdout); err != nil {
			fmt.Fprintf(env.stderr, "synd trace: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	s, err := tracefile.Summarise(files)
	if err != nil {
		fmt.Fprintf(env.stderr, "synd trace: %v\n", err)
		return exitFailure
	}
	s.Write(env.stdout, *top)
	return exitOK
}
