// Package repl is the interactive loop of synd: script instructions typed at
// a prompt run in a long-lived facet against $config (or another target),
// observers keep running and report their matches as they happen, and
// commands inspect the live system.
//
// On a terminal it uses readline (history, completion, asynchronous output
// that does not garble the line being typed); otherwise it reads
// instructions line by line with no prompts, so it can be scripted.
package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chzyer/readline"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/internal/status"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// Options configure a REPL.
type Options struct {
	// Host is the booted system to work in.
	Host *host.Host
	// In and Out are used when Terminal is false.
	In  io.Reader
	Out io.Writer
	// Terminal selects readline: prompts, history and completion.
	Terminal bool
	// HistoryFile keeps readline history ("" for none).
	HistoryFile string
}

// REPL is one interactive session.
type REPL struct {
	h   *host.Host
	out io.Writer

	// Owned by the system goroutine.
	root    *eval.Facet
	started map[int]*eval.Facet
	trace   func() // stops :trace, if on

	// Shared with the reading goroutine (completion, prompts).
	mu     sync.Mutex
	env    eval.Env
	target string
	inputs int
	rl     *readline.Instance // the terminal's line editor, if any

	leaving atomic.Bool // the session has ended; the system is shutting down
}

// commands lists the REPL commands for :help and completion.
var commands = []struct{ name, args, help string }{
	{":help", "", "this list"},
	{":assertions", "[PATTERN]", "what is asserted at the target, or the matches of PATTERN with their bindings"},
	{":facets", "", "the facets started at the prompt, with what each asserts"},
	{":trace", "on|off", "show assertions appearing (+), disappearing (-) and messages (!) at the target"},
	{":load", "FILE", "run a script file in an actor of its own"},
	{":services", "[PATTERN]", "the services and their states, as synd status shows them"},
	{":why", "NAME", "why a service is not up: its dependencies to the first one not met"},
	{":target", "$VAR", "send instructions typed from now on to the reference in $VAR"},
	{":stop", "N", "stop facet N, started at the prompt"},
	{":env", "", "the variables bound at the prompt"},
	{":quit", "", "leave (Ctrl-D does too)"},
}

// New makes a REPL in the host's system, with a facet of its own.
func New(h *host.Host, out io.Writer) *REPL {
	r := &REPL{h: h, out: out, started: map[int]*eval.Facet{}, env: h.Env(), target: "config"}
	h.Sys.Spawn("repl", func(t *eval.Turn) {
		r.root = t.Facet()
		r.root.Label = "repl"
		r.root.PreventInert()
	})
	h.Sys.RunPending()
	return r
}

// Run reads and runs input until it ends (Ctrl-D, end of a pipe), :quit, or
// ctx is done (a signal). The system runs on its own goroutine meanwhile.
// However the session ends, the system is then shut down as synd serve
// shuts down: every facet stops, so every process it started is terminated
// (SIGTERM, then SIGKILL after a grace period) and waited for before Run
// returns. When ctx ends the session, Run returns ctx's error.
func Run(ctx context.Context, opts Options) error {
	r := New(opts.Host, opts.Out)
	sys := opts.Host.Sys
	sys.Hold() // the REPL may post at any time
	done := make(chan error, 1)
	go func() { done <- sys.Run(context.Background()) }()
	input := make(chan error, 1)
	go func() {
		if opts.Terminal {
			input <- r.terminal(opts)
		} else {
			input <- r.lines(opts.In)
		}
	}()
	var err error
	select {
	case err = <-input:
	case <-ctx.Done():
		r.closeInput() // gives the terminal back; a pipe's reader is abandoned
		err = ctx.Err()
	}
	r.leaving.Store(true)
	sys.Shutdown()
	sys.Release()
	if runErr := <-done; err == nil {
		err = runErr
	}
	return err
}

// closeInput ends a terminal session's readline from another goroutine.
func (r *REPL) closeInput() {
	r.mu.Lock()
	rl := r.rl
	r.mu.Unlock()
	if rl != nil {
		_ = rl.Close()
	}
}

