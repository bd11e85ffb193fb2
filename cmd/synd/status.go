package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/chzyer/readline"

	"github.com/synd-lang/synd/internal/control"
	"github.com/synd-lang/synd/internal/graph"
	"github.com/synd-lang/synd/internal/status"
	"github.com/synd-lang/synd/lang"
)

const statusUsage = `usage: synd status [--json] [--all] [--socket PATH] [NAME-PATTERN]

Shows the services of a running synd serve, reached through its control
socket: one line each with its state (started, ready, failed, complete, or a
state of its own), the pids of its processes, how often it restarted, since
when it is in its state and the status of its last exit, as systemctl
list-units does. NAME-PATTERN keeps the services whose name contains it.

When NAME-PATTERN names one service (its whole name, such as '<daemon web>',
or a part only it has, such as web), shows that service in detail as
systemctl status does: states, dependencies and whether each is met, and the
last lines its processes printed.

Services the standard library runs for its own bookkeeping (a daemon's
per-process services) are left out unless --all is given. Colour is used on
a terminal unless NO_COLOR is set.

Flags:
`

// socketFlag adds --socket, the control socket to reach.
func socketFlag(fs interface {
	StringVar(*string, string, string, string)
}) *string {
	var path string
	fs.StringVar(&path, "socket", control.DefaultSocket(), "the control socket of the synd serve to reach (see serve --control-socket)")
	return &path
}

func runStatus(env *cmdEnv, args []string) int {
	fs := newFlags(env, "status", statusUsage)
	socket := socketFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	all := fs.Bool("all", false, "include the standard library's own bookkeeping services")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return exitUsage
	}
	m, code := fetchStatus(env, "status", *socket)
	if m == nil {
		return code
	}
	pattern := fs.Arg(0)
	if pattern != "" {
		if s, err := m.Find(pattern); err == nil {
			if *asJSON {
				return writeJSON(env, serviceJSON(m, s))
			}
			status.WriteDetail(env.stdout, m, s, colourOn(env))
			return exitOK
		}
	}
	var list []*status.Service
	for _, s := range m.Match(pattern) {
		if *all || !status.Internal(s.Name) {
			list = append(list, s)
		}
	}
	if *asJSON {
		out := make([]any, 0, len(list))
		for _, s := range list {
			out = append(out, serviceJSON(m, s))
		}
		return writeJSON(env, out)
	}
	if len(list) == 0 && pattern != "" {
		fmt.Fprintf(env.stderr, "synd status: no service matches %q\n", pattern)
		return exitFailure
	}
	status.WriteList(env.stdout, list, colourOn(env), terminalWidth(env))
	return exitOK
}

// fetchStatus asks the server for its status; on failure it reports and
// returns a nil model with the exit code.
func fetchStatus(env *cmdEnv, cmd, socket string) (*status.Model, int) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	snap, err := control.Status(ctx, socket)
	if err != nil {
		fmt.Fprintf(env.stderr, "synd %s: %v\n", cmd, err)
		return nil, exitFailure
	}
	m, err := status.Load(snap)
	if err != nil {
		fmt.Fprintf(env.stderr, "synd %s: %v\n", cmd, err)
		return nil, exitFailure
	}
	return m, exitOK
}

