// Package host boots the world scripts run in: the $config and $log
// dataspaces, the printing of log messages, the trace of $config, and the
// running of script files. The synd command, the REPL and the golden-file
// tests all start scripts through it.
package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib"
	"github.com/synd-lang/synd/stdlib/gatekeeper"
	"github.com/synd-lang/synd/stdlib/relay"
)

// Options configure a Host.
type Options struct {
	// Clock for the system; nil means the real clock.
	Clock eval.Clock
	// Out receives log lines, trace lines and errors.
	Out io.Writer
	// Trace writes every assertion appearing in or disappearing from $config
	// and every message sent to it.
	Trace bool
	// TraceFilter, if set, limits the trace to the assertions and messages
	// it accepts (a retraction is shown when its assertion was).
	TraceFilter func(v lang.Value) bool
	// Processes runs the processes of <process ...> requests; nil means real
	// OS processes (stdlib.OSRunner).
	Processes stdlib.ProcessRunner
	// Watch makes file-watches and config-watchers follow changes; without
	// it, directories and files are read once (deterministic tests).
	Watch bool
	// Stdlib, if set, is a directory of service class scripts: a file there
	// replaces the built-in class of the same name, and other *.pr files are
	// loaded as extra classes.
	Stdlib string
	// Relay bounds the sessions of relay listeners and outgoing
	// connections (zero values: the relay package's defaults).
	Relay relay.Limits
	// OnConnection, if set, is told of each connection a relay listener
	// accepts (see relay.ListenerServiceOptions).
	OnConnection func(listener, peer string, closed <-chan struct{})
	// OnLoad, if set, is told of each script file compiled for run-script
	// (the config-watcher's files among them): once when first loaded, and
	// again, with reloaded set, each time its text changed.
	OnLoad func(file string, reloaded bool)
	// DaemonEvents, if set, hears of every daemon process started and
	// exited (see stdlib.StartDaemons).
	DaemonEvents stdlib.DaemonEvents
	// Tracer, if set, sees every step of the system from its boot on (see
	// eval.System.Trace).
	Tracer func(eval.Event)
	// PrintLog, if set, prints the messages of $log instead of Out's one
	// line each (FormatLog).
	PrintLog func(ts, details lang.Value)
	// PrintError, if set, reports errors instead of Out's "error: ..."
	// lines; it is called once per error of an error list.
	PrintError func(err error)
}

// Host is a booted system.
type Host struct {
	Sys    *eval.System
	Config *eval.Ref
	Log    *eval.Ref
	// Gatekeeper is the system gatekeeper, over $config's binds: scripts
	// see it as $gatekeeper; listeners offer it to their peers.
	Gatekeeper *eval.Ref
	// Root is the facet of the host's own actor; scripts' actors are spawned
	// beside it.
	Root *eval.Facet

	out         io.Writer
	printLog    func(ts, details lang.Value)
	printError  func(err error)
	onLoad      func(file string, reloaded bool)
	traceFilter func(v lang.Value) bool
	errors      int
	tracer      *eval.Ref
	env         *eval.Env // set by SetEnv; nil: $config and $log
	osRunner    *stdlib.OSRunner
	shown       map[eval.Handle]lang.Value // traced assertions, by the tracer's handle
	hidden      map[eval.Handle]bool       // the tracer's own Observe, and what boot left
	quiet       bool                       // the tracer is catching up with boot
	compiled    map[string]compiledScript  // run-script's latest compiled text, by file
	logLine     []byte                     // the log printer's buffer
}

type compiledScript struct {
	src    string
	script *eval.Prepared // shared by every run of the text
}