// lines reads instructions from a pipe or file: no prompts, no escapes.
func (r *REPL) lines(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var pending strings.Builder
	for sc.Scan() {
		line := sc.Text()
		if pending.Len() == 0 && strings.HasPrefix(strings.TrimSpace(line), ":") {
			if quit := r.Command(strings.TrimSpace(line)); quit {
				return nil
			}
			continue
		}
		pending.WriteString(line)
		pending.WriteByte('\n')
		if r.Incomplete(pending.String()) {
			continue
		}
		r.Eval(pending.String())
		pending.Reset()
	}
	if pending.Len() > 0 {
		r.Eval(pending.String()) // reports the unfinished input
	}
	return sc.Err()
}

// terminal runs the readline loop.
func (r *REPL) terminal(opts Options) error {
	rl, err := readline.NewEx(&readline.Config{
		Prompt:          "synd> ",
		HistoryFile:     opts.HistoryFile,
		AutoComplete:    completer{r},
		InterruptPrompt: "^C",
		EOFPrompt:       "",
	})
	if err != nil {
		return err
	}
	defer rl.Close()
	r.mu.Lock()
	r.rl = rl
	r.mu.Unlock()
	r.setOut(rl.Stdout())
	fmt.Fprintln(r.out, "synd REPL: type instructions, or :help")
	var pending strings.Builder
	for {
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			pending.Reset() // Ctrl-C cancels the current input
			rl.SetPrompt("synd> ")
			continue
		case errors.Is(err, io.EOF):
			return nil // Ctrl-D
		case err != nil:
			return err
		}
		if pending.Len() == 0 && strings.HasPrefix(strings.TrimSpace(line), ":") {
			if r.Command(strings.TrimSpace(line)) {
				return nil
			}
			continue
		}
		pending.WriteString(line)
		pending.WriteByte('\n')
		if r.Incomplete(pending.String()) {
			rl.SetPrompt("  ... ")
			continue
		}
		rl.SetPrompt("synd> ")
		r.Eval(pending.String())
		pending.Reset()
	}
}

// setOut redirects the REPL's and the host's output.
func (r *REPL) setOut(w io.Writer) {
	r.out = w
	r.h.SetOutput(w)
}

// Incomplete reports whether text stops in the middle of a value (an open
// bracket or string): the reader says "input ended early".
func (r *REPL) Incomplete(text string) bool {
	_, err := parser.ParseAll("input", []byte(text), parser.Options{})
	return lang.KindOf(err) == lang.InputEndedEarly
}

// do runs fn in a turn of the REPL facet and waits until everything it set
// off has been handled.
func (r *REPL) do(fn func(t *eval.Turn)) {
	done := make(chan struct{})
	r.h.Sys.Post(r.root, fn)
	r.h.Sys.WhenIdle(func() { close(done) })
	<-done
}

func (r *REPL) printf(format string, args ...any) {
	if r.leaving.Load() {
		return // the session is over: its observers' last retractions are noise
	}
	fmt.Fprintf(r.out, format, args...)
}

