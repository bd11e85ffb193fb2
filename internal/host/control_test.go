package host_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// $control reaches the scripts of the config directories serve loads (as
// syndicate-server's main passes its env to the config watcher) and the
// config-watchers they pass $. to, but never a program a service class runs:
// a user's app process, or a config-watcher given {} (issue 17.3).
func TestControlDoesNotLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for file-system events; skipped with -short")
	}
	dir := t.TempDir()
	write := func(name, text string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	report := func(who string) string {
		return `[$. =~ {control: _} $log ! <log "-" {line: "` + who + `: has control"}> $log ! <log "-" {line: "` + who + `: no control"}>]` + "\n"
	}
	write("top.pr", report("top")+`
<require-service <config-watcher "`+filepath.Join(dir, "..", filepath.Base(dir)+"-nested")+`" $.>>
<require-service <config-watcher "`+filepath.Join(dir, "..", filepath.Base(dir)+"-bare")+`" {}>>
<user-session alice>
<app-process alice notes "`+filepath.Join(dir, "..", filepath.Base(dir)+"-app", "app.pr")+`" #f>
`)
	for _, sub := range []string{"-nested", "-bare", "-app"} {
		require.NoError(t, os.MkdirAll(dir+sub, 0o755))
		t.Cleanup(func() { os.RemoveAll(dir + sub) })
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir+"-nested", "n.pr"), []byte(report("nested")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir+"-bare", "b.pr"), []byte(report("bare")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir+"-app", "app.pr"), []byte(report("app")), 0o644))

	l := startLive(t)
	l.h.Sys.Post(l.h.Root, func(t *eval.Turn) {
		ctl := t.NewRef("control", &eval.Handler{OnMessage: func(*eval.Turn, lang.Value) error { return nil }})
		l.h.SetEnv(l.h.Env().With("control", ctl.Value()))
	})
	l.h.WatchConfig(dir)
	for _, want := range []string{"top: has control", "nested: has control", "bare: no control", "app: no control"} {
		l.eventually(want, func() bool { return strings.Contains(l.out.String(), want) })
	}
	require.NotContains(t, l.out.String(), "app: has control")
	require.NotContains(t, l.out.String(), "bare: has control")
}
