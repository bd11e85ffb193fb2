package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func synd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = dispatch(&cmdEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHelp(t *testing.T) {
	code, out, _ := synd(t, "", "help")
	assert.Equal(t, 0, code)
	for _, c := range []string{"run", "check", "test", "preserves"} {
		assert.Contains(t, out, "\t"+c)
	}
	for _, c := range []string{"run", "check", "test"} {
		code, _, errOut := synd(t, "", c, "-h")
		assert.Equal(t, 0, code, c)
		assert.Contains(t, errOut, "usage: synd "+c)
	}
	code, _, _ = synd(t, "", "no-such-command")
	assert.Equal(t, 2, code)
}

func TestRun(t *testing.T) {
	code, out, _ := synd(t, "", "run", "../../examples/hello.pr")
	assert.Equal(t, 0, code)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT[0-9:.]+\+00:00 hello, world\n$`, out)

	code, out, _ = synd(t, "", "run", "--trace", "../../examples/hello.pr")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "+ <greeting \"hello, world\">\n")

	bad := writeFile(t, "bad.pr", "<ok>\n?x\n")
	code, out, _ = synd(t, "", "run", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "bad.pr:2:1: syntax error: binder ?x cannot stand as an instruction")
}

func TestCheck(t *testing.T) {
	good := writeFile(t, "good.pr", "<ok>\n? <x ?y> <z $y>\n")
	code, _, errOut := synd(t, "", "check", good)
	assert.Equal(t, 0, code, errOut)
	bad := writeFile(t, "bad.pr", "?x\n_\nlet ?a\n")
	code, _, errOut = synd(t, "", "check", bad)
	assert.Equal(t, 1, code)
	assert.Equal(t, 3, strings.Count(errOut, "bad.pr:"), errOut)
}

func TestTestCommand(t *testing.T) {
	dir := t.TempDir()
	pr := filepath.Join(dir, "t.pr")
	if err := os.WriteFile(pr, []byte("<hello>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := synd(t, "", "test", dir)
	assert.Equal(t, 1, code, "a missing golden file fails")
	assert.Contains(t, out, "0 passed, 1 failed")
	code, _, _ = synd(t, "", "test", "-update", dir)
	assert.Equal(t, 0, code)
	code, out, _ = synd(t, "", "test", dir)
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "1 passed, 0 failed")
	if err := os.WriteFile(pr, []byte("<changed>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = synd(t, "", "test", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "- + <hello>")
	assert.Contains(t, out, "+ + <changed>")
}

func TestPreservesConvert(t *testing.T) {
	code, out, _ := synd(t, "{b: 2 a: 1} [1, 2]", "preserves", "convert", "--to", "text")
	assert.Equal(t, 0, code)
	assert.Equal(t, "{a: 1 b: 2}\n[1 2]\n", out)
	code, out, _ = synd(t, "{b: 2 a: 1}", "preserves", "convert", "--to", "hex")
	assert.Equal(t, 0, code)
	assert.Equal(t, "b7b30161b00101b30162b0010284\n", out)
	code, out, errOut := synd(t, "1 [2", "preserves", "convert")
	assert.Equal(t, 1, code)
	assert.Equal(t, "1\n", out, "values before the bad one are written, nothing of it")
	assert.Contains(t, errOut, "<stdin>:1:5: input ended early")
	code, _, errOut = synd(t, "\xb5\x81", "preserves", "convert", "--from", "binary")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "<stdin>: byte 2: input ended early")
	code, out, _ = synd(t, "@a [1 # c\n]", "preserves", "convert", "--annotations", "keep", "--to", "pretty")
	assert.Equal(t, 0, code)
	assert.Equal(t, "@a [1]\n", out)
}

func TestSettingsCommand(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := synd(t, "", "settings", "--dir", dir, "set", `<mobile-data-apn "internet">`)
	assert.Equal(t, 0, code, errOut)
	code, _, _ = synd(t, "", "settings", "--dir", dir, "set", "<mobile-data-enabled>")
	assert.Equal(t, 0, code)
	code, out, _ := synd(t, "", "settings", "--dir", dir, "list")
	assert.Equal(t, 0, code)
	assert.Equal(t, "<mobile-data-apn \"internet\">\n<mobile-data-enabled>\n", out)
	code, _, _ = synd(t, "", "settings", "--dir", dir, "unset", "<mobile-data-enabled>")
	assert.Equal(t, 0, code)
	code, _, errOut = synd(t, "", "settings", "--dir", dir, "unset", "<mobile-data-enabled>")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "<mobile-data-enabled> is not set")
	code, out, _ = synd(t, "", "settings", "--dir", dir, "list")
	assert.Equal(t, "<mobile-data-apn \"internet\">\n", out)
	code, _, errOut = synd(t, "", "settings", "--dir", dir, "set", "<unclosed")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "input ended early")
}

func TestStdlibReadableAndOverridable(t *testing.T) {
	code, out, _ := synd(t, "", "stdlib")
	assert.Equal(t, 0, code)
	for _, c := range []string{"daemon.pr", "milestone.pr", "config-watcher.pr", "user-settings.pr", "connections.pr", "connection.prs"} {
		assert.Contains(t, out, c)
	}
	code, out, _ = synd(t, "", "stdlib", "milestone")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "? <run-service <milestone ?name>>")
	code, out, _ = synd(t, "", "stdlib", "connection.prs")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "system.processes.service_answer_delay")

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "milestone.pr"), []byte("? <run-service <milestone ?n>> <my-milestone $n>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := writeFile(t, "m.pr", "<require-service <milestone x>>\n")
	code, out, _ = synd(t, "", "run", "--trace", "--stdlib", dir, script)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "+ <my-milestone x>")
	assert.NotContains(t, out, "<service-state <milestone x> ready>", "the built-in class was replaced")
}