// New boots a host: the system, $config, $log, the log printer and, if asked,
// the tracer. Nothing runs until the system does.
func New(opts Options) *Host {
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	h := &Host{Sys: eval.NewSystem(opts.Clock), out: opts.Out, shown: map[eval.Handle]lang.Value{}, hidden: map[eval.Handle]bool{}}
	h.Sys.OnError = func(f *eval.Facet, err error) { h.Error(err) }
	h.Sys.Trace = opts.Tracer
	h.printLog, h.printError, h.onLoad = opts.PrintLog, opts.PrintError, opts.OnLoad
	h.traceFilter = opts.TraceFilter
	h.Sys.Spawn("host", func(t *eval.Turn) {
		h.Root = t.Facet()
		h.Root.PreventInert() // the host lives as long as the system
		h.Config = t.NewDataspace("config")
		h.Log = t.NewDataspace("log")
		stdlib.StartTimers(t, h.Config)
		stdlib.StartRegistry(t, h.Config)
		stdlib.StartStringCheck(t, h.Config)
		stdlib.StartDependencies(t, h.Config)
		h.Gatekeeper = gatekeeper.New(t, h.Config)
		gatekeeper.StartService(t, h.Config)
		gatekeeper.StartResolution(t, h.Config)
		relay.StartListenerService(t, h.Config, relay.ListenerServiceOptions{Limits: opts.Relay, OnConnection: opts.OnConnection})
		relay.StartConnector(t, h.Config, opts.Relay)
		runner := opts.Processes
		if runner == nil {
			h.osRunner = &stdlib.OSRunner{}
			runner = h.osRunner
		}
		stdlib.StartProcesses(t, h.Config, runner)
		stdlib.StartDaemons(t, h.Config, runner, opts.DaemonEvents)
		stdlib.StartFiles(t, h.Config, stdlib.FileOptions{Watch: opts.Watch, Run: h.runScript, Read: readValues})
		// <log TIMESTAMP DETAILS> and <log TIMESTAMP DETAILS BY>: the
		// third field is the stamp a capability adds (the connection class
		// gives each user's processes a $log that stamps <user NAME>).
		logPattern := dataspace.Bind{Pattern: dataspace.Group{Kind: dataspace.GroupRecord, Label: lang.Symbol("log"), Entries: []dataspace.GroupEntry{
			{Key: lang.Int(0), Pattern: dataspace.Discard{}},
			{Key: lang.Int(1), Pattern: dataspace.Discard{}},
		}}}
		t.Assert(h.Log, dataspace.Observe(logPattern, t.NewRef("log-printer", &eval.Handler{
			OnMessage: func(t *eval.Turn, v lang.Value) error {
				r := lang.Unwrap(v.(lang.Sequence)[0]).(*lang.Record)
				ts, details := r.Fields[0], r.Fields[1]
				var by lang.Value
				if len(r.Fields) > 2 {
					by = r.Fields[2]
				}
				if h.printLog != nil || by != nil && !isDictionary(details) {
					if by != nil {
						details = stamped(details, by)
						by = nil
					}
					if h.printLog != nil {
						h.printLog(ts, details)
						return nil
					}
				}
				// One write per line, from a buffer the printer keeps; a
				// stamp is written as the by= entry stamped would add.
				h.logLine = append(appendLog(h.logLine[:0], ts, details, by), '\n')
				_, _ = h.out.Write(h.logLine)
				return nil
			},
		})))
	})
	h.Sys.RunPending()
	for _, c := range classes(opts.Stdlib, h) {
		if c.builtin {
			b := builtinScripts()[c.Name]
			_ = h.runCompiled(c.Name, b.script, b.err, h.Env())
			continue
		}
		_ = h.RunSource(c.Name, c.Source, h.Env())
	}
	h.Sys.RunPending()
	if opts.Trace {
		h.startTracer()
	}
	h.Sys.SetRefBase(refBase)
	return h
}

// refBase is where the refs of user scripts start numbering, above those of
// boot, so traces do not change when the standard library does.
const refBase = 1000

// class is a service class script to load; a built-in one, unchanged, is
// compiled once per process (builtinScripts).
type class struct {
	stdlib.Class
	builtin bool
}

// builtinScripts are the built-in classes compiled, once per process, by
// the name New runs them under: a compiled Script is not changed by
// running it, and every host (every golden test, every benchmark round)
// would otherwise compile them again.
var builtinScripts = sync.OnceValue(func() map[string]compiledClass {
	m := map[string]compiledClass{}
	for _, c := range stdlib.Classes() {
		name := "stdlib/" + c.Name
		s, err := parser.CompileFile(name, c.Source)
		m[name] = compiledClass{s, err}
	}
	return m
})

type compiledClass struct {
	script *parser.Script
	err    error
}

