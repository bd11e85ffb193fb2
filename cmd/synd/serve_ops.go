package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/control"
	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/internal/status"
	"github.com/synd-lang/synd/internal/tracefile"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/relay"
)

// opsFlags are serve's flags for operating a running system: structured
// logs and the trace file.
type opsFlags struct {
	controlSocket   string
	noControlSocket bool
	traceFile       string
	traceSize       int64
	traceKeep       int
	logFormat       string
	logLevel        string
}

func addOpsFlags(fs *flag.FlagSet) *opsFlags {
	o := &opsFlags{}
	fs.StringVar(&o.controlSocket, "control-socket", control.DefaultSocket(), "the unix socket where status, why, graph, logs and repl --attach reach this server (the Syndicate protocol, with $config as its object)")
	fs.BoolVar(&o.noControlSocket, "no-control-socket", false, "do not listen on a control socket")
	for _, name := range []string{"t", "trace-file"} {
		fs.StringVar(&o.traceFile, name, "", "write every turn to this file as Preserves text, as syndicate-server's --trace-file (-t and --trace-file are the same)")
	}
	fs.Int64Var(&o.traceSize, "trace-file-size", tracefile.DefaultMaxSize, "bytes a trace file may reach before it is rotated to FILE.1")
	fs.IntVar(&o.traceKeep, "trace-file-keep", tracefile.DefaultKeep, "rotated trace files kept")
	fs.StringVar(&o.logFormat, "log-format", "text", "text or json: how $log lines, lifecycle events and errors are printed")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error: the least level printed")
	return o
}

// logLevels are the spellings --log-level takes.
var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

// opsRun is what the operating flags started; stop ends it.
type opsRun struct {
	flags  *opsFlags
	logger *slog.Logger
	trace  *tracefile.Writer
	model  *status.Model
}

// setUp checks the flags and sets the host options they imply. A bad flag
// value is a usageError.
func (o *opsFlags) setUp(out io.Writer, opts *host.Options) (*opsRun, error) {
	level, ok := logLevels[o.logLevel]
	if !ok {
		return nil, usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", o.logLevel)}
	}
	hopts := &slog.HandlerOptions{Level: level}
	r := &opsRun{flags: o, model: status.New(nil)}
	opts.DaemonEvents = r.model
	opts.OnLoad = func(file string, reloaded bool) {
		if reloaded {
			r.logger.Info("config file reloaded", "file", file)
		} else {
			r.logger.Info("config file loaded", "file", file)
		}
	}
	opts.OnConnection = func(listener, peer string, closed <-chan struct{}) {
		r.connection(slog.LevelInfo, "listener", listener, peer, closed)
	}
	switch o.logFormat {
	case "text":
		r.logger = slog.New(slog.NewTextHandler(out, hopts))
		if level > slog.LevelInfo {
			opts.PrintLog = func(ts, details lang.Value) {} // $log lines are information
		}
	case "json":
		r.logger = slog.New(slog.NewJSONHandler(out, hopts))
		opts.PrintLog = func(ts, details lang.Value) { logRecord(r.logger, ts, details) }
		opts.PrintError = func(err error) { errorRecord(r.logger, err) }
	default:
		return nil, usageError{fmt.Errorf("--log-format %q: want text or json", o.logFormat)}
	}
	if o.traceFile != "" {
		tw, err := tracefile.Create(o.traceFile, tracefile.Options{MaxSize: o.traceSize, Keep: o.traceKeep})
		if err != nil {
			return nil, err
		}
		r.trace = tw
		opts.Tracer = tw.Trace
	}
	return r, nil
}

// start follows the booted host's services, logging each lifecycle event,
// and opens the control socket.
func (r *opsRun) start(h *host.Host) {
	events := status.Logger(r.logger)
	r.model.OnEvent = func(e status.Event) {
		if !status.Internal(e.Service) {
			events(e)
		}
	}
	answerStatus(h, r.model)
	if !r.flags.noControlSocket {
		h.Sys.Post(h.Root, func(t *eval.Turn) { r.listen(t, h) })
	}
}