// Eval compiles and runs one input. Lets bind for the rest of the session
// (and what they make, such as dataspaces, belongs to the REPL facet); the
// other instructions run in a new facet, numbered if it stays alive.
func (r *REPL) Eval(text string) {
	r.mu.Lock()
	r.inputs++
	n := r.inputs
	name := fmt.Sprintf("input-%d", n)
	target := r.target
	r.mu.Unlock()
	vals, err := parser.ParseAll(name, []byte(text), parser.Options{Positions: true, Annotations: true})
	if err != nil {
		r.printf("error: %v\n", err)
		return
	}
	if len(vals) == 0 {
		return
	}
	s, err := parser.CompileValuesTarget(name, vals, target)
	if err != nil {
		for _, e := range err.(parser.ErrorList) {
			r.printf("error: %v\n", e)
		}
		return
	}
	hooks := eval.Hooks{Match: func(in parser.Instr, env eval.Env, added bool) { r.notice(n, in, env, added) }}
	r.do(func(t *eval.Turn) {
		env := r.environment()
		f := t.NewFacet(func(t *eval.Turn) {
			t.Facet().Label = fmt.Sprintf("[%d] %s", n, strings.TrimSpace(firstLine(text)))
			for _, in := range s.Body {
				var err error
				if _, isLet := in.(*parser.Let); isLet {
					t.InFacet(r.root, func() { env, err = t.RunInstr(s, in, env, hooks) })
				} else {
					env, err = t.RunInstr(s, in, env, hooks)
				}
				if err != nil {
					t.Fail(err)
					return
				}
			}
		})
		r.setEnvironment(env)
		if f.Alive() {
			r.started[n] = f
			r.printf("[%d] running (:stop %d to stop it)\n", n, n)
		}
	})
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (r *REPL) environment() eval.Env {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.env
}

func (r *REPL) setEnvironment(env eval.Env) {
	r.mu.Lock()
	r.env = env
	r.mu.Unlock()
}

// notice prints a one-line report of a match of an observer typed at the
// prompt.
func (r *REPL) notice(n int, in parser.Instr, env eval.Env, added bool) {
	var names []string
	sign := "!"
	switch in := in.(type) {
	case *parser.During:
		names = in.Pattern.Names
		sign = "+"
		if !added {
			sign = "-"
		}
	case *parser.OnMessage:
		names = in.Pattern.Names
	}
	var parts []string
	for _, nm := range names {
		v, _ := env.Lookup(nm)
		parts = append(parts, nm+"="+lang.Format(v))
	}
	what := strings.Join(parts, " ")
	if what == "" {
		what = "(match)"
	}
	r.printf("[%d] %s %s\n", n, sign, what)
}

// Command runs a :command; it reports whether the REPL should end.
func (r *REPL) Command(line string) (quit bool) {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case ":help":
		for _, c := range commands {
			r.printf("  %-12s %-10s %s\n", c.name, c.args, c.help)
		}
		r.printf("  Anything else is script instructions; an open bracket or string continues on the next line.\n")
	case ":quit", ":q", ":exit":
		return true
	case ":env":
		env := r.environment()
		for _, nm := range env.Names() {
			v, _ := env.Lookup(nm)
			r.printf("$%s = %s\n", nm, lang.Format(v))
		}
	case ":target":
		r.cmdTarget(arg)
	case ":assertions":
		r.cmdAssertions(arg)
	case ":facets":
		r.do(func(t *eval.Turn) { r.printFacets(r.root, 0) })
	case ":stop":
		n, err := strconv.Atoi(strings.TrimPrefix(arg, "["))
		if err != nil {
			r.printf("error: :stop takes the number of a facet started at the prompt\n")
			return false
		}
		r.do(func(t *eval.Turn) {
			f, ok := r.started[n]
			if !ok || !f.Alive() {
				r.printf("error: no running facet [%d]\n", n)
				return
			}
			t.StopFacet(f)
			delete(r.started, n)
			r.printf("[%d] stopped\n", n)
		})
	case ":trace":
		r.cmdTrace(arg)
	case ":services":
		r.cmdServices(arg)
	case ":why":
		r.cmdWhy(arg)
	case ":load":
		if arg == "" {
			r.printf("error: :load takes a file name\n")
			return false
		}
		r.do(func(t *eval.Turn) { _ = r.h.RunFile(arg) })
		r.do(func(t *eval.Turn) {})
	default:
		r.printf("error: unknown command %s (try :help)\n", name)
	}
	return false
}

// targetRef finds the current target's reference (on the system goroutine).
func (r *REPL) targetRef() (*eval.Ref, string, error) {
	r.mu.Lock()
	name, env := r.target, r.env
	r.mu.Unlock()
	v, ok := env.Lookup(name)
	if !ok {
		return nil, name, fmt.Errorf("$%s is not bound", name)
	}
	if e, ok := lang.Unwrap(v).(lang.Embedded); ok {
		if ref, ok := e.Ref.(*eval.Ref); ok {
			return ref, name, nil
		}
	}
	return nil, name, fmt.Errorf("$%s is not a reference", name)
}

