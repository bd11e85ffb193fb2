package lsp

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/synd-lang/synd/lang"
)

// client is the editor's end of an LSP session with a Server over a pipe.
type client struct {
	t     *testing.T
	conn  jsonrpc2.Conn
	diags chan protocol.PublishDiagnosticsParams
	done  chan error
}

func startSession(t *testing.T, opts Options, root string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	srvEnd, cliEnd := net.Pipe()
	c := &client{t: t, diags: make(chan protocol.PublishDiagnosticsParams, 16), done: make(chan error, 1)}
	go func() { c.done <- NewServer(opts).Serve(ctx, srvEnd) }()
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(cliEnd))
	c.conn.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if req.Method() == protocol.MethodTextDocumentPublishDiagnostics {
			var p protocol.PublishDiagnosticsParams
			require.NoError(t, json.Unmarshal(req.Params(), &p))
			c.diags <- p
		}
		return reply(ctx, nil, nil)
	})
	var res protocol.InitializeResult
	c.call(protocol.MethodInitialize, protocol.InitializeParams{
		//lint:ignore SA1019 the test speaks as a client that sends both
		RootURI:          protocol.DocumentURI(uri.File(root)),
		WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(uri.File(root)), Name: "config"}},
	}, &res)
	assert.Equal(t, true, res.Capabilities.HoverProvider)
	c.notify(protocol.MethodInitialized, protocol.InitializedParams{})
	return c
}

func (c *client) call(method string, params, result any) {
	c.t.Helper()
	_, err := c.conn.Call(context.Background(), method, params, result)
	require.NoError(c.t, err, method)
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	require.NoError(c.t, c.conn.Notify(context.Background(), method, params))
}

func (c *client) open(path, text string) protocol.PublishDiagnosticsParams {
	c.t.Helper()
	c.notify(protocol.MethodTextDocumentDidOpen, protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: protocol.DocumentURI(uri.File(path)), LanguageID: "syndicate", Version: 1, Text: text}})
	return c.nextDiagnostics()
}

func (c *client) nextDiagnostics() protocol.PublishDiagnosticsParams {
	c.t.Helper()
	select {
	case p := <-c.diags:
		return p
	case <-time.After(10 * time.Second):
		c.t.Fatal("no diagnostics published")
	}
	return protocol.PublishDiagnosticsParams{}
}

func (c *client) close() {
	c.t.Helper()
	c.call(protocol.MethodShutdown, nil, nil)
	c.notify(protocol.MethodExit, nil)
	select {
	case err := <-c.done:
		assert.NoError(c.t, err)
	case <-time.After(10 * time.Second):
		c.t.Fatal("the server did not stop on exit")
	}
}

// at is the position of the first occurrence of marker in text, plus skip
// characters (the test texts are ASCII).
func at(text, marker string, skip int) protocol.Position {
	i := strings.Index(text, marker)
	if i < 0 {
		panic("marker not found: " + marker)
	}
	i += skip
	line := strings.Count(text[:i], "\n")
	col := i - (strings.LastIndex(text[:i], "\n") + 1)
	return protocol.Position{Line: uint32(line), Character: uint32(col)}
}

func docPos(path string, p protocol.Position) protocol.TextDocumentPositionParams {
	return protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: protocol.DocumentURI(uri.File(path))}, Position: p}
}

const servicesPr = `# The services of this machine.
<require-service <daemon web>>
? <service-object <daemon web> ?obj> [
  let ?greeting = "hi"
  $obj ! <hello $greeting>
]
`

const daemonsPr = `# How to run them.
<daemon other ["true"]>
<daemon web {
  argv: ["httpd" "-f"]
  restart: always
}>
`

