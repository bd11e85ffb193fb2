package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSturdyCommand: synd sturdy mints what syndicate-macaroon mints (the
// refs printed in syndicate-rs's gatekeeper-config.pr), attenuates and
// checks.
func TestSturdyCommand(t *testing.T) {
	code, out, errOut := synd(t, "", "sturdy", "mint", "--oid", "a-service", "--phrase", "hello")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, `<ref {oid: a-service sig: #x"2534c641e60282884c5d6ff64b65c7f2"}>`, strings.TrimSpace(out))
	root := strings.TrimSpace(out)

	code, out, _ = synd(t, "", "sturdy", "mint", "--oid", "a-service", "--key", `#"hello"`,
		"--caveat", `<rewrite <bind <_>> <rec labelled [<lit "alice"> <ref 0>]>>`)
	require.Equal(t, 0, code)
	alice := strings.TrimSpace(out)
	require.Contains(t, alice, `#x"0979fbfab0283b75ebe98e8b69aa7738"`) // #[CXn7+rAoO3Xr6Y6Laap3OA]

	code, out, _ = synd(t, "", "sturdy", "attenuate", "--caveat", `<rewrite <bind <_>> <rec labelled [<lit "alice"> <ref 0>]>>`, root)
	require.Equal(t, 0, code)
	require.Equal(t, alice, strings.TrimSpace(out))

	code, out, _ = synd(t, "", "sturdy", "check", "--phrase", "hello", alice)
	require.Equal(t, 0, code)
	require.Equal(t, "valid\n", out)
	code, _, errOut = synd(t, "", "sturdy", "check", "--phrase", "wrong", alice)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Invalid SturdyRef signature")

	code, _, _ = synd(t, "", "sturdy", "mint", "--oid", "x")
	require.Equal(t, 1, code)
	code, _, _ = synd(t, "", "sturdy", "frob")
	require.Equal(t, 2, code)
	code, out, _ = synd(t, "", "sturdy", "key")
	require.Equal(t, 0, code)
	require.Regexp(t, `^#x"[0-9a-f]{32}"\n$`, out)
	code, out, _ = synd(t, "", "sturdy", "noise-key")
	require.Equal(t, 0, code)
	require.Regexp(t, `^\{key: #x"[0-9a-f]{64}" secretKey: #x"[0-9a-f]{64}"\}\n$`, out)
}
