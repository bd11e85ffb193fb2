// Command synd runs, checks and tests service scripts of the Syndicate/Synit
// configuration language, and converts Preserves data.
//
// Usage:
//
//	synd <command> [arguments]
//
// Run `synd help` for the list of commands and `synd <command> -h` for one.
// Exit status: 0 success, 1 a runtime failure, 2 a usage error.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// command is one subcommand of synd.
type command struct {
	name    string
	summary string
	// run executes the command; it parses its own flags (with the flag
	// package, see newFlags and parseFlags) and returns the process exit
	// code: 0 success, 1 a runtime failure, 2 a usage error. Given -h it
	// prints its help to env.stdout and returns 0.
	run func(env *cmdEnv, args []string) int
}

// cmdEnv is what a command may touch of the process: its standard streams.
// Tests substitute buffers.
type cmdEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// commands is the subcommand table. Each entry's run parses its own flags;
// a new subcommand is one line here.
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
		{"graph", "draw the service dependency graph", runGraph},
		{"trace", "summarise a trace file written by serve -t", runTrace},
		{"status", "show the services of a running synd serve", runStatus},
		{"why", "explain why a service of a running synd serve is not up", runWhy},
		{"logs", "print or follow the log lines of a running synd serve", runLogs},
		{"version", "print synd's version and VCS revision", runVersion},
		{"fmt", "format .pr files in the one synd style", runFmt},
		{"connect", "resolve a route to another node's object and run scripts or the REPL against it", runConnect},
		{"lsp", "run the language server for editors, on stdin/stdout", runLSP},
		{"sturdy", "mint, attenuate and check sturdy refs (capabilities)", runSturdy},
	}
}

func main() {
	env := &cmdEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	os.Exit(dispatch(env, os.Args[1:]))
}

// Exit codes shared by every command.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError is an error of the command line itself (exit status 2).
type usageError struct{ error }

// dispatch runs the command line args (without the program name) and returns
// the exit status.
func dispatch(env *cmdEnv, args []string) int {
	code := exitOK
	root := newRoot(env, &code)
	root.SetArgs(normalizeArgs(args))
	if err := root.Execute(); err != nil {
		fmt.Fprintf(env.stderr, "synd: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) || isCobraUsageError(err) {
			fmt.Fprintln(env.stderr, "Run 'synd help' for the list of commands.")
			return exitUsage
		}
		return exitFailure
	}
	return code
}

// isCobraUsageError tells the errors cobra reports about the command line
// (an unknown command or flag, wrong arguments) from others.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires at most", "bad flag syntax"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// normalizeArgs lets the Go flag package's one-dash spellings of synd's own
// flags (-help, -version) work before the command name, as they do after
// it; arguments from the command name on are left alone.
func normalizeArgs(args []string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		switch a {
		case "-help":
			out[i] = "--help"
		case "-version":
			out[i] = "--version"
		case "help":
		default:
			if !strings.HasPrefix(a, "-") {
				return out
			}
		}
	}
	return out
}

// newRoot builds the command tree. Each subcommand hands its arguments,
// flags included, to its runner; the runner's exit status goes to *code.
func newRoot(env *cmdEnv, code *int) *cobra.Command {
	root := &cobra.Command{
		Use:   "synd",
		Short: "the service scripting language of Syndicate/Synit",
		Long: `synd runs, checks and tests service scripts of the Syndicate/Synit
configuration language, serves config trees as syndicate-server does, and
converts Preserves data.`,
		Version:           versionString(),
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false},
		Args:              cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			// synd with no command: the list of commands, as a usage error.
			c.SetOut(env.stderr)
			_ = c.Usage()
			*code = exitUsage
			return nil
		},
	}
	root.SetIn(env.stdin)
	root.SetOut(env.stdout)
	root.SetErr(env.stderr)
	root.SetVersionTemplate("synd {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	for _, sc := range commands() {
		run := sc.run
		c := &cobra.Command{
			Use:                sc.name,
			Short:              sc.summary,
			DisableFlagParsing: true, // the runner parses its own flags
			SilenceErrors:      true,
			SilenceUsage:       true,
			RunE: func(c *cobra.Command, args []string) error {
				*code = run(env, args)
				return nil
			},
		}
		// Help for the command (synd help NAME) is the runner's own -h.
		c.SetHelpFunc(func(c *cobra.Command, _ []string) {
			*code = run(env, []string{"-h"})
		})
		root.AddCommand(c)
	}
	root.SetHelpCommand(newHelpCommand(env, code))
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		// synd completion without a known shell is a usage error.
		c.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("completion needs a shell: bash, zsh, fish or powershell")}
			}
			return usageError{fmt.Errorf("completion: unknown shell %q (bash, zsh, fish or powershell)", args[0])}
		}
	}
	return root
}

// newHelpCommand is `synd help [COMMAND]`: help for synd or for one
// command, on standard output. An unknown command is a usage error.
func newHelpCommand(env *cmdEnv, code *int) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "help about any command",
		Long: `Help prints the list of commands, or the help of the named command
(the same as 'synd COMMAND -h').`,
		ValidArgsFunction: func(c *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var names []cobra.Completion
			for _, sc := range c.Root().Commands() {
				if sc.IsAvailableCommand() {
					names = append(names, sc.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Root().Help()
			}
			target, rest, err := c.Root().Find(args)
			// Words after a command's name (synd help help help) ask for
			// the same help.
			_ = rest
			if err != nil || target == c.Root() {
				return usageError{fmt.Errorf("no help for %q: there is no such command", strings.Join(args, " "))}
			}
			*code = exitOK
			return target.Help()
		},
	}
}