// TestSession drives the server as an editor would, over a pipe with real
// LSP messages.
func TestSession(t *testing.T) {
	root := t.TempDir()
	services := filepath.Join(root, "services.pr")
	daemons := filepath.Join(root, "sub", "daemons.pr")
	require.NoError(t, os.MkdirAll(filepath.Dir(daemons), 0o755))
	require.NoError(t, os.WriteFile(services, []byte(servicesPr), 0o644))
	require.NoError(t, os.WriteFile(daemons, []byte(daemonsPr), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "sub", "site.prs"), []byte("version 1 .\n# A web site this machine serves.\nSite = <site @name string @port int> .\n"), 0o644))
	c := startSession(t, Options{}, root)

	// A file with an error: the compiler's diagnostic, with its position.
	bad := filepath.Join(root, "bad.pr")
	badText := "<require-service <daemon web>>\n? <x ?y>\n"
	p := c.open(bad, badText)
	assert.Equal(t, protocol.DocumentURI(uri.File(bad)), p.URI)
	require.Len(t, p.Diagnostics, 1)
	assert.Equal(t, "synd", p.Diagnostics[0].Source)
	assert.Equal(t, protocol.DiagnosticSeverityError, p.Diagnostics[0].Severity)
	assert.Contains(t, p.Diagnostics[0].Message, "?")
	assert.Equal(t, uint32(1), p.Diagnostics[0].Range.Start.Line)

	// As the user types the fix, the diagnostic goes away.
	c.notify(protocol.MethodTextDocumentDidChange, protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: protocol.DocumentURI(uri.File(bad))}, Version: 2},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{Text: badText + "  <seen $y>\n"}},
	})
	p = c.nextDiagnostics()
	assert.Empty(t, p.Diagnostics)

	// The other checks of synd check: a likely typo (a warning) and an
	// undefined variable.
	p = c.open(filepath.Join(root, "typo.pr"), "<require-servce <daemon web>>\n$nope ! <x>\n")
	require.Len(t, p.Diagnostics, 2)
	assert.Equal(t, protocol.DiagnosticSeverityWarning, p.Diagnostics[0].Severity)
	assert.Equal(t, "typo", p.Diagnostics[0].Code)
	assert.Contains(t, p.Diagnostics[0].Message, "require-service")
	assert.Equal(t, protocol.Range{Start: protocol.Position{Line: 0, Character: 1}, End: protocol.Position{Line: 0, Character: 15}}, p.Diagnostics[0].Range)
	assert.Equal(t, protocol.DiagnosticSeverityError, p.Diagnostics[1].Severity)
	assert.Equal(t, "undefined", p.Diagnostics[1].Code)
	assert.Contains(t, p.Diagnostics[1].Message, "$nope")

	// A syntax error while typing is a diagnostic too, where it is.
	p = c.open(filepath.Join(root, "typing.pr"), "<a>\n<b [c>\n")
	require.Len(t, p.Diagnostics, 1)
	assert.Equal(t, uint32(1), p.Diagnostics[0].Range.Start.Line)

	assert.Empty(t, c.open(services, servicesPr).Diagnostics)

	// Hover on a label documented by a schema shows the definition and its docs.
	c.open(filepath.Join(root, "conn.pr"), "<expose <main app> \"prog.pr\">\n")
	var h protocol.Hover
	c.call(protocol.MethodTextDocumentHover, docPos(filepath.Join(root, "conn.pr"), protocol.Position{Line: 0, Character: 3}), &h)
	assert.Equal(t, protocol.Markdown, h.Contents.Kind)
	assert.Contains(t, h.Contents.Value, "Expose = <expose @address Address @program string> .")
	assert.Contains(t, h.Contents.Value, "An application (or the system) offers a service")
	// ... and so does a schema of the workspace.
	c.open(filepath.Join(root, "site.pr"), "<site \"blog\" 8080>\n")
	c.call(protocol.MethodTextDocumentHover, docPos(filepath.Join(root, "site.pr"), protocol.Position{Line: 0, Character: 2}), &h)
	assert.Contains(t, h.Contents.Value, "Site = <site @name string @port int> .")
	assert.Contains(t, h.Contents.Value, "A web site this machine serves.")
	assert.Contains(t, h.Contents.Value, "sub/site.prs")
	// Hover on a label of a built-in class shows the class's documentation.
	c.call(protocol.MethodTextDocumentHover, docPos(services, at(servicesPr, "<daemon web>>", 1)), &h)
	assert.Contains(t, h.Contents.Value, "daemon.pr")
	assert.Contains(t, h.Contents.Value, "supervised OS processes")
	// Hover on a variable says where it is bound.
	c.call(protocol.MethodTextDocumentHover, docPos(services, at(servicesPr, "$greeting", 0)), &h)
	assert.Contains(t, h.Contents.Value, "bound by `?greeting` at line 4")

	// Definition across two files: from the daemon's name to its spec, in a
	// file of the workspace that is not open.
	var locs []protocol.Location
	c.call(protocol.MethodTextDocumentDefinition, docPos(services, at(servicesPr, "<daemon web>>", 9)), &locs)
	require.Len(t, locs, 1)
	assert.Equal(t, protocol.DocumentURI(uri.File(daemons)), locs[0].URI)
	assert.Equal(t, protocol.Position{Line: 2, Character: 0}, locs[0].Range.Start)
	assert.Equal(t, protocol.Position{Line: 5, Character: 2}, locs[0].Range.End)
	// A workspace file changed on disk is read again.
	require.NoError(t, os.WriteFile(daemons, []byte("# moved down\n"+daemonsPr), 0o644))
	c.call(protocol.MethodTextDocumentDefinition, docPos(services, at(servicesPr, "<daemon web>>", 9)), &locs)
	require.Len(t, locs, 1)
	assert.Equal(t, protocol.Position{Line: 3, Character: 0}, locs[0].Range.Start)
	// ... also with the cursor on require-service.
	c.call(protocol.MethodTextDocumentDefinition, docPos(services, at(servicesPr, "require-service", 2)), &locs)
	require.Len(t, locs, 1)
	assert.Equal(t, protocol.DocumentURI(uri.File(daemons)), locs[0].URI)
	// From a variable to its binder.
	c.call(protocol.MethodTextDocumentDefinition, docPos(services, at(servicesPr, "$obj", 1)), &locs)
	require.Len(t, locs, 1)
	assert.Equal(t, at(servicesPr, "?obj", 0), locs[0].Range.Start)

	// Completion inside a daemon spec: the keys, then a key's values.
	typing := filepath.Join(root, "new.pr")
	text := "let ?port = 80\n<daemon db {\n  re"
	c.open(typing, text)
	var list protocol.CompletionList
	c.call(protocol.MethodTextDocumentCompletion, protocol.CompletionParams{TextDocumentPositionParams: docPos(typing, at(text, "re", 2))}, &list)
	assert.Equal(t, []string{"readyOnStart", "restart"}, labels(list))
	text = "<daemon db {\n  argv: \"db\"\n  restart: "
	c.open(typing, text)
	c.call(protocol.MethodTextDocumentCompletion, protocol.CompletionParams{TextDocumentPositionParams: docPos(typing, at(text, "restart: ", 9))}, &list)
	assert.Equal(t, []string{"always", "on-error", "all", "never"}, labels(list))
	text = "<daemon db {\n  \n}>"
	c.open(typing, text)
	c.call(protocol.MethodTextDocumentCompletion, protocol.CompletionParams{TextDocumentPositionParams: docPos(typing, protocol.Position{Line: 1, Character: 2})}, &list)
	assert.Equal(t, []string{"argv", "env", "dir", "clearEnv", "readyOnStart", "restart", "protocol"}, labels(list))
	assert.Equal(t, "argv: ", list.Items[0].InsertText)
	// Labels after `<`: the schemas', the classes' and the workspace's.
	text = "<requ"
	c.open(typing, text)
	c.call(protocol.MethodTextDocumentCompletion, protocol.CompletionParams{TextDocumentPositionParams: docPos(typing, protocol.Position{Line: 0, Character: 5})}, &list)
	assert.Contains(t, labels(list), "require-service")
	text = "<relay-li"
	c.open(typing, text)
	c.call(protocol.MethodTextDocumentCompletion, protocol.CompletionParams{TextDocumentPositionParams: docPos(typing, protocol.Position{Line: 0, Character: 9})}, &list)
	assert.Equal(t, []string{"relay-listener"}, labels(list))
	// Variables in scope: binders of enclosing blocks, not of closed ones.
	text = "? <a ?x> [\n  let ?y = 1\n]\n? <b ?z> [\n  <c $"
	c.open(typing, text)
	c.call(protocol.MethodTextDocumentCompletion, protocol.CompletionParams{TextDocumentPositionParams: docPos(typing, protocol.Position{Line: 4, Character: 6})}, &list)
	assert.Equal(t, []string{"$z", "$x", "$config", "$log"}, labels(list))

	// Formatting is synd fmt's.
	c.open(typing, "<daemon   x {\nargv: \"x\"\n}>")
	var edits []protocol.TextEdit
	c.call(protocol.MethodTextDocumentFormatting, protocol.DocumentFormattingParams{TextDocument: protocol.TextDocumentIdentifier{URI: protocol.DocumentURI(uri.File(typing))}}, &edits)
	require.Len(t, edits, 1)
	assert.Equal(t, "<daemon x {\n  argv: \"x\"\n}>\n", edits[0].NewText)
	assert.Equal(t, protocol.Position{Line: 2, Character: 2}, edits[0].Range.End)

	// An unknown request is an error reply, not the end of the session.
	_, err := c.conn.Call(context.Background(), "synd/noSuchMethod", nil, nil)
	assert.Error(t, err)

	c.close()
}