// answerStatus keeps m, a status model of the host's services (also told
// of daemon processes, as host.Options.DaemonEvents), and answers status
// requests with it (see status.Answer): synd status through a control
// socket, :services and :why in the REPL.
func answerStatus(h *host.Host, m *status.Model) {
	h.Sys.Post(h.Root, func(t *eval.Turn) {
		status.Follow(t, h.Config, h.Log, m, nil)
		status.Answer(t, h.Config, h.Log, m.Snapshot)
	})
	h.Sys.RunPending()
}

// listen opens the control socket: a relay listener offering $config, as
// Synit's <relay-listener <unix "/run/synit/system-bus.sock"> $config>. A
// socket another server is using is reported and left alone: this server
// runs without one.
func (r *opsRun) listen(t *eval.Turn, h *host.Host) {
	path := r.flags.controlSocket
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		h.Error(fmt.Errorf("control socket: %w", err))
		return
	}
	_, err := relay.Listen(t, "unix", path, h.Config, relay.ListenOptions{
		Session: relay.Options{Name: "control"},
		OnSession: func(t *eval.Turn, s *relay.Session, peer string) {
			// Every synd status makes one: information for debugging,
			// not for the everyday log.
			r.connection(slog.LevelDebug, "socket", path, peer, s.Done())
		},
	})
	if err != nil {
		h.Error(fmt.Errorf("control socket: %w", err))
		return
	}
	r.logger.Info("control socket listening", "socket", path)
}

// connection logs a connection accepted and, when closed is, its end: one
// record each, naming where it was accepted (attribute where) and the peer.
func (r *opsRun) connection(level slog.Level, where, addr, peer string, closed <-chan struct{}) {
	ctx := context.Background()
	r.logger.Log(ctx, level, "connection accepted", where, addr, "peer", peer)
	go func() {
		<-closed
		r.logger.Log(ctx, level, "connection closed", where, addr, "peer", peer)
	}()
}

// stop closes the trace file.
func (r *opsRun) stop() error {
	if r.trace != nil {
		return r.trace.Close()
	}
	return nil
}

// logRecord writes a <log TIMESTAMP DETAILS> message as one record: the
// line as the message, the other entries as attributes (service as text).
func logRecord(l *slog.Logger, ts, details lang.Value) {
	msg := ""
	var attrs []slog.Attr
	d, ok := lang.Unwrap(details).(*lang.Dictionary)
	if !ok {
		msg = lang.Text(details)
	} else {
		for _, e := range d.Entries() {
			key := lang.Text(e.Key)
			if key == "line" {
				msg = strings.TrimRight(lang.Text(e.Value), "\n")
				continue
			}
			attrs = append(attrs, slog.Any(key, jsonValue(e.Value)))
		}
	}
	attrs = append(attrs, slog.String("timestamp", lang.Text(ts)))
	l.LogAttrs(context.Background(), slog.LevelInfo, msg, attrs...)
}

// jsonValue is how a value of a log line appears as an attribute: integers,
// strings and booleans as themselves, anything else as Preserves text.
func jsonValue(v lang.Value) any {
	switch x := lang.Unwrap(v).(type) {
	case lang.Int:
		return int64(x)
	case lang.String:
		return string(x)
	case lang.Bool:
		return bool(x)
	case lang.Symbol:
		return string(x)
	}
	return lang.Format(lang.Strip(v))
}

// errorRecord writes an error as a record of level error, with the file,
// line and column as attributes when it has them.
func errorRecord(l *slog.Logger, err error) {
	var attrs []slog.Attr
	var le *lang.Error
	if errors.As(err, &le) && le.Pos.IsValid() {
		attrs = append(attrs, slog.String("file", le.Pos.File), slog.Int("line", le.Pos.Line), slog.Int("column", le.Pos.Column))
	}
	l.LogAttrs(context.Background(), slog.LevelError, err.Error(), attrs...)
}
