package relay_test

import (
	"context"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/relay"
)

// slowWriter takes its time over each write and says when one has begun
// and whether it has finished.
type slowWriter struct {
	began    chan struct{}
	finished atomic.Bool
}

func (w *slowWriter) Write(b []byte) (int, error) {
	select {
	case w.began <- struct{}{}:
	default:
	}
	time.Sleep(200 * time.Millisecond)
	w.finished.Store(true)
	return len(b), nil
}

// A system whose sessions end does not finish before what they queued for
// their peers is written: `synd connect` fed by a pipe sends what it read
// before it exits (a race TestConnect lost under load: the REPL's
// assertion never reached the other node).
func TestSystemEndsAfterQueuedOutputIsWritten(t *testing.T) {
	sys := eval.NewSystem(nil)
	w := &slowWriter{began: make(chan struct{}, 1)}
	pr, pw := io.Pipe() // the peer never speaks
	defer pw.Close()
	sys.Spawn("test", func(t *eval.Turn) {
		s := relay.Start(t, pr, w, func() { pr.Close() }, relay.Options{Name: "flush", ImportInitial: true})
		t.Message(s.Peer(), lang.Symbol("hello"))
	})
	ran := make(chan error, 1)
	go func() { ran <- sys.Run(context.Background()) }()
	select {
	case <-w.began:
	case <-time.After(10 * time.Second):
		t.Fatal("nothing was written")
	}
	sys.Shutdown()
	select {
	case err := <-ran:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the system did not end")
	}
	require.True(t, w.finished.Load(), "the system ended while its output was being written")
}
