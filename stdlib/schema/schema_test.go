package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

func TestMetaschemaValidatesItself(t *testing.T) {
	meta := Metaschema()
	s := meta.Module("schema")
	v := s.Value()
	require.NoError(t, meta.Validate("Schema", v))
	require.NoError(t, meta.ValidateWith("Schema", v, Options{Strict: true}))
	b := &Bundle{Modules: map[string]*Schema{"schema": s}}
	require.NoError(t, meta.Validate("Bundle", b.Value()))

	back, err := FromValue(v)
	require.NoError(t, err)
	assert.True(t, lang.Equal(v, back.Value()))
	again, err := ParseText("metaschema.prs", []byte(Format(s)))
	require.NoError(t, err)
	assert.True(t, lang.Equal(v, again.Value()), Format(s))

	bin, err := EncodeBundle(b)
	require.NoError(t, err)
	rb, err := ReadBundle(bin)
	require.NoError(t, err)
	assert.True(t, lang.Equal(b.Value(), rb.Value()))
}

// A value that is not a schema fails the metaschema, at the right place.
func TestMetaschemaRejects(t *testing.T) {
	meta := Metaschema()
	for _, tc := range []struct{ value, want string }{
		{`<schema {version: 2, embeddedType: #f, definitions: {}}>`, "`version:` expects 1; found `2`"},
		{`<schema {version: 1, embeddedType: #f, definitions: {A: <atom Float>}}>`, "field 1 (atomKind) of <atom> expects one of Boolean, Double, SignedInteger, String, ByteString, Symbol; found `Float`"},
		{`<schema {version: 1, embeddedType: #f}>`, "`definitions:` is missing"},
		{`<schema {version: 1, embeddedType: #f, definitions: {A: <or [["a" any]]>}}>`, "at least 2 items"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			v, err := parser.Parse("t", []byte(tc.value), parser.Options{})
			require.NoError(t, err)
			err = meta.Validate("Schema", v)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseTextErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"A = any .", "t.prs:1:1: a schema must say `version 1 .`"},
		{"version 2 .", "t.prs:1:1: only `version 1 .` is known"},
		{"version 1 . A = any", "t.prs:1:13: this clause does not end"},
		{"version 1 . A = any . A = int .", "t.prs:1:23: A is defined twice"},
		{"version 1 . A = #f / <b> .", "t.prs:1:17: this alternative needs a name"},
		{"version 1 . A = =a / =a .", "two alternatives are called a"},
		{"version 1 . A = <a @x <b>> .", "t.prs:1:20: @x names a compound pattern"},
		{"version 1 . A = [...] .", "`...` must follow a pattern"},
		{"version 1 . A = #{a b} .", "a set pattern is #{PATTERN}"},
		{"version 1 . A = any int .", "one pattern expected after `=`"},
		{"version 1 . A = a..b .", "a..b is not a reference"},
		{"version 1 . A = [any ... any] .", "`...` may only come last"},
	} {
		t.Run(tc.src, func(t *testing.T) {
			_, err := ParseText("t.prs", []byte(tc.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

const testSchema = `version 1 .
Daemon = <daemon @id any @config Spec> .
Spec = @simple CommandLine / @oneShot <one-shot @setup CommandLine> / @full Full .
Full = { argv: CommandLine } & @restart RestartField & @ready ReadyField .
RestartField = @present { restart: Policy } / @invalid { restart: any } / @absent {} .
ReadyField = @present { readyOnStart: bool } / @invalid { readyOnStart: any } / @absent {} .
Policy = =always / @onError =on-error / =all / =never .
CommandLine = @shell string / @full [@program string @args string ...] .
Dep = <depends-on @depender any @dependee State> .
State = <service-state @name any @state any> .
Pair = [int string] .
Names = #{symbol} .
Env = { symbol: string ...:... } .
Box = <box @ref #:any> .
`

func TestValidationErrors(t *testing.T) {
	s, err := ParseText("test.prs", []byte(testSchema))
	require.NoError(t, err)
	set := NewSet()
	set.Add("test", s)
	for _, tc := range []struct {
		def, value string
		strict     bool
		want       string // "" means valid
	}{
		{"Daemon", `<daemon x "true">`, false, ""},
		{"Daemon", `<daemon x ["a" "b"]>`, false, ""},
		{"Daemon", `<daemon x {argv: "a", restart: on-error}>`, true, ""},
		{"Daemon", `<daemon x {argv: "a", restart: alwyas}>`, false, ""}, // the invalid alternative matches
		{"Daemon", `<daemon x {argv: "a", restart: alwyas}>`, true,
			"1:32: `restart:` expects one of always, on-error, all, never; found `alwyas` (in field 2 (config) of <daemon>) [closest: Spec.full > RestartField.present]"},
		{"Daemon", `<daemon x {argv: 5}>`, false,
			"1:18: `argv:` expects one of a string, [@program string @args string ...]; found `5` (in field 2 (config) of <daemon>) [closest: Spec.full]"},
		{"Daemon", `<daemon x {argv: ["a" 5]}>`, false,
			"1:23: item 2 (args) expects a string; found `5` (in field 2 (config) of <daemon>, `argv:`) [closest: Spec.full > CommandLine.full]"},
		{"Daemon", `<daemon x {}>`, false,
			"1:11: `argv:` is missing; it expects a CommandLine (in field 2 (config) of <daemon>) [closest: Spec.full]"},
		{"Daemon", `<daemon x {argv: "a", restrat: all}>`, false, ""},
		{"Daemon", `<daemon x {argv: "a", restrat: all}>`, true,
			"1:23: unknown key `restrat:`; Full knows argv, readyOnStart, restart (in field 2 (config) of <daemon>) [closest: Spec.full]"},
		{"Daemon", `<daemon x 5>`, false,
			"1:11: field 2 (config) of <daemon> expects one of a string, [@program string @args string ...], <one-shot @setup CommandLine>, a dictionary {argv: CommandLine}; found `5`"},
		{"Daemon", `<daemon x>`, false,
			"1:1: <daemon …> expects 2 fields: <daemon @id any @config Spec>; found `<daemon x>`"},
		{"Daemon", `<demon x y>`, false, "expects <daemon @id any @config Spec>; found `<demon x y>`"},
		{"Dep", `<depends-on a>`, false, "expects 2 fields: <depends-on @depender any @dependee State>; found `<depends-on a>`"},
		{"Dep", `<depends-on a <service-state b>>`, false, "1:15: field 2 (dependee) of <depends-on> expects 2 fields"},
		{"Pair", `[1 "a"]`, false, ""},
		{"Pair", `[1 "a" 2]`, false, "expects 2 items (int string)"},
		{"Pair", `["a" "a"]`, false, "1:2: item 1 expects an integer; found `\"a\"`"},
		{"Names", `#{a b}`, false, ""},
		{"Names", `#{a "b"}`, false, "element \"b\" expects a symbol"},
		{"Env", `{a: "x", b: 1}`, false, "1:13: `b:` expects a string; found `1`"},
		{"Env", `{a: "x", "b": "y"}`, false, "`\"b\":` expects a key that is a symbol"},
		{"Box", `<box #:x>`, false, ""},
		{"Box", `<box x>`, false, "expects an embedded reference; found `x`"},
	} {
		t.Run(tc.def+" "+tc.value, func(t *testing.T) {
			v, err := parser.Parse("v", []byte(tc.value), parser.Options{Positions: true})
			require.NoError(t, err)
			err = set.ValidateWith(tc.def, v, Options{Strict: tc.strict})
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, err.Error(), tc.want)
			if strings.HasPrefix(tc.want, "1:") {
				assert.True(t, ve.Pos.IsValid())
			}
		})
	}
}

// Holes (a template's variables) match every pattern.
func TestValidationHoles(t *testing.T) {
	s, err := ParseText("test.prs", []byte(testSchema))
	require.NoError(t, err)
	set := NewSet()
	set.Add("test", s)
	hole := func(v lang.Value) bool {
		sym, ok := lang.Unwrap(v).(lang.Symbol)
		return ok && strings.HasPrefix(string(sym), "$")
	}
	for _, src := range []string{`<daemon x $spec>`, `<daemon x {argv: $a, restart: $r}>`, `<daemon x {argv: ["a" $b]}>`, `<daemon x {$k: 1, argv: "a"}>`} {
		v, err := parser.Parse("v", []byte(src), parser.Options{})
		require.NoError(t, err)
		assert.NoError(t, set.ValidateWith("Daemon", v, Options{Strict: true, Hole: hole}), src)
	}
}

// References to definitions no schema has are reported, and definitions
// that refer to each other without consuming input stop.
func TestValidationBadReferences(t *testing.T) {
	s, err := ParseText("t.prs", []byte("version 1 . A = B . B = A . C = other.D . E = <e @x F> . G = @a G / @b G / @c <g @x G> ."))
	require.NoError(t, err)
	set := NewSet()
	set.Add("t", s)
	assert.ErrorContains(t, set.Validate("A", lang.Int(1)), "refer to each other without end")
	assert.ErrorContains(t, set.Validate("C", lang.Int(1)), "a other.D (which no loaded schema defines)")
	assert.ErrorContains(t, set.Validate("t.E", lang.NewRecord(lang.Symbol("e"), lang.Int(1))), "a F (which no loaded schema defines)")
	assert.ErrorContains(t, set.Validate("Z", lang.Int(1)), "no module defines Z")
	deep := lang.Value(lang.Int(1))
	for range 300 {
		deep = lang.NewRecord(lang.Symbol("g"), deep)
	}
	assert.ErrorContains(t, set.Validate("G", deep), "refer to each other without end")
}

func TestUnresolved(t *testing.T) {
	s, err := ParseText("t.prs", []byte("version 1 . A = <a @b B @c #:Z> . B = other.C / @d [D ...] ."))
	require.NoError(t, err)
	set := NewSet()
	set.Add("t", s)
	assert.Equal(t, []string{
		"t.prs:1:39: t.B refers to other.C, which no loaded schema defines",
		"t.prs:1:53: t.B refers to D, which no loaded schema defines",
	}, set.Unresolved())
}

func TestParseFileInclude(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "base.prs"), []byte("version 1 .\nId = int .\n"), 0o644))
	main := filepath.Join(dir, "main.prs")
	require.NoError(t, os.WriteFile(main, []byte("version 1 .\ninclude \"base.prs\" .\nUser = <user @id Id> .\n"), 0o644))
	s, err := ParseFile(main)
	require.NoError(t, err)
	assert.NotNil(t, s.Lookup("Id"))
	assert.NotNil(t, s.Lookup("User"))

	self := filepath.Join(dir, "self.prs")
	require.NoError(t, os.WriteFile(self, []byte("version 1 .\ninclude \"self.prs\" .\n"), 0o644))
	_, err = ParseFile(self)
	assert.ErrorContains(t, err, "includes nest more than 16 deep")

	_, err = ParseText("t.prs", []byte("version 1 .\ninclude \"base.prs\" .\n"))
	assert.ErrorContains(t, err, "include needs the schema to be read from a file")
}