// classes returns the service class scripts to load: the built-in ones,
// each replaced by a file of the same name in dir (if given), plus dir's
// other *.pr files.
func classes(dir string, h *Host) []class {
	var out []class
	seen := map[string]bool{}
	for _, c := range stdlib.Classes() {
		seen[c.Name] = true
		if dir != "" {
			if src, err := os.ReadFile(filepath.Join(dir, c.Name)); err == nil {
				out = append(out, class{Class: stdlib.Class{Name: filepath.Join(dir, c.Name), Source: src}})
				continue
			}
		}
		out = append(out, class{Class: stdlib.Class{Name: "stdlib/" + c.Name, Source: c.Source}, builtin: true})
	}
	if dir != "" {
		for _, f := range stdlib.ListFiles(dir, ".pr") {
			if seen[filepath.Base(f)] && filepath.Dir(f) == filepath.Clean(dir) {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				h.Error(err)
				continue
			}
			out = append(out, class{Class: stdlib.Class{Name: f, Source: src}})
		}
	}
	return out
}

// startTracer observes everything in $config and writes it as trace lines.
// What boot left there (the standard library's observers) is not shown.
func (h *Host) startTracer() {
	h.quiet = true
	h.Sys.Post(h.Root, func(t *eval.Turn) {
		h.tracer = t.NewRef("tracer", &eval.Handler{
			OnAssert: func(t *eval.Turn, v lang.Value, hd eval.Handle) error {
				h.traceLine("+", v, hd)
				return nil
			},
			OnRetract: func(t *eval.Turn, hd eval.Handle) error {
				h.traceRetract(hd)
				return nil
			},
			OnMessage: func(t *eval.Turn, v lang.Value) error {
				h.traceLine("!", v, 0)
				return nil
			},
		})
		t.Assert(h.Config, dataspace.Observe(dataspace.Bind{Pattern: dataspace.Discard{}}, h.tracer))
	})
	h.Sys.RunPending()
	h.quiet = false
}

func (h *Host) traceLine(sign string, v lang.Value, hd eval.Handle) {
	caps, _ := v.(lang.Sequence)
	if len(caps) != 1 {
		return
	}
	val := caps[0]
	if sign == "!" && h.traceFilter != nil && !h.traceFilter(val) {
		return
	}
	if sign == "+" {
		if h.quiet || h.isOwnObserve(val) || (h.traceFilter != nil && !h.traceFilter(val)) {
			h.hidden[hd] = true
			return
		}
		h.shown[hd] = val
	}
	fmt.Fprintf(h.out, "%s %s\n", sign, lang.Format(val))
}

func (h *Host) traceRetract(hd eval.Handle) {
	if h.hidden[hd] {
		delete(h.hidden, hd)
		return
	}
	if v, ok := h.shown[hd]; ok {
		delete(h.shown, hd)
		fmt.Fprintf(h.out, "- %s\n", lang.Format(v))
	}
}

// isOwnObserve recognises the tracer's own Observe assertion.
func (h *Host) isOwnObserve(v lang.Value) bool {
	obs, ok := dataspace.ObserverOf(v)
	return ok && obs == any(h.tracer)
}

// Error reports an error on the host's output.
func (h *Host) Error(err error) {
	h.errors++
	report := func(err error) { fmt.Fprintf(h.out, "error: %v\n", err) }
	if h.printError != nil {
		report = h.printError
	}
	var list parser.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			report(e)
		}
		return
	}
	report(err)
}

// SetOutput sends log lines, trace lines and errors to w from now on. Call it
// from the system's goroutine or before the system runs.
func (h *Host) SetOutput(w io.Writer) { h.out = w }

// KillProcesses sends SIGKILL to every OS process the host still runs, for
// an exit that cannot wait for an orderly stop.
func (h *Host) KillProcesses() {
	if h.osRunner != nil {
		h.osRunner.KillAll()
	}
}

// Errors is how many errors have been reported.
func (h *Host) Errors() int { return h.errors }

// Env is the environment scripts start with: $config and $log, and what
// SetEnv added.
func (h *Host) Env() eval.Env {
	if h.env != nil {
		return *h.env
	}
	return eval.Env{}.With("config", h.Config.Value()).With("log", h.Log.Value()).With("gatekeeper", h.Gatekeeper.Value())
}

// SetEnv sets the environment scripts loaded from now on start with.
func (h *Host) SetEnv(env eval.Env) { h.env = &env }

// RunFile compiles a script file and, if it compiles, starts it in an actor
// of its own. Compile errors are reported and nothing of the file runs.
func (h *Host) RunFile(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		h.Error(err)
		return err
	}
	return h.RunSource(path, src, h.Env())
}

