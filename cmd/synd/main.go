// Command synd runs, checks and tests service scripts of the Syndicate/Synit
// configuration language, and converts Preserves data.
//
// Usage:
//
//	synd <command> [arguments]
//
// Run `synd help` for the list of commands and `synd <command> -h` for one.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand of synd.
type command struct {
	name    string
	summary string
	// run executes the command; it returns the process exit code.
	run func(env *cmdEnv, args []string) int
}

// cmdEnv is what a command may touch of the process: its standard streams.
// Tests substitute buffers.
type cmdEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// commands is the subcommand table. Each entry's run parses its own flags.
func commands() []command {
	return []command{
		{"run", "run script files", runRun},
		{"check", "parse and compile script files without running them", runCheck},
		{"test", "run golden-file script tests", runTest},
		{"repl", "explore a live system interactively", runREPL},
		{"serve", "run a service system from config directories, as syndicate-server", runServe},
		{"settings", "set, unset and list user settings", runSettings},
		{"stdlib", "list or print the built-in service classes", runStdlib},
		{"preserves", "convert Preserves data between text and binary forms", runPreserves},
		{"schema", "check Preserves schemas and validate values against them", runSchema},
	}
}

func main() {
	env := &cmdEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	os.Exit(dispatch(env, os.Args[1:]))
}

// dispatch runs the subcommand named by args[0].
func dispatch(env *cmdEnv, args []string) int {
	if len(args) == 0 {
		usage(env.stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return dispatch(env, []string{args[1], "-h"})
		}
		usage(env.stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(env, args[1:])
		}
	}
	fmt.Fprintf(env.stderr, "synd: unknown command %q\n", args[0])
	usage(env.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "synd: the service scripting language of Syndicate/Synit")
	fmt.Fprintln(w, "\nUsage:\n\n\tsynd <command> [arguments]\n\nCommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	width := 0
	for _, c := range cs {
		width = max(width, len(c.name))
	}
	for _, c := range cs {
		fmt.Fprintf(w, "\t%s%s  %s\n", c.name, strings.Repeat(" ", width-len(c.name)), c.summary)
	}
	fmt.Fprintln(w, "\nRun 'synd <command> -h' for the flags of one command.")
}