func (r *REPL) cmdTarget(arg string) {
	name := strings.TrimPrefix(arg, "$")
	if name == "" {
		r.mu.Lock()
		r.printf("target is $%s\n", r.target)
		r.mu.Unlock()
		return
	}
	r.mu.Lock()
	old := r.target
	r.target = name
	r.mu.Unlock()
	if _, _, err := r.targetRef(); err != nil {
		r.mu.Lock()
		r.target = old
		r.mu.Unlock()
		r.printf("error: %v\n", err)
		return
	}
	r.printf("target is now $%s\n", name)
}

func (r *REPL) cmdAssertions(arg string) {
	var pt *parser.PatternTemplate
	if arg != "" {
		v, err := parser.Parse("pattern", []byte(arg), parser.Options{Positions: true})
		if err == nil {
			pt, err = parser.CompilePattern("pattern", v)
		}
		if err != nil {
			r.printf("error: %v\n", err)
			return
		}
	}
	r.do(func(t *eval.Turn) {
		ref, name, err := r.targetRef()
		if err != nil {
			r.printf("error: %v\n", err)
			return
		}
		ds, ok := ref.Entity().(*eval.DataspaceEntity)
		if !ok {
			r.printf("error: $%s is not a dataspace\n", name)
			return
		}
		var pat dataspace.Pattern
		if pt != nil {
			if pat, err = eval.InstantiatePattern(pt, r.environment()); err != nil {
				r.printf("error: %v\n", err)
				return
			}
		}
		count := 0
		for _, v := range ds.DS.Assertions() {
			if pat == nil {
				r.printf("%s\n", lang.Format(v))
				count++
				continue
			}
			caps, ok := dataspace.Match(pat, v, nil)
			if !ok {
				continue
			}
			count++
			var parts []string
			for i, nm := range pt.Names {
				parts = append(parts, nm+"="+lang.Format(caps[i]))
			}
			if len(parts) == 0 {
				r.printf("%s\n", lang.Format(v))
			} else {
				r.printf("%s  %s\n", lang.Format(v), strings.Join(parts, " "))
			}
		}
		r.printf("(%d at $%s)\n", count, name)
	})
}

func (r *REPL) printFacets(f *eval.Facet, depth int) {
	indent := strings.Repeat("  ", depth)
	label := f.Label
	if label == "" {
		label = fmt.Sprintf("facet %d", f.ID())
	}
	r.printf("%s%s\n", indent, label)
	for _, a := range f.Outbound() {
		r.printf("%s  asserts %s at %s\n", indent, lang.Format(a.Value), lang.Format(a.Target.Value()))
	}
	for _, c := range f.Children() {
		r.printFacets(c, depth+1)
	}
}

func (r *REPL) cmdTrace(arg string) {
	switch arg {
	case "on":
		r.do(func(t *eval.Turn) {
			if r.trace != nil {
				r.printf("trace is already on\n")
				return
			}
			ref, name, err := r.targetRef()
			if err != nil {
				r.printf("error: %v\n", err)
				return
			}
			var tracer *eval.Ref
			var f *eval.Facet
			t.InFacet(r.root, func() {
				f = t.NewFacetHeld(func(t *eval.Turn) {
					t.Facet().Label = "trace of $" + name
					shown := map[eval.Handle]lang.Value{}
					tracer = t.NewRef("repl-trace", &eval.Handler{
						OnAssert: func(t *eval.Turn, v lang.Value, h eval.Handle) error {
							val := v.(lang.Sequence)[0]
							if isObserveBy(val, tracer) {
								return nil
							}
							shown[h] = val
							r.printf("+ %s\n", lang.Format(val))
							return nil
						},
						OnRetract: func(t *eval.Turn, h eval.Handle) error {
							if v, ok := shown[h]; ok {
								delete(shown, h)
								r.printf("- %s\n", lang.Format(v))
							}
							return nil
						},
						OnMessage: func(t *eval.Turn, v lang.Value) error {
							r.printf("! %s\n", lang.Format(v.(lang.Sequence)[0]))
							return nil
						},
					})
					t.Assert(ref, dataspace.Observe(dataspace.Bind{Pattern: dataspace.Discard{}}, tracer))
				})
			})
			r.trace = func() { r.h.Sys.Post(f, func(t *eval.Turn) { t.StopFacet(f) }) }
			r.printf("trace on for $%s\n", name)
		})
	case "off":
		r.do(func(t *eval.Turn) {
			if r.trace == nil {
				r.printf("trace is already off\n")
				return
			}
			r.trace()
			r.trace = nil
			r.printf("trace off\n")
		})
		r.do(func(t *eval.Turn) {})
	default:
		r.printf("error: :trace takes on or off\n")
	}
}

