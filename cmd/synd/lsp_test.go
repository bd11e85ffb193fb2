package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLSP: synd lsp answers LSP messages on stdin/stdout and stops at the end
// of its input.
func TestLSP(t *testing.T) {
	frame := func(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }
	in := frame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":1,"rootUri":null,"capabilities":{}}}`) +
		frame(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///tmp/x.pr","languageId":"syndicate","version":1,"text":"? <a ?x>\n"}}}`) +
		frame(`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`) +
		frame(`{"jsonrpc":"2.0","method":"exit"}`)
	code, out, errOut := synd(t, in, "lsp")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, `"hoverProvider":true`)
	assert.Contains(t, out, `"method":"textDocument/publishDiagnostics"`)
	assert.Contains(t, out, `"uri":"file:///tmp/x.pr"`)
	// The replies to initialize and shutdown, and the diagnostics.
	assert.Equal(t, 3, strings.Count(out, "Content-Length:"), out)
}
