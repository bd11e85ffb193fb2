package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/stdlib/schema"
)

func TestSchemaCheckCommand(t *testing.T) {
	code, _, errOut := synd(t, "", "schema", "check", "../../stdlib/schemas")
	assert.Equal(t, 0, code, errOut)

	good := writeFile(t, "good.prs", "version 1 .\nA = <a @b B> .\nB = @x int / @y service.State .\n")
	code, out, errOut := synd(t, "", "schema", "check", "-text", good)
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "B =\n  / @x int\n  / @y service.State\n.")
	code, out, _ = synd(t, "", "schema", "check", "-value", good)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "<rec <lit a> <tuple [<named b <ref [] B>>]>>")

	bad := writeFile(t, "bad.prs", "version 1 .\nA = <a @b C> .\n")
	code, _, errOut = synd(t, "", "schema", "check", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "bad.prs:2:8: bad.A refers to C, which no loaded schema defines")

	broken := writeFile(t, "broken.prs", "version 1 .\nA = <a @b <c>> .\n")
	code, _, errOut = synd(t, "", "schema", "check", broken)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "broken.prs:2:8: @b names a compound pattern")
}

func TestSchemaValidateCommand(t *testing.T) {
	values := writeFile(t, "v.pr", "<daemon x {argv: \"a\", restart: alwyas}>\n<daemon y [\"ok\"]>\n")
	code, out, _ := synd(t, "", "schema", "validate", "externalServices", "DaemonProcess", values)
	assert.Equal(t, 0, code, out) // the invalid alternative is part of the schema
	code, out, _ = synd(t, "", "schema", "validate", "-strict", "externalServices", "DaemonProcess", values)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "v.pr:1:32: `restart:` expects one of always, on-error, all, never; found `alwyas`")

	code, out, _ = synd(t, "<depends-on a>", "schema", "validate", "service", "ServiceDependency")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "-:1:1: <depends-on …> expects 2 fields")

	own := writeFile(t, "point.prs", "version 1 .\nPoint = {x: int, y: int} .\n")
	code, out, _ = synd(t, "{x: 1, y: \"2\"}", "schema", "validate", own, "Point")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "-:1:11: `y:` expects an integer; found `\"2\"`")
	code, _, _ = synd(t, "{x: 1, y: 2}", "schema", "validate", own, "Point", "-")
	assert.Equal(t, 0, code)

	code, _, errOut := synd(t, "", "schema", "validate", "service", "NoSuchDef")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "module service has no definition NoSuchDef")
}

// synd check reports records that break their schema, with positions and
// the schema's words (issue 16's must-show list).
func TestCheckSchemas(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"<daemon d {argv: \"x\", restart: alwyas}>\n", "bad.pr:1:32: error: `restart:` expects one of always, on-error, all, never; found `alwyas`"},
		{"<daemon d {argv: 42}>\n", "bad.pr:1:18: error: `argv:` expects one of a string, [@program string @args string ...]; found `42`"},
		{"<daemon d {argv: [\"x\" #t]}>\n", "bad.pr:1:23: error: item 2 (args) expects a string; found `#t`"},
		{"<depends-on <daemon d>>\n", "bad.pr:1:1: error: <depends-on …> expects 2 fields: <depends-on @depender any @dependee ServiceState>"},
	} {
		bad := writeFile(t, "bad.pr", tc.src)
		code, _, errOut := synd(t, "", "check", bad)
		assert.Equal(t, 1, code, tc.src)
		assert.Contains(t, errOut, tc.want)
	}

	// An unknown daemon option is a warning (syndicate-server ignores it):
	// in the schema's words, or as a typo when it is close to a known one.
	bad := writeFile(t, "bad.pr", "<daemon d {argv: \"x\", colour: blue}>\n<daemon e {argv: \"x\", restartt: always}>\n")
	code, _, errOut := synd(t, "", "check", bad)
	assert.Equal(t, 0, code)
	assert.Contains(t, errOut, "bad.pr:1:23: warning: unknown key `colour:`; FullDaemonProcess knows argv, clearEnv, dir, env, protocol, readyOnStart, restart")
	assert.Contains(t, errOut, "bad.pr:2:23: warning: unknown daemon option restartt; did you mean restart?")
	assert.NotContains(t, errOut, "`restartt:`")

	// A config directory's schemas, and --schema DIR's, are used too.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mine.prs"), []byte("version 1 .\nWidget = <widget @size int> .\n"), 0o644))
	script := filepath.Join(dir, "a.pr")
	require.NoError(t, os.WriteFile(script, []byte("<widget big>\n"), 0o644))
	code, _, errOut = synd(t, "", "check", script)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "a.pr:1:9: error: field 1 (size) of <widget> expects an integer; found `big`")

	other := writeFile(t, "b.pr", "<widget 3>\n<widget x>\n")
	code, _, _ = synd(t, "", "check", other)
	assert.Equal(t, 0, code) // no schema knows <widget> there
	code, _, errOut = synd(t, "", "check", "--schema", dir, other)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "b.pr:2:9: error: field 1 (size) of <widget> expects an integer")
}

