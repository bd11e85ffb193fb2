// Package control connects to a running synd serve through its control
// socket: a unix socket speaking the Syndicate protocol with the server's
// $config as the peer's initial object, as Synit's system-bus socket is. The
// status, why, graph, logs and repl --attach commands use it; any Syndicate
// peer (syndicate-py, another synd) can connect the same way.
package control

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/status"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/relay"
)

// DefaultSocket is where synd serve listens for control connections unless
// told otherwise: /run/synd/control.sock for root, else
// $XDG_RUNTIME_DIR/synd/control.sock, else synd-UID/control.sock in the
// temporary directory.
func DefaultSocket() string {
	if os.Geteuid() == 0 {
		return "/run/synd/control.sock"
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "synd", "control.sock")
	}
	return filepath.Join(os.TempDir(), "synd-"+strconv.Itoa(os.Getuid()), "control.sock")
}

// ErrClosed says that the server closed the connection.
var ErrClosed = errors.New("the server closed the connection")

// Run connects to the control socket at path and runs boot in a turn of a
// local system, with the server's $config as config. The session lasts until
// boot's facet calls done (with nil or an error, which Run returns), ctx is
// done, or the server goes away. Everything asserted to the server through
// the session is retracted when it ends.
func Run(ctx context.Context, path string, boot func(t *eval.Turn, config *eval.Ref, done func(error))) error {
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "unix", path)
	if err != nil {
		return fmt.Errorf("cannot reach synd serve at %s: %w (is it running? see --control-socket)", path, err)
	}
	sys := eval.NewSystem(nil)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var once sync.Once
	var result error
	finish := func(err error) {
		once.Do(func() {
			result = err
			cancel()
		})
	}
	sys.Hold()
	sys.Spawn("control", func(t *eval.Turn) {
		s := relay.Start(t, conn, conn, func() { conn.Close() }, relay.Options{Name: "control " + path, ImportInitial: true})
		go func() {
			select {
			case <-s.Done():
				finish(ErrClosed)
			case <-ctx.Done():
			}
		}()
		t.InFacet(s.Facet(), func() {
			boot(t, s.Peer(), func(err error) { finish(err) })
		})
	})
	var errs []error
	sys.OnError = func(f *eval.Facet, err error) { errs = append(errs, err) }
	runErr := sys.Run(ctx)
	// Stop the session so the server retracts what it holds for us; give
	// the last packets a moment to leave.
	sys.Shutdown()
	sys.Release()
	stopCtx, stopCancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer stopCancel()
	_ = sys.Run(stopCtx)
	conn.Close()
	if result == nil && runErr != nil && !errors.Is(runErr, context.Canceled) {
		result = runErr
	}
	if result == nil && len(errs) > 0 {
		result = errs[0]
	}
	return result
}

// Status asks the server at path for its status snapshot.
func Status(ctx context.Context, path string) (lang.Value, error) {
	var snapshot lang.Value
	err := Run(ctx, path, func(t *eval.Turn, config *eval.Ref, done func(error)) {
		status.Ask(t, config, func(t *eval.Turn, _ *eval.Ref, snap lang.Value, err error) {
			snapshot = snap
			done(err)
		})
	})
	return snapshot, err
}

// Follow runs fn on each <log TIMESTAMP DETAILS> message of the server's
// $log until ctx is done or the server goes away; first calls ready with the
// status snapshot.
func Follow(ctx context.Context, path string, ready func(snapshot lang.Value), fn func(ts, details lang.Value)) error {
	return Run(ctx, path, func(t *eval.Turn, config *eval.Ref, done func(error)) {
		status.Ask(t, config, func(t *eval.Turn, log *eval.Ref, snap lang.Value, err error) {
			if err != nil {
				done(err)
				return
			}
			ready(snap)
			t.Assert(log, dataspace.Observe(LogPattern, t.NewRef("log-follower", &eval.Handler{
				OnMessage: func(t *eval.Turn, v lang.Value) error {
					if caps, ok := v.(lang.Sequence); ok && len(caps) == 2 {
						fn(caps[0], caps[1])
					}
					return nil
				},
			})))
		})
	})
}

// LogPattern matches <log TIMESTAMP DETAILS>, capturing both.
var LogPattern = dataspace.Group{Kind: dataspace.GroupRecord, Label: lang.Symbol("log"), Entries: []dataspace.GroupEntry{
	{Key: lang.Int(0), Pattern: dataspace.Bind{Pattern: dataspace.Discard{}}},
	{Key: lang.Int(1), Pattern: dataspace.Bind{Pattern: dataspace.Discard{}}},
}}

// Session is a connection, made in a system of this process, to a running
// server's $config and $log.
type Session struct {
	// Config and Log are the server's dataspaces.
	Config, Log *eval.Ref
	// Snapshot is the server's status when the session began.
	Snapshot lang.Value
	// Done is closed when the connection ends.
	Done <-chan struct{}
}

// Attach connects sys to the server whose control socket is at path, in an
// actor of its own, and returns once the server has said where its $log is.
// The session ends when sys shuts down (everything asserted through it is
// then retracted by the server) or when the server goes away.
func Attach(ctx context.Context, sys *eval.System, path string) (*Session, error) {
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("cannot reach synd serve at %s: %w (is it running? see --control-socket)", path, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sess := &Session{}
	var answerErr error
	sys.Hold()
	defer sys.Release()
	sys.Spawn("control "+path, func(t *eval.Turn) {
		s := relay.Start(t, conn, conn, func() { conn.Close() }, relay.Options{Name: "control " + path, ImportInitial: true})
		sess.Config, sess.Done = s.Peer(), s.Done()
		go func() {
			select {
			case <-s.Done():
				cancel()
			case <-ctx.Done():
			}
		}()
		t.InFacet(s.Facet(), func() {
			status.Ask(t, sess.Config, func(t *eval.Turn, log *eval.Ref, snap lang.Value, err error) {
				sess.Log, sess.Snapshot, answerErr = log, snap, err
				cancel()
			})
		})
	})
	_ = sys.Run(ctx)
	if answerErr != nil {
		conn.Close()
		return nil, answerErr
	}
	if sess.Log == nil {
		conn.Close()
		return nil, fmt.Errorf("synd serve at %s did not answer", path)
	}
	return sess, nil
}