func writeJSON(env *cmdEnv, v any) int {
	enc := json.NewEncoder(env.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(env.stderr, "synd: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// serviceJSON is a service as JSON: names and values as Preserves text.
func serviceJSON(m *status.Model, s *status.Service) map[string]any {
	deps := []map[string]any{}
	for _, d := range s.Deps {
		deps = append(deps, map[string]any{"on": status.Key(d.On), "state": d.State, "met": m.Met(d)})
	}
	out := map[string]any{
		"name":     status.Key(s.Name),
		"state":    s.State(),
		"states":   append([]string{}, s.States...),
		"required": s.Required,
		"running":  s.Running,
		"pids":     append([]int{}, s.PIDs...),
		"restarts": s.Restarts,
		"exits":    s.Exits,
		"since":    s.Since.UTC().Format(time.RFC3339Nano),
		"deps":     deps,
		"log":      append([]string{}, s.Log...),
	}
	if s.LastExit != nil {
		out["last_exit"] = lang.Format(s.LastExit)
	}
	return out
}

// colourOn reports whether output goes to a terminal that wants colour.
func colourOn(env *cmdEnv) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	f, ok := env.stdout.(*os.File)
	return ok && readline.IsTerminal(int(f.Fd()))
}

// terminalWidth is the width of the terminal output goes to, 0 if none.
func terminalWidth(env *cmdEnv) int {
	f, ok := env.stdout.(*os.File)
	if !ok || !readline.IsTerminal(int(f.Fd())) {
		return 0
	}
	if w, _, err := readline.GetSize(int(f.Fd())); err == nil {
		return w
	}
	return 0
}

const whyUsage = `usage: synd why [--socket PATH] NAME

Explains why a service of a running synd serve is not up: walks from it
along its dependencies (require-service → depends-on → service-state) to the
first one not met, and says what is wrong there (not required, failed with
its exit status and last output line, ...), one step a line.

Flags:
`

func runWhy(env *cmdEnv, args []string) int {
	fs := newFlags(env, "why", whyUsage)
	socket := socketFlag(fs)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	m, code := fetchStatus(env, "why", *socket)
	if m == nil {
		return code
	}
	s, err := m.Find(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(env.stderr, "synd why: %v\n", err)
		return exitFailure
	}
	for _, line := range m.Why(s) {
		fmt.Fprintln(env.stdout, line)
	}
	return exitOK
}

const logsUsage = `usage: synd logs [-f] [-n N] [--socket PATH] [NAME]

Prints the last lines logged by the services of a running synd serve (by
NAME's service only, if given: its whole name or a part only it has), as
journalctl -u does. With -f, then follows new lines as they come, until
interrupted.

Flags:
`

func runLogs(env *cmdEnv, args []string) int {
	fs := newFlags(env, "logs", logsUsage)
	socket := socketFlag(fs)
	follow := fs.Bool("f", false, "follow new lines")
	lines := fs.Int("n", status.LogLines, "how many of the latest lines of each service to print first")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return exitUsage
	}
	name := fs.Arg(0)
	var only lang.Value
	backlog := func(snap lang.Value) error {
		m, err := status.Load(snap)
		if err != nil {
			return err
		}
		list := m.Services()
		if name != "" {
			s, err := m.Find(name)
			if err != nil {
				return err
			}
			only, list = s.Name, []*status.Service{s}
		}
		for _, s := range list {
			from := max(0, len(s.Log)-*lines)
			for _, l := range s.Log[from:] {
				fmt.Fprintf(env.stdout, "%s %s\n", status.Key(s.Name), l)
			}
		}
		return nil
	}
	if !*follow {
		m, code := fetchStatus(env, "logs", *socket)
		if m == nil {
			return code
		}
		if err := backlog(m.Snapshot()); err != nil {
			fmt.Fprintf(env.stderr, "synd logs: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	ctx, stop := signalContext()
	defer stop()
	var failed error
	err := control.Follow(ctx, *socket, func(snap lang.Value) {
		failed = backlog(snap)
		if failed != nil {
			stop()
		}
	}, func(ts, details lang.Value) {
		d, ok := lang.Unwrap(details).(*lang.Dictionary)
		if !ok {
			return
		}
		svc, ok := d.Get(lang.Symbol("service"))
		if !ok || only != nil && !lang.Equal(lang.Strip(svc), only) {
			return
		}
		line, _ := d.Get(lang.Symbol("line"))
		fmt.Fprintf(env.stdout, "%s %s\n", status.Key(svc), strings.TrimRight(lang.Text(line), "\n"))
	})
	if failed != nil {
		err = failed
	}
	if err != nil && ctx.Err() == nil {
		fmt.Fprintf(env.stderr, "synd logs: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// liveGraph draws the running system's graph, nodes coloured by state.
func liveGraph(env *cmdEnv, socket, format, out, title string, all bool) int {
	m, code := fetchStatus(env, "graph", socket)
	if m == nil {
		return code
	}
	if !all {
		m = m.Without(status.Internal)
	}
	if title == "" {
		title = "services of synd serve at " + socket
	}
	return writeGraph(env, m, graph.Options{Title: title}, format, out)
}

// signalContext is a context cancelled by SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
