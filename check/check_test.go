package check

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func messages(ds []Diagnostic) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

// TestUndefined pins the scopes of the evaluator (eval/script.go exec, after
// syndicate-server's script/mod.rs Env::eval): one environment per script,
// so a let reaches every instruction after it, blocks included; a pattern's
// binders reach its body only; a =~ binds in its instruction and after it;
// a rewrite caveat's template sees its pattern's binders.
func TestUndefined(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"globals", "<a $config $log>\n$gatekeeper <b>\n", []string{}},
		{"template", "<a $nope>\n", []string{"f.pr:1:4: error: undefined variable $nope"}},
		{"target", "$nowhere <a>\n", []string{"f.pr:1:10: error: undefined variable $nowhere (the target of this assertion)"}},
		{"typo of a bound name", "? <x ?service> <y $servce>\n", []string{"f.pr:1:19: error: undefined variable $servce; did you mean $service?"}},
		{"binder in body", "? <x ?v> [<y $v> ? <z ?w> <q $v $w>]\n", []string{}},
		{"binder outside body", "? <x ?v> <y $v>\n<z $v>\n", []string{"f.pr:2:4: error: undefined variable $v"}},
		{"pattern var", "? <x $v> <y>\n", []string{"f.pr:1:6: error: undefined variable $v"}},
		{"let after", "let ?d = dataspace\n$d <a>\n", []string{}},
		{"let before", "$d <a>\nlet ?d = dataspace\n", []string{"f.pr:1:4: error: undefined variable $d (the target of this assertion)"}},
		{"let in block", "[let ?d = dataspace]\n<a $d>\n", []string{}},
		{"let in body", "? <go> [let ?d = dataspace]\n<a $d>\n", []string{"f.pr:2:4: error: undefined variable $d"}},
		{"cond", "let ?x = <a 1>\n[$x =~ <a ?n> <b $n>]\n<c $n $m>\n", []string{"f.pr:3:7: error: undefined variable $m"}},
		{"cond on env", "[$. =~ {a: ?v} <b $v>]\n", []string{}},
		{"label var", "? <$lbl ?x> <y>\n", []string{"f.pr:1:4: error: undefined variable $lbl (the label of this pattern)"}},
		{"cond subject", "$y =~ <a ?n> <b $n>\n", []string{"f.pr:1:1: error: undefined variable $y (matched with =~)"}},
		{"message", "?? <m ?x> ! <n $x $y>\n", []string{"f.pr:1:19: error: undefined variable $y"}},
		{"on stop", "?- <gone $z>\n", []string{"f.pr:1:10: error: undefined variable $z"}},
		{"expression", "let ?s = stringify $q\n", []string{"f.pr:1:20: error: undefined variable $q"}},
		{"declared", "<a $args>\n# synd:vars args\n", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Checker{Passes: []Pass{&Undefined{Globals: DefaultGlobals}}}
			assert.Equal(t, tc.want, messages(c.CheckSource("f.pr", []byte(tc.src))))
		})
	}
}

func TestTypos(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"known", "<require-service <daemon d>>\n<daemon d {argv: [\"x\"] restart: always}>\n", []string{}},
		{"label", "<require-servce <daemon d>>\n", []string{"f.pr:1:2: warning: unknown record label require-servce; did you mean require-service?"}},
		{"label in pattern", "? <service-sate ?s ?st> <x>\n", []string{"f.pr:1:4: warning: unknown record label service-sate; did you mean service-state?"}},
		{"swapped letters", "<require-service <deamon d>>\n", []string{"f.pr:1:19: warning: unknown record label deamon; did you mean daemon?"}},
		{"daemon option", "<daemon d {argv: \"x\" restrat: always}>\n", []string{"f.pr:1:22: warning: unknown daemon option restrat; did you mean restart?"}},
		{"one-shot option", "<daemon d <one-shot {argv: \"x\" readyOnstrat: #t}>>\n", []string{"f.pr:1:32: warning: unknown daemon option readyOnstrat; did you mean readyOnStart?"}},
		{"user vocabulary", "<uses 1>\n<stopped>\n<deliver x>\n<seen y>\n", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Checker{Passes: []Pass{NewTypos(WellKnownLabels())}}
			assert.Equal(t, tc.want, messages(c.CheckSource("f.pr", []byte(tc.src))))
		})
	}
}

func TestCompileErrorsAndOrder(t *testing.T) {
	c := New(DefaultGlobals)
	ds := c.CheckSource("f.pr", []byte("<require-servce $x>\n?y\n"))
	assert.Equal(t, []string{
		"f.pr:1:2: warning: unknown record label require-servce; did you mean require-service?",
		"f.pr:2:1: error: syntax error: binder ?y cannot stand as an instruction",
	}, messages(ds), "a file that does not compile is still checked for typos, in position order")
	assert.Equal(t, "compile", ds[1].Check)
	ds = c.CheckSource("f.pr", []byte("<a [1 2>\n"))
	require.Len(t, ds, 1)
	assert.Equal(t, Error, ds[0].Severity)
}

// TestTree: directories are walked as a config-watcher walks them, and a
// config-watcher's environment binds names in the files under its directory.
func TestTree(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	write("main.pr", "<require-service <config-watcher \"sub\" {site: \"lab\" config: $config}>>\n")
	write("sub/a.pr", "<here $site>\n")
	write("other/b.pr", "<there $site>\n")
	write(".hidden/c.pr", "<x $hidden>\n")
	write("notes.txt", "<x $txt>\n")
	files, err := Files(dir)
	require.NoError(t, err)
	require.Len(t, files, 3)
	ds, err := New(DefaultGlobals).CheckFiles(files)
	require.NoError(t, err)
	require.Len(t, ds, 1, messages(ds))
	assert.Equal(t, filepath.Join(dir, "other/b.pr")+":1:8: error: undefined variable $site", ds[0].String())
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "abc", 0}, {"restrat", "restart", 1}, {"deamon", "daemon", 1}, {"kitten", "sitting", 3}, {"", "abc", 3}} {
		assert.Equal(t, tc.d, distance(tc.a, tc.b), "%s %s", tc.a, tc.b)
	}
}
