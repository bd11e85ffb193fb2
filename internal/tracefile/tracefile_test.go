package tracefile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

func rec2(label string, fields ...lang.Value) *lang.Record {
	return lang.NewRecord(lang.Symbol(label), fields...)
}

// run drives a small system whose trace goes to tw: a service comes up,
// is announced and goes away.
func run(t *testing.T, tw *Writer, clock *eval.VirtualClock) {
	t.Helper()
	s := eval.NewSystem(clock)
	s.Trace = tw.Trace
	s.Spawn("config", func(tn *eval.Turn) {
		ds := tn.NewDataspace("config")
		tn.During(ds, dataspace.Group{Kind: dataspace.GroupRecord, Label: lang.Symbol("service-state"),
			Entries: []dataspace.GroupEntry{{Key: lang.Int(0), Pattern: dataspace.Bind{Pattern: dataspace.Discard{}}}}},
			func(tn *eval.Turn, caps []lang.Value) {})
		tn.Spawn("daemon", func(tn *eval.Turn) {
			tn.NewFacet(func(tn *eval.Turn) {
				tn.Assert(ds, rec2("service-state", rec2("daemon", lang.Symbol("web")), lang.Symbol("ready")))
				tn.Message(ds, rec2("hello", rec2("daemon", lang.Symbol("web"))))
				// an answer to synd status names every service: not shown by Service
				tn.Message(ds, rec2("synd-status-reply", lang.Symbol("log"), lang.Sequence{rec2("daemon", lang.Symbol("web"))}))
				tn.After(time.Second, func(tn *eval.Turn) { tn.Stop() })
			})
		})
	})
	require.NoError(t, s.Run(context.Background()))
}

// TestWriteAndSummarise writes entries of trace.prs's shape (syndicate's
// trace.rs TraceCollector writes <trace TIMESTAMP ACTOR ACTIVATION>) and
// reads them back.
func TestWriteAndSummarise(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.pr")
	clock := eval.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	tw, err := Create(path, Options{Now: clock.Now})
	require.NoError(t, err)
	run(t, tw, clock)
	require.NoError(t, tw.Close())

	text, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^<trace \d+\.\d{6} \d+ <start <named "daemon">>>$`, string(text))
	assert.Contains(t, string(text), `<dequeue <event <entity `)
	assert.Contains(t, string(text), `<assert <value <service-state <daemon web> ready>> `)
	assert.Contains(t, string(text), `<facet-stop [`)

	s, err := Summarise(Files(path))
	require.NoError(t, err)
	assert.Greater(t, s.Turns, 3)
	assert.Equal(t, 2, s.Kinds["message"])
	assert.Equal(t, 1, s.Labels["service-state"])
	var out strings.Builder
	s.Write(&out, 5)
	assert.Contains(t, out.String(), "actions:\n")
	assert.Contains(t, out.String(), "daemon#")

	out.Reset()
	require.NoError(t, Service(Files(path), "<daemon web>", &out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Equal(t, []string{
		"2026-01-01T00:00:00Z + <service-state <daemon web> ready>",
		"2026-01-01T00:00:00Z ! <hello <daemon web>>",
		"2026-01-01T00:00:01Z - <service-state <daemon web> ready>",
	}, lines)
}

// TestRotation keeps the file under its bound, rotating to FILE.1, FILE.2 and
// dropping what is older than Keep.
func TestRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.pr")
	tw, err := Create(path, Options{MaxSize: 600, Keep: 2})
	require.NoError(t, err)
	for i := 0; i < 10; i++ {
		run(t, tw, eval.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	}
	require.NoError(t, tw.Close())
	files := Files(path)
	assert.Equal(t, []string{path + ".2", path + ".1", path}, files)
	_, err = os.Stat(path + ".3")
	assert.True(t, os.IsNotExist(err))
	for _, f := range files {
		st, err := os.Stat(f)
		require.NoError(t, err)
		assert.LessOrEqual(t, st.Size(), int64(600+300), "a file holds at most one entry past the bound")
	}
	_, err = Summarise(files)
	assert.NoError(t, err, "every rotated file starts on an entry boundary")
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	for i, text := range []string{"<trace 1.0 1 <turn 1 <external x> [<dequeue <event 1 <retract>>>]>>", "<nope>", "<trace"} {
		p := filepath.Join(dir, "t"+string(rune('a'+i)))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		_, _ = Summarise([]string{p})
		_ = Service([]string{p}, "x", &strings.Builder{})
	}
}
