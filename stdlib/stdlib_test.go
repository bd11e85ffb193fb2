package stdlib_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib"
)

func val(t *testing.T, s string) lang.Value {
	t.Helper()
	v, err := parser.Parse("t", []byte(s), parser.Options{})
	require.NoError(t, err)
	return v
}

func TestParseProcessSpec(t *testing.T) {
	s, err := stdlib.ParseProcessSpec(val(t, `{argv: ["ls" "-l"], env: {A: "1", B: #f}, dir: "/tmp", clearEnv: #t}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"ls", "-l"}, s.Argv)
	assert.Equal(t, "/tmp", s.Dir)
	assert.True(t, s.ClearEnv)
	require.Contains(t, s.Env, "A")
	assert.Equal(t, "1", *s.Env["A"])
	assert.Nil(t, s.Env["B"], "#f removes a variable")

	for _, tc := range []struct{ spec, err string }{
		{`"ls"`, "must be a dictionary"},
		{`{}`, "needs argv"},
		{`{argv: []}`, "non-empty sequence"},
		{`{argv: [1]}`, "argv must hold strings"},
		{`{argv: ["x"], env: {A: #t}}`, "#t is not a value"},
		{`{argv: ["x"], env: {A: 1}}`, "must be a string or #f"},
		{`{argv: ["x"], dir: 1}`, "dir must be a string"},
		{`{argv: ["x"], clearEnv: "yes"}`, "clearEnv must be #t or #f"},
	} {
		_, err := stdlib.ParseProcessSpec(val(t, tc.spec))
		assert.ErrorContains(t, err, tc.err, tc.spec)
	}
}

func TestSettingsStore(t *testing.T) {
	store := stdlib.SettingsStore{Dir: t.TempDir()}
	read := func(file string, src []byte) ([]lang.Value, error) {
		return parser.ParseAll(file, src, parser.Options{})
	}
	require.NoError(t, store.Set(val(t, "<b>")))
	require.NoError(t, store.Set(val(t, "<a 1>")))
	require.NoError(t, store.Set(val(t, "<a 1>")), "setting twice is fine")
	vs, err := store.List(read)
	require.NoError(t, err)
	assert.Equal(t, "[<a 1> <b>]", lang.Format(lang.Sequence(vs)))
	require.NoError(t, store.Unset(val(t, "<a 1>")))
	assert.ErrorContains(t, store.Unset(val(t, "<a 1>")), "is not set")
	vs, err = store.List(read)
	require.NoError(t, err)
	assert.Equal(t, "[<b>]", lang.Format(lang.Sequence(vs)))
}

func TestClassesEmbedded(t *testing.T) {
	names := map[string]bool{}
	for _, c := range stdlib.Classes() {
		names[c.Name] = true
		_, err := parser.CompileFile(c.Name, c.Source)
		assert.NoError(t, err, "%s compiles", c.Name)
	}
	for _, n := range []string{"milestone.pr", "daemon.pr", "config-watcher.pr", "user-settings.pr", "service-state.pr"} {
		assert.True(t, names[n], n)
	}
}

// The connection schema documents the class: it reads as Preserves text, and
// every record it defines is one the class (or the processes it runs) uses.
func TestConnectionSchemaMatchesClass(t *testing.T) {
	var schema, class []byte
	for _, s := range stdlib.Schemas() {
		if s.Name == "connection.prs" {
			schema = s.Source
		}
	}
	for _, c := range stdlib.Classes() {
		if c.Name == "connections.pr" {
			class = c.Source
		}
	}
	require.NotNil(t, schema)
	require.NotNil(t, class)
	vs, err := parser.ParseAll("connection.prs", schema, parser.Options{})
	require.NoError(t, err)
	labels := map[string]bool{}
	var walk func(v lang.Value)
	walk = func(v lang.Value) {
		switch x := lang.Unwrap(v).(type) {
		case *lang.Record:
			if s, ok := lang.Unwrap(x.Label).(lang.Symbol); ok {
				labels[string(s)] = true
			}
			for _, f := range x.Fields {
				walk(f)
			}
		}
	}
	for _, v := range vs {
		walk(v)
	}
	for _, l := range []string{"expose", "user-session", "app-process", "connect", "connection-request", "accept", "reject", "notify", "method", "signal", "accepted", "rejected", "failed", "ended", "notification", "registry", "registry-set", "service-instance"} {
		assert.True(t, labels[l], "the schema defines <%s ...>", l)
	}
	// Every record the schema defines is read or written by the class (in a
	// pattern, a template or a capability's caveats), so none is stale.
	for l := range labels {
		assert.Contains(t, string(class), "<"+l, "the class uses <%s ...>", l)
	}
}

// A bad daemon spec is reported naming the field at fault (issue 17.18), as
// syndicate-server's daemon.rs run checks readyOnStart, restart and protocol
// and FullProcess::build_command checks dir, clearEnv and env.
func TestElaborateDaemonSpec(t *testing.T) {
	p, err := stdlib.ElaborateDaemonSpec(val(t, `<one-shot "setup">`))
	require.NoError(t, err)
	assert.Equal(t, []string{"sh", "-c", "setup"}, p.Process.Argv)
	assert.False(t, p.ReadyOnStart)
	assert.Equal(t, stdlib.RestartOnError, p.Restart)
	p, err = stdlib.ElaborateDaemonSpec(val(t, `{argv: "serve --now", restart: never, readyOnStart: #f, protocol: text/syndicate}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"sh", "-c", "serve --now"}, p.Process.Argv)
	assert.Equal(t, stdlib.RestartNever, p.Restart)
	assert.Equal(t, "text/syndicate", p.Process.Protocol)

	for _, tc := range []struct {
		spec, err string
		shape     bool
	}{
		{`{argv: ["x"], restart: bogus}`, "restart must be always, on-error, all or never, not bogus", false},
		{`{argv: ["x"], restart: "always"}`, `restart must be always, on-error, all or never, not "always"`, false},
		{`{argv: ["x"], readyOnStart: "yes"}`, `readyOnStart must be #t or #f, not "yes"`, false},
		{`{argv: ["x"], dir: 1}`, "dir must be a string, not 1", false},
		{`{argv: ["x"], clearEnv: 0}`, "clearEnv must be #t or #f, not 0", false},
		{`{argv: ["x"], protocol: http}`, "protocol must be none, application/syndicate or text/syndicate, not http", false},
		{`{argv: ["x"], env: {"1X": "y"}}`, `env: "1X" is not a valid variable name`, false},
		{`{argv: ["x"], env: {A: 1}}`, "env A must be a string or #f, not 1", false},
		{`{argv: ["x"], env: {A: "1", "A": "2"}}`, "env: A is given twice", false},
		{`{argv: []}`, "argv must be a shell string or a non-empty sequence of strings", true},
		{`{restart: never}`, "a dictionary spec needs argv", true},
		{`[1 2]`, "argv must hold strings, not 1", true},
		{`<one-shot 3>`, "one-shot: argv must be a shell string", true},
		{`42`, "not a daemon process spec: 42", true},
	} {
		_, err := stdlib.ElaborateDaemonSpec(val(t, tc.spec))
		assert.ErrorContains(t, err, tc.err, tc.spec)
		assert.Equal(t, tc.shape, errors.Is(err, stdlib.ErrDaemonShape), tc.spec)
	}
}