// TestCheckersArePluggable: a second diagnostic source runs beside the
// compiler.
func TestCheckersArePluggable(t *testing.T) {
	root := t.TempDir()
	extra := Checker{Name: "house-rules", Check: func(path string, src []byte) []Problem {
		if i := strings.Index(string(src), "forbidden"); i >= 0 {
			return []Problem{{Pos: posAt(path, string(src), i), Msg: "forbidden is not allowed here", Severity: protocol.DiagnosticSeverityWarning}}
		}
		return nil
	}}
	c := startSession(t, Options{Checkers: []Checker{SyndChecker, extra}}, root)
	p := c.open(filepath.Join(root, "a.pr"), "<ok>\n<forbidden>\n")
	require.Len(t, p.Diagnostics, 1)
	assert.Equal(t, "house-rules", p.Diagnostics[0].Source)
	assert.Equal(t, protocol.DiagnosticSeverityWarning, p.Diagnostics[0].Severity)
	assert.Equal(t, protocol.Range{Start: protocol.Position{Line: 1, Character: 1}, End: protocol.Position{Line: 1, Character: 10}}, p.Diagnostics[0].Range)
	c.close()
}

func labels(l protocol.CompletionList) []string {
	out := []string{}
	for _, it := range l.Items {
		out = append(out, it.Label)
	}
	return out
}

func posAt(file, text string, off int) lang.Position {
	line := strings.Count(text[:off], "\n") + 1
	return lang.Position{File: file, Offset: off, Line: line, Column: off - (strings.LastIndex(text[:off], "\n") + 1) + 1}
}

// FuzzDocument: whatever the text and wherever the cursor, the analyses
// behind hover, definition and completion answer without panicking.
func FuzzDocument(f *testing.F) {
	f.Add(servicesPr, 40)
	f.Add("<daemon db {\n  restart: ", 22)
	f.Add("? <a ?x> [\n  <c $", 15)
	f.Add("<a \"unterminated", 5)
	s := NewServer(Options{})
	f.Fuzz(func(t *testing.T, text string, off int) {
		u := protocol.DocumentURI("file:///fuzz.pr")
		d := newDocument(u, "/fuzz.pr", text)
		s.mu.Lock()
		s.open[u] = d
		s.mu.Unlock()
		if off < 0 {
			off = -off
		}
		p := d.position(off % (len(text) + 1))
		s.hover(u, p)
		s.definition(u, p)
		s.complete(u, p)
		s.diagnose(d)
		_, _ = s.format(u)
	})
}
