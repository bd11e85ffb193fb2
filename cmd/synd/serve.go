package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib"
)

const serveUsage = `usage: synd serve [-c DIR]... [-p [HOST:]PORT]... [-s PATH]... [--control] [--no-banner]

Runs a service system, as syndicate-server does: boots $config and $log with
the standard library (dependency tracking, milestone and daemon classes,
timers and processes), loads the *.pr files under each DIR (sorted,
recursive, hidden files skipped) through a <config-watcher DIR {}> service
— a file that changes is reloaded, one that no longer compiles is reported
while its old version keeps running, a removed file's services stop —
prints $log, and runs until SIGINT or SIGTERM. Then every facet is stopped, so daemons are terminated (SIGTERM,
then SIGKILL after a grace period) and nothing is left running.

With -p and -s, the node listens for Syndicate peers (see docs/networking.md):
each connection is offered $gatekeeper, as syndicate-server's --port and
--socket do.

It also listens on a control socket (see --control-socket) through which
synd status, why, logs, graph and repl --attach look into it; it logs each
service's lifecycle (--log-format, --log-level), and with -t it writes every
turn to a trace file (see docs/operating.md).

User settings (see synd settings) are asserted as <user-setting VALUE>.

The Go collector runs at GOGC=50 (a smaller heap for a long-lived, mostly
idle supervisor) unless the GOGC environment variable says otherwise.

With --control, scripts get $control, which accepts the message
<exit CODE>: a shutdown with that exit status.

Flags:
`

// serveGCPercent is synd serve's GOGC unless the environment sets one.
const serveGCPercent = 50

func runServe(env *cmdEnv, args []string) int {
	fs := newFlags(env, "serve", serveUsage)
	stdlibDir := fs.String("stdlib", "", "a directory of service classes replacing or adding to the built-in ones")
	var dirs dirList
	fs.Var(&dirs, "c", "a config directory to load (repeatable; the same as --config)")
	fs.Var(&dirs, "config", "a config directory to load (repeatable; the same as -c)")
	noBanner := fs.Bool("no-banner", false, "do not print the banner on standard error at start-up")
	control := fs.Bool("control", false, "give scripts $control, accepting <exit CODE>")
	trace := fs.Bool("trace", false, "also print the assertions and messages of $config")
	settings := fs.String("settings", "", "the user settings directory (default: synd/settings under the user's config directory)")
	var lf listenFlags
	fs.Var(&lf.ports, "p", "listen for Syndicate peers on a TCP PORT (all interfaces) or HOST:PORT; WebSocket too (repeatable)")
	fs.Var(&lf.sockets, "s", "listen for Syndicate peers on a unix socket PATH (repeatable)")
	fs.IntVar(&lf.limits.MaxPacket, "max-packet", 0, "the largest packet a peer may send, in bytes (default 16 MB)")
	fs.BoolVar(&lf.inferior, "inferior", false, "offer $config to a parent over stdin/stdout (as a daemon speaking application/syndicate); $log goes to stderr")
	opsFl := addOpsFlags(fs)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if (len(dirs) == 0 && len(lf.ports) == 0 && len(lf.sockets) == 0 && !lf.inferior) || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if err := checkConfigDirs(dirs); err != nil {
		fmt.Fprintf(env.stderr, "synd serve: %v\n", err)
		return 1
	}
	if os.Getenv("GOGC") == "" {
		// A supervisor runs for months and is mostly idle: a smaller heap
		// (collected at 50 % growth, not 100 %) costs little CPU and keeps
		// RSS down — 1,000 daemons settle near 37 MB instead of 38–44.
		debug.SetGCPercent(serveGCPercent)
	}
	out := env.stdout
	if lf.inferior {
		out, *noBanner = env.stderr, true // stdout carries the protocol
	}
	if !*noBanner {
		fmt.Fprintf(env.stderr, "synd %s serving %s\n", versionString(), strings.Join(dirs, ", "))
	}
	hopts := host.Options{Out: out, Trace: *trace, Watch: true, Stdlib: *stdlibDir, Relay: lf.limits}
	ops, err := opsFl.setUp(out, &hopts)
	if err != nil {
		fmt.Fprintf(env.stderr, "synd serve: %v\n", err)
		if errors.As(err, new(usageError)) {
			return exitUsage
		}
		return exitFailure
	}
	defer func() {
		if err := ops.stop(); err != nil {
			fmt.Fprintf(env.stderr, "synd serve: trace file: %v\n", err)
		}
	}()
	h := host.New(hopts)
	ops.start(h)
	// serve holds the system until told to stop; stopping stops every actor
	// (so daemons are terminated) and lets the system end once the last
	// process has exited.
	h.Sys.Hold()
	stop := sync.OnceFunc(func() {
		h.Sys.Shutdown()
		h.Sys.Release()
	})
	exitCode := 0
	if *control {
		h.Sys.Post(h.Root, func(t *eval.Turn) {
			ctl := t.NewRef("control", &eval.Handler{OnMessage: func(t *eval.Turn, v lang.Value) error {
				r, ok := lang.Unwrap(v).(*lang.Record)
				if !ok || !lang.Equal(r.Label, lang.Symbol("exit")) || len(r.Fields) != 1 {
					return fmt.Errorf("$control accepts <exit CODE>, not %s", lang.Format(v))
				}
				code, ok := lang.Unwrap(r.Fields[0]).(lang.Int)
				if !ok {
					return fmt.Errorf("<exit CODE> needs an integer code, not %s", lang.Format(r.Fields[0]))
				}
				exitCode = int(code)
				stop()
				return nil
			}})
			h.SetEnv(h.Env().With("control", ctl.Value()))
		})
		h.Sys.RunPending()
	}
	if *settings == "" {
		if d, err := stdlib.DefaultSettingsDir(); err == nil {
			*settings = d
		}
	}
	if *settings != "" {
		h.UseSettings(*settings)
	}
	for _, d := range dirs {
		h.WatchConfig(d)
	}
	if err := lf.start(h, env, stop); err != nil {
		fmt.Fprintf(env.stderr, "synd serve: %v\n", err)
		return 2
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		<-sigs
		stop()
		<-sigs // a second signal: do not wait for an orderly stop
		h.KillProcesses()
		os.Exit(130)
	}()
	if err := h.Run(context.Background()); err != nil {
		fmt.Fprintf(env.stderr, "synd serve: %v\n", err)
		return 1
	}
	return exitCode
}

// checkConfigDirs reports the first of dirs that is not a readable
// directory: serving nothing because of a typo in a path is an error.
func checkConfigDirs(dirs []string) error {
	for _, d := range dirs {
		info, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("config directory %s: %w", d, err)
		}
		if !info.IsDir() {
			return fmt.Errorf("config directory %s: not a directory", d)
		}
	}
	return nil
}
