package host_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/internal/syncbuf"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib"
)

// live is a host running on the real clock with watching on, with helpers to
// ask $config about an assertion and to wait for a condition.
type live struct {
	h   *host.Host
	out *syncbuf.Buffer
	t   *testing.T
}

func startLive(t *testing.T) *live {
	out := &syncbuf.Buffer{}
	h := host.New(host.Options{Out: out, Watch: true, Processes: &stdlib.SimulatedRunner{}})
	h.Sys.Hold()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		h.Sys.Release()
		<-done
	})
	return &live{h: h, out: out, t: t}
}

func (l *live) present(text string) bool {
	v, err := parser.Parse("q", []byte(text), parser.Options{})
	require.NoError(l.t, err)
	got := make(chan bool, 1)
	l.h.Sys.Post(l.h.Root, func(t *eval.Turn) {
		got <- l.h.Config.Entity().(*eval.DataspaceEntity).DS.Count(v) > 0
	})
	return <-got
}

func (l *live) eventually(what string, cond func() bool) {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			l.t.Fatalf("timed out waiting for %s; output:\n%s", what, l.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestConfigDirectoryEdits edits a config directory while the system runs:
// a new file's services start, a broken edit is reported while the old
// version keeps running, a fixed edit replaces it, and deleting the file
// stops its services.
func TestConfigDirectoryEdits(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for file-system events; skipped with -short")
	}
	dir := t.TempDir()
	l := startLive(t)
	l.h.WatchConfig(dir)
	present, eventually, out := l.present, l.eventually, l.out
	file := filepath.Join(dir, "svc.pr")
	write := func(text string) { require.NoError(t, os.WriteFile(file, []byte(text), 0o644)) }

	write("<require-service <milestone first>>\n")
	eventually("the new file's service", func() bool { return present("<service-state <milestone first> up>") })

	write("<require-service <milestone second>\n") // broken: no closing >
	eventually("the error report", func() bool { return strings.Contains(out.String(), "svc.pr:2:1: input ended early") })
	require.True(t, present("<service-state <milestone first> up>"), "the old version keeps running")

	write("<require-service <milestone second>>\n")
	eventually("the new version", func() bool {
		return present("<service-state <milestone second> up>") && !present("<require-service <milestone first>>")
	})

	require.NoError(t, os.Remove(file))
	eventually("its services to stop", func() bool { return !present("<require-service <milestone second>>") })
	_ = lang.Format
}

// TestSettingsWhileRunning sets and unsets user settings with the store
// `synd settings` uses while a system runs: they appear and disappear as
// <user-setting VALUE> in $config.
func TestSettingsWhileRunning(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for file-system events; skipped with -short")
	}
	dir := t.TempDir()
	store := stdlib.SettingsStore{Dir: dir}
	enabled, _ := parser.Parse("v", []byte("<mobile-data-enabled>"), parser.Options{})
	require.NoError(t, store.Set(enabled)) // set before the server starts: persisted
	l := startLive(t)
	l.h.UseSettings(dir)
	present, eventually := l.present, l.eventually
	eventually("the stored setting", func() bool { return present("<user-setting <mobile-data-enabled>>") })
	apn, _ := parser.Parse("v", []byte(`<mobile-data-apn "internet">`), parser.Options{})
	require.NoError(t, store.Set(apn))
	eventually("a setting made while running", func() bool { return present(`<user-setting <mobile-data-apn "internet">>`) })
	require.NoError(t, store.Unset(enabled))
	eventually("an unset setting to go", func() bool { return !present("<user-setting <mobile-data-enabled>>") })
	require.True(t, present(`<user-setting <mobile-data-apn "internet">>`))

	// A registry key set with `synd settings set` changes the value in force.
	eventually("the default answer delay", func() bool {
		return present("<registry system.processes.service_answer_delay 2000>")
	})
	delay, _ := parser.Parse("v", []byte("<registry system.processes.service_answer_delay 300>"), parser.Options{})
	require.NoError(t, store.Set(delay))
	eventually("the answer delay set by a user setting", func() bool {
		return present("<registry system.processes.service_answer_delay 300>") &&
			!present("<registry system.processes.service_answer_delay 2000>")
	})
	require.NoError(t, store.Unset(delay))
	eventually("the default answer delay again", func() bool {
		return present("<registry system.processes.service_answer_delay 2000>")
	})
}