func isObserveBy(v lang.Value, ref *eval.Ref) bool {
	obs, ok := dataspace.ObserverOf(v)
	return ok && obs == any(ref)
}

// completer completes commands and bound variable names.
type completer struct{ r *REPL }

// Do implements readline.AutoCompleter.
func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	text := string(line[:pos])
	start := strings.LastIndexAny(text, " \t[<{(") + 1
	word := text[start:]
	var cands []string
	switch {
	case start == 0 && strings.HasPrefix(word, ":"):
		for _, cmd := range commands {
			cands = append(cands, cmd.name+" ")
		}
	case strings.HasPrefix(word, "$"):
		for _, nm := range c.r.environment().Names() {
			cands = append(cands, "$"+nm)
		}
	default:
		return nil, 0
	}
	sort.Strings(cands)
	var out [][]rune
	for _, cand := range cands {
		if strings.HasPrefix(cand, word) && cand != word {
			out = append(out, []rune(cand[len(word):]))
		}
	}
	return out, len([]rune(word))
}

// HistoryFile is the default history file, under the user's config
// directory ("" if there is none).
func HistoryFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	dir = filepath.Join(dir, "synd")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ""
	}
	return filepath.Join(dir, "history")
}

// askStatus asks the system's $config for its status (see status.Ask), as
// synd status asks a server, and waits for the answer.
func (r *REPL) askStatus() (*status.Model, error) {
	type answer struct {
		snap lang.Value
		err  error
	}
	ch := make(chan answer, 1)
	r.h.Sys.Post(r.root, func(t *eval.Turn) {
		t.NewFacet(func(t *eval.Turn) {
			status.Ask(t, r.h.Config, func(t *eval.Turn, _ *eval.Ref, snap lang.Value, err error) {
				ch <- answer{snap, err}
				t.Stop() // withdraws the request
			})
		})
	})
	select {
	case a := <-ch:
		if a.err != nil {
			return nil, a.err
		}
		return status.Load(a.snap)
	case <-time.After(10 * time.Second):
		return nil, errors.New("no status came: is the status service running in this system?")
	}
}

func (r *REPL) cmdServices(pattern string) {
	m, err := r.askStatus()
	if err != nil {
		r.printf("error: %v\n", err)
		return
	}
	var list []*status.Service
	for _, s := range m.Match(pattern) {
		if !status.Internal(s.Name) {
			list = append(list, s)
		}
	}
	width := 0
	r.mu.Lock()
	if r.rl != nil {
		width = readline.GetScreenWidth()
	}
	r.mu.Unlock()
	var b strings.Builder
	status.WriteList(&b, list, false, width)
	r.printf("%s", b.String())
}

func (r *REPL) cmdWhy(name string) {
	if name == "" {
		r.printf("error: :why takes the name of a service\n")
		return
	}
	m, err := r.askStatus()
	if err != nil {
		r.printf("error: %v\n", err)
		return
	}
	s, err := m.Find(name)
	if err != nil {
		r.printf("error: %v\n", err)
		return
	}
	for _, line := range m.Why(s) {
		r.printf("%s\n", line)
	}
}