// RunSource is RunFile for text already read.
func (h *Host) RunSource(name string, src []byte, env eval.Env) error {
	s, err := parser.CompileFile(name, src)
	return h.runCompiled(name, s, err, env)
}

// runCompiled starts a compiled script (or reports its compile error) in an
// actor of its own.
func (h *Host) runCompiled(name string, s *parser.Script, err error, env eval.Env) error {
	if err != nil {
		h.Error(err)
		return err
	}
	h.Sys.Spawn(name, func(t *eval.Turn) {
		t.Facet().Label = name
		t.RunScript(s, env)
	})
	return nil
}

// runScript compiles a script file's text and runs it in the active facet
// with $config and $log plus env; compile errors are reported. Nothing else
// of the host's environment reaches it: what SetEnv added ($control) is
// passed on only by the loaders meant to pass it (WatchConfig puts it in
// its config-watcher's ENV), never to the programs a service class runs.
func (h *Host) runScript(t *eval.Turn, file string, src []byte, env *lang.Dictionary) bool {
	// Many processes may run one program (a service's instances, clients):
	// a text is compiled once, and prepared once (what its runs learn of
	// its patterns is shared). Scripts are not changed by running them.
	// Only the latest text of each file is kept.
	c, ok := h.compiled[file]
	if !ok || c.src != string(src) {
		src = bytes.Clone(src) // the caller's buffer is reused (stdlib.ScriptRunner)
		s, err := parser.CompileFile(file, src)
		if err != nil {
			h.Error(err)
			return false
		}
		if h.compiled == nil {
			h.compiled = map[string]compiledScript{}
		}
		c = compiledScript{string(src), eval.Prepare(s)}
		h.compiled[file] = c
		if h.onLoad != nil {
			h.onLoad(file, ok)
		}
	}
	s := c.script
	// $config and $log, unless ENV gives its own (as the service classes
	// do): a binding ENV would hide anyway costs every lookup a frame.
	var e eval.Env
	has := func(name string) bool {
		if env == nil {
			return false
		}
		_, ok := env.Get(lang.Symbol(name))
		return ok
	}
	if !has("config") {
		e = e.With("config", h.Config.Value())
	}
	if !has("log") {
		e = e.With("log", h.Log.Value())
	}
	if env != nil {
		for _, en := range env.Entries() {
			e = e.With(lang.Text(en.Key), en.Value)
		}
	}
	t.Facet().Label = file
	t.RunPrepared(s, e)
	return true
}

func readValues(file string, src []byte) ([]lang.Value, error) {
	vs, err := parser.ParseAll(file, src, parser.Options{})
	if err != nil {
		return nil, err
	}
	for i, v := range vs {
		vs[i] = lang.Strip(v)
	}
	return vs, nil
}

// UseSettings requires the user-settings service for dir: every value stored
// there (see synd settings) is asserted as <user-setting VALUE>.
func (h *Host) UseSettings(dir string) {
	h.Sys.Post(h.Root, func(t *eval.Turn) {
		t.Assert(h.Config, lang.NewRecord(lang.Symbol("require-service"),
			lang.NewRecord(lang.Symbol("user-settings"), lang.String(dir))))
	})
}

// WatchConfig requires a config-watcher for dir, as syndicate-server's -c
// does: every script under dir runs, following changes. Its ENV holds what
// SetEnv added to the host's environment ($control, with serve --control),
// as syndicate-server's main passes its env to the config watcher; $config
// and $log every script gets anyway.
func (h *Host) WatchConfig(dir string) {
	h.Sys.Post(h.Root, func(t *eval.Turn) {
		var extra []lang.Value
		env := h.Env()
		for _, name := range env.Names() {
			if name != "config" && name != "log" {
				v, _ := env.Lookup(name)
				extra = append(extra, lang.Symbol(name), v)
			}
		}
		t.Assert(h.Config, lang.NewRecord(lang.Symbol("require-service"),
			lang.NewRecord(lang.Symbol("config-watcher"), lang.String(dir), lang.DictionaryOf(extra...))))
	})
}

// Run runs the system until it is quiescent or ctx is done.
func (h *Host) Run(ctx context.Context) error { return h.Sys.Run(ctx) }