// Every script of the repository passes the schema check, except the ones
// that are wrong on purpose, checked as one tree as synd check checks a
// config.
func TestCheckSchemasAcceptRepository(t *testing.T) {
	wrongOnPurpose := map[string]string{
		// a daemon whose argv is not strings, to test the runtime's report
		"testdata/services/daemon_policies.pr": "13:19: item 1 (program) expects a string",
		// records the runtime must reject in the schema's words
		"testdata/services/daemon_schema.pr":         "7:52: `restart:` expects one of always, on-error, all, never; found `alwyas`",
		"testdata/services/depends_on_schema.pr":     "5:27: field 2 (dependee) of <depends-on> expects 2 fields",
		"testdata/services/relay_listener_schema.pr": "4:51: field 2 (port) of <tcp> expects an integer",
		"testdata/conformance/super_14_states.pr":    "15:49: `restart:` expects one of always, on-error, all, never; found `bogus`",
		// a <require-service> without its field, to test a caveat's arity
		"testdata/conformance/08_or_accept.pr": "17:3: <require-service …> expects 1 field",
	}
	_, out, errOut := synd(t, "", "check", "--json", "../../examples", "../../testdata")
	var report struct {
		Files       int
		Diagnostics []struct {
			File, Check, Message string
			Line, Column         int
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &report), errOut)
	assert.Greater(t, report.Files, 20)
	seen := map[string]bool{}
	for _, d := range report.Diagnostics {
		if d.Check != "schema" {
			continue
		}
		rel := strings.TrimPrefix(d.File, "../../")
		want, ok := wrongOnPurpose[rel]
		if !assert.True(t, ok, "%s:%d:%d: %s", rel, d.Line, d.Column, d.Message) {
			continue
		}
		if strings.Contains(fmt.Sprintf("%d:%d: %s", d.Line, d.Column, d.Message), want) {
			seen[rel] = true
		}
	}
	for f := range wrongOnPurpose {
		assert.True(t, seen[f], "%s: no diagnostic %q", f, wrongOnPurpose[f])
	}
}

// A .prb bundle is read like the text form: checked, and validated against.
func TestSchemaBundleFile(t *testing.T) {
	s, err := schema.ParseText("point.prs", []byte("version 1 .\nPoint = <point @x int @y int> .\n"))
	require.NoError(t, err)
	bin, err := schema.EncodeBundle(&schema.Bundle{Modules: map[string]*schema.Schema{"geo": s}})
	require.NoError(t, err)
	prb := filepath.Join(t.TempDir(), "geo.prb")
	require.NoError(t, os.WriteFile(prb, bin, 0o644))

	code, out, errOut := synd(t, "", "schema", "check", "-text", prb)
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Point = <point @x int @y int> .")
	code, out, _ = synd(t, "<point 1 two>", "schema", "validate", prb, "Point")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "-:1:10: field 2 (y) of <point> expects an integer; found `two`")

	code, _, errOut = synd(t, "", "schema", "check", writeFile(t, "junk.prb", "\xb4\xb3\x03foo\x84"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "a bundle is <bundle {...}>")
}

// synd stdlib still prints the embedded schemas.
func TestStdlibPrintsSchemas(t *testing.T) {
	code, out, _ := synd(t, "", "stdlib")
	assert.Equal(t, 0, code)
	for _, name := range []string{"service.prs", "externalServices.prs", "internalServices.prs", "gatekeeper.prs", "sturdy.prs", "noise.prs", "transportAddress.prs", "timer.prs", "rpc.prs", "protocol.prs", "dataspacePatterns.prs", "connection.prs"} {
		assert.Contains(t, out, name+"\n")
	}
	code, out, _ = synd(t, "", "stdlib", "externalServices.prs")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "RestartPolicy =")
}

// The language server reports schema mistakes as you type.
func TestSchemaLSPChecker(t *testing.T) {
	c := schemaLSPChecker()
	ps := c.Check("/tmp/x.pr", []byte("<daemon d {argv: \"x\", restart: alwyas, colour: blue}>\n"))
	require.Len(t, ps, 1) // the first mistake of a record
	assert.Equal(t, 32, ps[0].Pos.Column)
	assert.Contains(t, ps[0].Msg, "`restart:` expects one of always, on-error, all, never; found `alwyas`")
	assert.Empty(t, c.Check("/tmp/x.pr", []byte("<daemon d \"x\">\n")))
	assert.Empty(t, c.Check("/tmp/x.pr", []byte("<daemon d [")))
	ps = c.Check("/tmp/x.pr", []byte("<daemon d {argv: \"x\", colour: blue}>\n"))
	require.Len(t, ps, 1)
	assert.Equal(t, "unknown key `colour:`; FullDaemonProcess knows argv, clearEnv, dir, env, protocol, readyOnStart, restart (in field 2 (config) of <daemon>) [closest: DaemonProcessSpec.full] (schema externalServices.DaemonProcess)", ps[0].Msg)
	assert.NotZero(t, ps[0].Severity)
}
