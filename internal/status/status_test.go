package status

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

func val(t *testing.T, s string) lang.Value {
	t.Helper()
	v, err := parser.Parse("test", []byte(s), parser.Options{})
	require.NoError(t, err)
	return v
}

func clock() func() time.Time {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { now = now.Add(time.Second); return now }
}

func TestStates(t *testing.T) {
	tests := []struct {
		name    string
		asserts []string
		retract []string
		want    string
	}{
		{"nothing", nil, nil, "down"},
		{"required only", []string{"<require-service <daemon a>>"}, nil, "waiting"},
		{"started", []string{"<require-service <daemon a>>", "<run-service <daemon a>>", "<service-state <daemon a> started>"}, nil, "started"},
		{"ready wins over started", []string{"<service-state <daemon a> started>", "<service-state <daemon a> ready>", "<service-state <daemon a> up>"}, nil, "ready"},
		{"failed wins", []string{"<service-state <daemon a> ready>", "<service-state <daemon a> failed>"}, nil, "failed"},
		{"complete", []string{"<service-state <daemon a> complete>", "<service-state <daemon a> up>"}, nil, "complete"},
		{"user state", []string{"<service-state <daemon a> degraded>"}, nil, "degraded"},
		{"retracted", []string{"<service-state <daemon a> ready>"}, []string{"<service-state <daemon a> ready>"}, "down"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := New(clock())
			m.Assert(val(t, "<require-service <other>>")) // something else is there too
			for _, a := range tc.asserts {
				m.Assert(val(t, a))
			}
			for _, r := range tc.retract {
				m.Retract(val(t, r))
			}
			s, err := m.Find("<daemon a>")
			if tc.want == "down" && err != nil {
				return // never seen at all
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, s.State())
		})
	}
}

func TestDuplicateAssertionsCount(t *testing.T) {
	m := New(clock())
	v := val(t, "<service-state <daemon a> ready>")
	m.Assert(v)
	m.Assert(v)
	m.Retract(v)
	s, err := m.Find("a")
	require.NoError(t, err)
	assert.Equal(t, "ready", s.State(), "one of two equal assertions is still there")
	m.Retract(v)
	assert.Equal(t, "down", s.State())
}

func TestProcessesAndExits(t *testing.T) {
	m := New(clock())
	web := val(t, "<daemon web>")
	m.ProcessStarted(web, 4242)
	m.Log(val(t, `<log "t" {service: <daemon web>, pid: 4242, stream: stdout, line: "listening\n"}>`))
	s, err := m.Find("web")
	require.NoError(t, err)
	assert.Equal(t, []int{4242}, s.PIDs)
	assert.Equal(t, []string{"listening"}, s.Log)
	m.ProcessExited(web, 4242, lang.Int(3))
	m.ProcessExited(web, 0, val(t, `<error "no such file">`))
	assert.Empty(t, s.PIDs)
	assert.Equal(t, 2, s.Exits)
	assert.Equal(t, 1, s.Restarts, "a start attempt after an exit is a restart, even one that fails at once")
	m.ProcessStarted(web, 4343)
	assert.Equal(t, 2, s.Restarts)
	m.ProcessStarted(web, 4344)
	assert.Equal(t, 2, s.Restarts, "a second process without an exit before it is no restart")
	assert.Equal(t, `<error "no such file">`, lang.Format(s.LastExit))
	for i := 0; i < 20; i++ {
		m.Log(val(t, `<log "t" {service: <daemon web>, line: "x"}>`))
	}
	assert.Len(t, s.Log, LogLines, "only the latest lines are kept")
}

// TestWhy walks require-service → depends-on → service-state to the first
// unmet dependency, as dependencies.rs's tracker waits on them.
func TestWhy(t *testing.T) {
	m := New(clock())
	for _, a := range []string{
		"<require-service <daemon docker>>",
		"<depends-on <daemon docker> <service-state <milestone network> up>>",
		"<depends-on <milestone network> <service-state <daemon udhcpc eth0> up>>",
		"<depends-on <daemon docker> <service-state <daemon containerd> ready>>",
		"<service-state <daemon containerd> ready>",
		"<service-state <daemon udhcpc eth0> failed>",
	} {
		m.Assert(val(t, a))
	}
	m.ProcessExited(val(t, "<daemon udhcpc eth0>"), 77, lang.Int(127))
	m.Log(val(t, `<log "t" {service: <daemon udhcpc eth0>, stream: stderr, line: "udhcpc: not found\n"}>`))
	s, err := m.Find("docker")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"<daemon docker> waits for <milestone network> to be up",
		"<milestone network> waits for <daemon udhcpc eth0> to be up",
		"<daemon udhcpc eth0> is failed, exited 1 time, last exit 127: udhcpc: not found",
	}, m.Why(s))

	m.Assert(val(t, "<depends-on <daemon udhcpc eth0> <service-state <daemon docker> up>>"))
	m.Retract(val(t, "<service-state <daemon udhcpc eth0> failed>"))
	got := m.Why(s)
	assert.Equal(t, "<daemon docker> is part of a dependency cycle", got[len(got)-1])
}

func TestFindAmbiguous(t *testing.T) {
	m := New(clock())
	m.Assert(val(t, "<require-service <daemon a1>>"))
	m.Assert(val(t, "<require-service <daemon a2>>"))
	_, err := m.Find("a")
	assert.ErrorContains(t, err, "matches 2 services")
	_, err = m.Find("zzz")
	assert.ErrorContains(t, err, "no service matches")
}

func TestFromFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	a := write("a.pr", `<require-service <daemon web>>
<depends-on <daemon web> <service-state <milestone network> up>>
? <thing ?x> [ <require-service <daemon $x>> ]
<daemon web "httpd">`)
	b := write("b.pr", `<require-service <milestone network>> <broken`)
	m, errs := FromFiles([]string{a, b, filepath.Join(dir, "missing.pr")})
	require.Len(t, errs, 2)
	assert.ErrorContains(t, errs[0], "b.pr")
	var names []string
	for _, s := range m.Services() {
		names = append(names, Key(s.Name))
	}
	assert.Equal(t, []string{"<daemon web>", "<milestone network>"}, names, "templates with variables are left out")
	web, _ := m.Find("web")
	assert.True(t, web.Required)
	assert.Len(t, web.Deps, 1)
}

// TestEvents follows a daemon that fails and is restarted, as the daemon
// class's states change (started, then failed, then started again).
func TestEvents(t *testing.T) {
	m := New(clock())
	var got []string
	var buf strings.Builder
	logf := Logger(slog.New(slog.NewJSONHandler(&buf, nil)))
	m.OnEvent = func(e Event) {
		got = append(got, e.Kind)
		logf(e)
	}
	svc := "<daemon web>"
	m.Assert(val(t, "<require-service "+svc+">"))
	m.Assert(val(t, "<run-service "+svc+">"))
	m.Assert(val(t, "<service-state "+svc+" started>"))
	m.Assert(val(t, "<service-state "+svc+" ready>"))
	m.ProcessExited(val(t, "<daemon web>"), 12, lang.Int(1))
	m.Retract(val(t, "<service-state "+svc+" ready>"))
	m.Retract(val(t, "<service-state "+svc+" started>"))
	m.Assert(val(t, "<service-state "+svc+" failed>"))
	m.Retract(val(t, "<service-state "+svc+" failed>"))
	m.Assert(val(t, "<service-state "+svc+" started>"))
	m.Assert(val(t, "<service-state "+svc+" degraded>"))
	m.Retract(val(t, "<service-state "+svc+" started>"))
	m.Retract(val(t, "<service-state "+svc+" degraded>"))
	m.Retract(val(t, "<require-service "+svc+">"))
	m.Retract(val(t, "<run-service "+svc+">"))
	assert.Equal(t, []string{"required", "started", "ready", "exited", "failed", "restarted", "state", "released", "stopped"}, got)
	s, _ := m.Find("web")
	assert.Equal(t, 1, s.Restarts)

	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &r))
		records = append(records, r)
	}
	require.Len(t, records, len(got))
	assert.Equal(t, "service exited", records[3]["msg"])
	assert.Equal(t, "WARN", records[3]["level"])
	assert.Equal(t, "1", records[3]["status"])
	assert.Equal(t, "ERROR", records[4]["level"])
	assert.Equal(t, "<daemon web>", records[5]["service"])
	assert.Equal(t, float64(1), records[5]["count"])
	assert.NotZero(t, records[5]["delay"])
}

func TestSnapshotRoundTrip(t *testing.T) {
	m := New(clock())
	for _, a := range []string{
		"<require-service <daemon docker>>",
		"<run-service <daemon docker>>",
		"<depends-on <daemon docker> <service-state <milestone network> up>>",
		"<service-state <daemon docker> started>",
	} {
		m.Assert(val(t, a))
	}
	m.ProcessStarted(val(t, "<daemon docker>"), 98)
	m.ProcessExited(val(t, "<daemon docker>"), 98, lang.Int(2))
	m.ProcessStarted(val(t, "<daemon docker>"), 99)
	snap := m.Snapshot()
	text := lang.Format(snap)
	back, err := parser.Parse("snap", []byte(text), parser.Options{})
	require.NoError(t, err)
	m2, err := Load(back)
	require.NoError(t, err)
	assert.Equal(t, lang.Format(snap), lang.Format(m2.Snapshot()), "Load undoes Snapshot")
	s, err := m2.Find("docker")
	require.NoError(t, err)
	assert.Equal(t, []int{99}, s.PIDs)
	assert.Equal(t, "started", s.State())
	assert.Equal(t, "<daemon docker> waits for <milestone network> to be up", m2.Why(s)[0])

	for _, bad := range []string{"1", "[1]", "[{}]"} {
		_, err := Load(val(t, bad))
		assert.Error(t, err, bad)
	}
}

func TestShortElidesReferences(t *testing.T) {
	ref := lang.Embedded{Ref: lang.Symbol("a long description of a reference")}
	name := lang.NewRecord(lang.Symbol("config-watcher"), lang.String("etc"),
		mustDict(t, lang.DictEntry{Key: lang.Symbol("gatekeeper"), Value: ref}))
	assert.Equal(t, `<config-watcher "etc" {gatekeeper: #:…}>`, Short(name))
	assert.Contains(t, Key(name), "a long description", "Key keeps the whole text")
	assert.Equal(t, "<daemon web>", Short(val(t, "<daemon web>")))
}

func mustDict(t *testing.T, es ...lang.DictEntry) *lang.Dictionary {
	d, err := lang.NewDictionary(es...)
	require.NoError(t, err)
	return d
}