// FormatLog renders a <log TIMESTAMP DETAILS> message as one readable line:
// the timestamp (the placeholder "-" with its quotes), the `line` entry of DETAILS if it has one (without the
// newline a daemon's output line ends with), then the other entries as
// key=value. Text is printed with control characters escaped (\n, \t,
// \x1b, ...), so that a log line can neither forge further lines nor drive
// the terminal.
func FormatLog(ts, details lang.Value) string {
	return string(appendLog(nil, ts, details, nil))
}

func isDictionary(v lang.Value) bool {
	_, ok := lang.Unwrap(v).(*lang.Dictionary)
	return ok
}

// appendLog appends FormatLog's line to dst; by, if not nil, is written as
// the entry by: BY of a dictionary DETAILS, in place of any it has (what
// stamped would make of them).
func appendLog(dst []byte, ts, details, by lang.Value) []byte {
	if s, ok := lang.Unwrap(ts).(lang.String); ok && s == "-" {
		// syndicate's "no timestamp" placeholder, printed as the string it
		// is: a bare "- " would read as a retraction in a trace.
		dst = append(dst, `"-"`...)
	} else {
		dst = append(dst, escapeControls(lang.Text(ts))...)
	}
	d, ok := lang.Unwrap(details).(*lang.Dictionary)
	if !ok {
		dst = append(dst, ' ')
		return append(dst, escapeControls(lang.Text(details))...)
	}
	if line, ok := d.Get(lang.Symbol("line")); ok {
		text := lang.Text(line)
		if bs, ok := lang.Unwrap(line).(lang.ByteString); ok {
			text = string(bs)
		}
		text = strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")
		dst = append(dst, ' ')
		dst = append(dst, escapeControls(text)...)
	}
	// The other entries as KEY=VALUE (escaped), sorted by that text: each
	// written after the line so far, then copied after them in order, and
	// the result moved back to where they began.
	var w lang.TextWriter
	var spansBuf [8]struct{ from, to int }
	spans := spansBuf[:0]
	base := len(dst)
	entry := func(key, value lang.Value) {
		from := len(dst)
		dst = append(dst, lang.Text(key)...)
		dst = append(dst, '=')
		dst = w.Append(dst, value)
		if !controlsClean(dst[from:]) {
			esc := escapeControls(string(dst[from:]))
			dst = append(dst[:from], esc...)
		}
		spans = append(spans, struct{ from, to int }{from, len(dst)})
	}
	for _, e := range d.Entries() {
		if lang.Equal(e.Key, lang.Symbol("line")) || by != nil && lang.Equal(e.Key, lang.Symbol("by")) {
			continue
		}
		entry(e.Key, e.Value)
	}
	if by != nil {
		entry(lang.Symbol("by"), by)
	}
	slices.SortFunc(spans, func(a, b struct{ from, to int }) int {
		return bytes.Compare(dst[a.from:a.to], dst[b.from:b.to])
	})
	out := len(dst)
	for _, sp := range spans {
		dst = append(dst, ' ')
		dst = append(dst, dst[sp.from:sp.to]...)
	}
	n := copy(dst[base:], dst[out:])
	return dst[:base+n]
}

// controlsClean reports whether escapeControls would leave b as it is.
func controlsClean(b []byte) bool {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			return false
		}
		i += n
	}
	return true
}

// stamped adds by: STAMP to a log entry's details (replacing any by: the
// writer put there itself); details that are not a dictionary are kept as
// {line: DETAILS, by: STAMP}.
func stamped(details, stamp lang.Value) lang.Value {
	by := lang.Symbol("by")
	d, ok := lang.Unwrap(details).(*lang.Dictionary)
	if !ok {
		return lang.DictionaryOf(lang.Symbol("line"), details, by, stamp)
	}
	kvs := make([]lang.Value, 0, 2*d.Len()+2)
	for _, e := range d.Entries() {
		if !lang.Equal(e.Key, by) {
			kvs = append(kvs, e.Key, e.Value)
		}
	}
	return lang.DictionaryOf(append(kvs, by, stamp)...)
}

// escapeControls writes control characters (and invalid UTF-8) as escapes.
func escapeControls(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r == '\n':
			b.WriteString("\\n")
		case r == '\r':
			b.WriteString("\\r")
		case r == '\t':
			b.WriteString("\\t")
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// GoldenEpoch is the virtual time golden tests start at.
func GoldenEpoch() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
