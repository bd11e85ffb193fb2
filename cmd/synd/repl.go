package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/chzyer/readline"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/control"
	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/internal/status"
	"github.com/synd-lang/synd/repl"
)

const replUsage = `usage: synd repl [-c DIR]...
       synd repl --attach [SOCKET]

An interactive session in a live system: type script instructions (they run
against $config, or the :target), watch ? and ?? observers report matches
as they happen, and inspect the system with :commands (:help lists them).
An open bracket or string continues on the next line; Ctrl-C cancels the
input, Ctrl-D or :quit leaves. History is kept under the user's config directory.

With -c DIR, the *.pr files under DIR run as synd serve runs a config tree
(a config-watcher follows their changes): a system of the REPL's own, beside
any synd serve. With --attach, the REPL works in a running synd serve
instead, through its control socket (SOCKET, or serve's default): ? shows
that system's live assertions, what you assert there starts its services,
and all of it is retracted when the REPL leaves. :services and :why NAME
answer as synd status and synd why do.

When standard input is not a terminal, instructions are read line by line
with no prompts.

However the session ends (Ctrl-D, :quit, the end of piped input, SIGINT or
SIGTERM), every facet is stopped as synd serve stops, so every process it
started is terminated and waited for; a signal makes the exit status 130
(SIGINT) or 143 (SIGTERM), a second signal kills the processes at once.

Flags:
`

// dirList collects repeated -c flags.
type dirList []string

func (d *dirList) String() string     { return fmt.Sprint(*d) }
func (d *dirList) Set(s string) error { *d = append(*d, s); return nil }

func runREPL(env *cmdEnv, args []string) int {
	fs := newFlags(env, "repl", replUsage)
	stdlibDir := fs.String("stdlib", "", "a directory of service classes replacing or adding to the built-in ones")
	var dirs dirList
	fs.Var(&dirs, "c", "a config directory to load (repeatable; the same as --config)")
	fs.Var(&dirs, "config", "a config directory to load (repeatable; the same as -c)")
	attach := fs.Bool("attach", false, "work in a running synd serve, through its control socket (the argument, or the default socket)")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if *attach {
		if fs.NArg() > 1 || len(dirs) > 0 {
			fmt.Fprintln(env.stderr, "synd repl: --attach takes at most one socket and no -c")
			return 2
		}
		socket := control.DefaultSocket()
		if fs.NArg() == 1 {
			socket = fs.Arg(0)
		}
		return attachREPL(env, socket)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if err := checkConfigDirs(dirs); err != nil {
		fmt.Fprintf(env.stderr, "synd repl: %v\n", err)
		return 1
	}
	terminal := false
	if f, ok := env.stdin.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
		terminal = true
	}
	model := status.New(nil)
	h := host.New(host.Options{Out: env.stdout, Watch: true, Stdlib: *stdlibDir, DaemonEvents: model})
	answerStatus(h, model)
	if terminal {
		fmt.Fprintln(env.stdout, "synd repl: a system of its own, booted here (synd repl --attach works in a running synd serve instead); :help lists the commands.")
	}
	for _, d := range dirs {
		h.WatchConfig(d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := stopOnSignals(h, cancel)
	err := repl.Run(ctx, repl.Options{
		Host:        h,
		In:          env.stdin,
		Out:         env.stdout,
		Terminal:    terminal,
		HistoryFile: repl.HistoryFile(),
	})
	return sig.Exit(env.stderr, "repl", err)
}

// attachREPL runs the REPL in a running server's $config: what is typed is
// asserted there, observers see its live assertions, and all of it is
// retracted by the server when the session ends.
func attachREPL(env *cmdEnv, socket string) int {
	sys := eval.NewSystem(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sess, err := control.Attach(ctx, sys, socket)
	if err != nil {
		fmt.Fprintf(env.stderr, "synd repl: %v\n", err)
		return 1
	}
	h := host.Attach(sys, sess.Config, sess.Log, env.stdout)
	terminal := false
	if f, ok := env.stdin.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
		terminal = true
	}
	if terminal {
		fmt.Fprintf(env.stdout, "synd repl attached to the server at %s: $config and $log are the server's; what you assert is retracted when you leave.\n", socket)
	}
	sig := stopOnSignals(h, cancel)
	var serverGone atomic.Bool
	go func() {
		select {
		case <-sess.Done:
			serverGone.Store(true)
			cancel()
		case <-ctx.Done():
		}
	}()
	err = repl.Run(ctx, repl.Options{Host: h, In: env.stdin, Out: env.stdout, Terminal: terminal, HistoryFile: repl.HistoryFile()})
	sig.Release()
	if code := sig.Status(); code >= 0 {
		return code
	}
	if errors.Is(err, context.Canceled) && serverGone.Load() {
		fmt.Fprintln(env.stderr, "synd repl: the server closed the connection")
		return 1
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(env.stderr, "synd repl: %v\n", err)
		return 1
	}
	return 0
}
