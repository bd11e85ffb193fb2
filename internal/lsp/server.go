// Package lsp is synd's language server: the diagnostics of synd check
// (and of any other Checker) as the user types, hover documentation of
// record labels from the embedded schemas and classes, go-to-definition for
// daemons and variables, completion, and formatting by synd fmt. It speaks
// the Language Server Protocol over any stream (synd lsp uses stdio).
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/synd-lang/synd/check"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/parser/format"
	"github.com/synd-lang/synd/stdlib"
)

// Problem is one finding of a Checker.
type Problem struct {
	Pos      lang.Position // where; Offset is used when set, else Line and Column
	Msg      string
	Severity protocol.DiagnosticSeverity // 0 means an error
	Code     string                      // the kind of problem, e.g. "compile", if the checker names kinds
}

// Checker finds problems in one file's text. Checkers must not change src
// and must not panic on any input.
type Checker struct {
	// Name is the diagnostic's source as editors show it, e.g. "synd".
	Name  string
	Check func(path string, src []byte) []Problem
}

// SyndChecker reports what `synd check` reports for one file: the
// compiler's errors, variables nothing binds (besides the globals synd serve
// binds, and those a "# synd:vars" line names) and likely typos in
// well-known labels; and whatever passes package check gains.
var SyndChecker = Checker{Name: "synd", Check: func(path string, src []byte) []Problem {
	var out []Problem
	for _, d := range check.New(check.DefaultGlobals).CheckSource(path, src) {
		p := Problem{Pos: d.Pos, Msg: d.Message, Code: d.Check}
		if d.Severity == check.Warning {
			p.Severity = protocol.DiagnosticSeverityWarning
		}
		if d.Suggestion != "" && !strings.Contains(d.Message, d.Suggestion) {
			p.Msg += " (did you mean " + d.Suggestion + "?)"
		}
		out = append(out, p)
	}
	return out
}}

// Options configure a Server.
type Options struct {
	// Checkers produce the diagnostics; nil means just SyndChecker.
	Checkers []Checker
	// Schemas and Classes document record labels; nil means stdlib's.
	Schemas, Classes []stdlib.Class
	// MaxFiles bounds how many .pr files of the workspace are indexed for
	// go-to-definition; 0 means 10,000.
	MaxFiles int
}

// Server is one language-server session.
type Server struct {
	opts      Options
	docs      *labelDocs
	wellKnown []string // labels synd check knows (check.WellKnownLabels)

	mu    sync.Mutex
	open  map[protocol.DocumentURI]*document
	roots []string
	conn  jsonrpc2.Conn
	exit  chan struct{}
	files map[string]cachedFile // workspace files read from disk, by path
}

// cachedFile is a workspace file as last read, with what says whether it
// has changed since.
type cachedFile struct {
	mod  time.Time
	size int64
	doc  *document
}

// NewServer makes a server; Serve runs it.
func NewServer(opts Options) *Server {
	if opts.Checkers == nil {
		opts.Checkers = []Checker{SyndChecker}
	}
	if opts.Schemas == nil {
		opts.Schemas = stdlib.Schemas()
	}
	if opts.Classes == nil {
		opts.Classes = stdlib.Classes()
	}
	if opts.MaxFiles <= 0 {
		opts.MaxFiles = 10000
	}
	return &Server{
		opts:      opts,
		docs:      newLabelDocs(opts.Schemas, opts.Classes),
		wellKnown: check.WellKnownLabels(),
		open:      map[protocol.DocumentURI]*document{},
		exit:      make(chan struct{}),
		files:     map[string]cachedFile{},
	}
}

// Serve speaks LSP on rwc until the client sends exit, the stream ends or
// ctx is done.
func (s *Server) Serve(ctx context.Context, rwc io.ReadWriteCloser) error {
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(rwc))
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
	conn.Go(ctx, s.handle)
	select {
	case <-s.exit:
		conn.Close()
		<-conn.Done()
		return nil
	case <-conn.Done():
		err := conn.Err()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) {
			return nil
		}
		return err
	case <-ctx.Done():
		conn.Close()
		return ctx.Err()
	}
}

// handle answers one request or notification. A panic is turned into an
// error reply: no request takes the server down.
func (s *Server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = reply(ctx, nil, fmt.Errorf("internal error in %s: %v\n%s", req.Method(), p, debug.Stack()))
		}
	}()
	decode := func(v any) bool {
		if e := json.Unmarshal(req.Params(), v); e != nil {
			err = reply(ctx, nil, fmt.Errorf("%w: %v", jsonrpc2.ErrInvalidParams, e))
			return false
		}
		return true
	}
	switch req.Method() {
	case protocol.MethodInitialize:
		var p protocol.InitializeParams
		if !decode(&p) {
			return err
		}
		s.initialize(&p)
		return reply(ctx, protocol.InitializeResult{
			Capabilities: protocol.ServerCapabilities{
				TextDocumentSync:           protocol.TextDocumentSyncKindFull,
				HoverProvider:              true,
				DefinitionProvider:         true,
				DocumentFormattingProvider: true,
				CompletionProvider:         &protocol.CompletionOptions{TriggerCharacters: []string{"<", "$", " ", ":"}},
			},
			ServerInfo: &protocol.ServerInfo{Name: "synd"},
		}, nil)
	case protocol.MethodInitialized:
		return reply(ctx, nil, nil)
	case protocol.MethodShutdown:
		return reply(ctx, nil, nil)
	case protocol.MethodExit:
		select {
		case <-s.exit:
		default:
			close(s.exit)
		}
		return reply(ctx, nil, nil)
	case protocol.MethodTextDocumentDidOpen:
		var p protocol.DidOpenTextDocumentParams
		if !decode(&p) {
			return err
		}
		return s.update(ctx, p.TextDocument.URI, p.TextDocument.Text, reply)
	case protocol.MethodTextDocumentDidChange:
		var p protocol.DidChangeTextDocumentParams
		if !decode(&p) {
			return err
		}
		if len(p.ContentChanges) == 0 {
			return reply(ctx, nil, nil)
		}
		return s.update(ctx, p.TextDocument.URI, p.ContentChanges[len(p.ContentChanges)-1].Text, reply)
	case protocol.MethodTextDocumentDidClose:
		var p protocol.DidCloseTextDocumentParams
		if !decode(&p) {
			return err
		}
		s.mu.Lock()
		delete(s.open, p.TextDocument.URI)
		s.mu.Unlock()
		s.publish(ctx, p.TextDocument.URI, nil)
		return reply(ctx, nil, nil)
	case protocol.MethodTextDocumentHover, protocol.MethodTextDocumentDefinition, protocol.MethodTextDocumentCompletion:
		// HoverParams, DefinitionParams and CompletionParams all embed
		// TextDocumentPositionParams; nothing else in them is used.
		var p protocol.TextDocumentPositionParams
		if !decode(&p) {
			return err
		}
		return reply(ctx, s.atPosition(req.Method(), p.TextDocument.URI, p.Position), nil)
	case protocol.MethodTextDocumentFormatting:
		var p protocol.DocumentFormattingParams
		if !decode(&p) {
			return err
		}
		edits, ferr := s.format(p.TextDocument.URI)
		return reply(ctx, edits, ferr)
	}
	if _, ok := req.(*jsonrpc2.Call); ok {
		return jsonrpc2.MethodNotFoundHandler(ctx, reply, req)
	}
	return nil // notifications we do not use ($/cancelRequest, didSave, ...)
}

// initialize records the workspace roots searched for definitions.
func (s *Server) initialize(p *protocol.InitializeParams) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range p.WorkspaceFolders {
		if path := uriPath(protocol.DocumentURI(f.URI)); path != "" {
			s.roots = append(s.roots, path)
		}
	}
	//lint:ignore SA1019 clients that send no workspace folders send only rootUri
	if len(s.roots) == 0 && p.RootURI != "" {
		//lint:ignore SA1019 as above
		if path := uriPath(p.RootURI); path != "" {
			s.roots = append(s.roots, path)
		}
	}
	// The workspace's own schemas document its labels too, as a config
	// directory's *.prs files do for synd check.
	walkWorkspace(s.roots, s.opts.MaxFiles, func(path string) bool { return strings.HasSuffix(path, ".prs") },
		func(root, path string, _ fs.FileInfo) {
			if src, err := os.ReadFile(path); err == nil {
				rel, _ := filepath.Rel(root, path)
				s.docs.addSchema(rel, string(src))
			}
		})
}

// maxWorkspaceFile is the largest file of the workspace the server reads.
const maxWorkspaceFile = 4 << 20

// walkWorkspace calls f for each file under roots (hidden directories
// skipped) that want accepts, at most max of them, leaving out files larger
// than maxWorkspaceFile.
func walkWorkspace(roots []string, max int, want func(path string) bool, f func(root, path string, info fs.FileInfo)) {
	n := 0
	for _, root := range roots {
		_ = filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if e.IsDir() {
				if path != root && strings.HasPrefix(e.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if !want(path) {
				return nil
			}
			if n++; n > max {
				return filepath.SkipAll
			}
			if info, err := e.Info(); err == nil && info.Size() <= maxWorkspaceFile {
				f(root, path, info)
			}
			return nil
		})
	}
}

// uriPath is the file path of a file: URI, or "".
func uriPath(u protocol.DocumentURI) string {
	if !strings.HasPrefix(string(u), "file:") {
		return ""
	}
	return uri.URI(u).Filename()
}

// update stores a document's new text and publishes its diagnostics.
func (s *Server) update(ctx context.Context, u protocol.DocumentURI, text string, reply jsonrpc2.Replier) error {
	path := uriPath(u)
	if path == "" {
		path = string(u)
	}
	d := newDocument(u, path, text)
	s.mu.Lock()
	s.open[u] = d
	s.mu.Unlock()
	s.publish(ctx, u, s.diagnose(d))
	return reply(ctx, nil, nil)
}

// diagnose runs every checker over a document.
func (s *Server) diagnose(d *document) []protocol.Diagnostic {
	out := []protocol.Diagnostic{}
	for _, c := range s.opts.Checkers {
		for _, p := range c.Check(d.path, []byte(d.text)) {
			off := p.Pos.Offset
			if off <= 0 && (p.Pos.Line > 1 || p.Pos.Column > 1) {
				off = d.offset(protocol.Position{Line: uint32(max(p.Pos.Line-1, 0)), Character: uint32(max(p.Pos.Column-1, 0))})
			}
			off = max(0, min(off, len(d.text)))
			end := off + 1
			if i := d.tokenAt(off); i >= 0 && d.toks[i].start == off {
				end = d.toks[i].end
			}
			end = min(end, len(d.text))
			sev := p.Severity
			if sev == 0 {
				sev = protocol.DiagnosticSeverityError
			}
			diag := protocol.Diagnostic{Range: d.span(off, end), Severity: sev, Source: c.Name, Message: p.Msg}
			if p.Code != "" {
				diag.Code = p.Code
			}
			out = append(out, diag)
		}
	}
	return out
}

func (s *Server) publish(ctx context.Context, u protocol.DocumentURI, diags []protocol.Diagnostic) {
	if diags == nil {
		diags = []protocol.Diagnostic{}
	}
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn != nil {
		_ = conn.Notify(ctx, protocol.MethodTextDocumentPublishDiagnostics, &protocol.PublishDiagnosticsParams{URI: u, Diagnostics: diags})
	}
}

func (s *Server) document(u protocol.DocumentURI) *document {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open[u]
}

// atPosition answers a request about a position in a document: hover,
// definition or completion.
func (s *Server) atPosition(method string, u protocol.DocumentURI, pos protocol.Position) any {
	switch method {
	case protocol.MethodTextDocumentHover:
		return s.hover(u, pos)
	case protocol.MethodTextDocumentDefinition:
		return s.definition(u, pos)
	default:
		return s.complete(u, pos)
	}
}

// hover documents the record label under the cursor, or tells where the
// variable under it is bound.
func (s *Server) hover(u protocol.DocumentURI, pos protocol.Position) *protocol.Hover {
	d := s.document(u)
	if d == nil {
		return nil
	}
	i := d.tokenAt(d.offset(pos))
	if i < 0 || d.toks[i].typ != parser.TokBare {
		return nil
	}
	t := d.toks[i]
	var md string
	if strings.HasPrefix(t.val, "$") && len(t.val) > 1 {
		if b, ok := d.binderOf(i); ok {
			p := d.position(d.toks[b.tok].start)
			md = fmt.Sprintf("variable `%s`, bound by `?%s` at line %d", b.name, b.name, p.Line+1)
		} else if name := t.val[1:]; name == "config" || name == "log" {
			md = fmt.Sprintf("variable `%s`: the %s dataspace, bound by the host", name, name)
		}
	} else {
		md = s.docs.hover(t.val)
	}
	if md == "" {
		return nil
	}
	r := d.span(t.start, t.end)
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: md}, Range: &r}
}

// binderOf finds the binder of the `$name` at token i.
func (d *document) binderOf(i int) (binder, bool) {
	name := d.toks[i].val[1:]
	sc := d.scopeAt(d.toks[i].start)
	for k := len(sc.visible) - 1; k >= 0; k-- {
		if sc.visible[k].name == name {
			return sc.visible[k], true
		}
	}
	return binder{}, false
}

// definition goes from a `$var` to its binder, and from a daemon's name
// `<daemon ID>` (as in <require-service <daemon ID>>) to every
// `<daemon ID SPEC>` that defines it in the open files and the workspace.
func (s *Server) definition(u protocol.DocumentURI, pos protocol.Position) []protocol.Location {
	d := s.document(u)
	if d == nil {
		return nil
	}
	off := d.offset(pos)
	if i := d.tokenAt(off); i >= 0 && strings.HasPrefix(d.toks[i].val, "$") && d.toks[i].typ == parser.TokBare {
		if b, ok := d.binderOf(i); ok {
			t := d.toks[b.tok]
			return []protocol.Location{{URI: d.uri, Range: d.span(t.start, t.end)}}
		}
		return nil
	}
	sc := d.scopeAt(off + 1)
	for k := len(sc.stack) - 1; k >= 0; k-- {
		open := sc.stack[k].tok
		if d.labelOf(open) != "daemon" {
			// <require-service <daemon ID>> with the cursor on require-service.
			if d.labelOf(open) != "" && k == len(sc.stack)-1 && d.labelOf(open+2) == "daemon" {
				open += 2
			} else {
				continue
			}
		}
		end := d.closing(open)
		if end < 0 {
			return nil
		}
		rec, ok := d.valueAt(open, end).(*lang.Record)
		if !ok || len(rec.Fields) != 1 {
			return nil // a definition itself, or not a daemon name
		}
		return s.daemonDefinitions(rec.Fields[0])
	}
	return nil
}

// daemonDefinitions finds `<daemon ID SPEC>` records for id.
func (s *Server) daemonDefinitions(id lang.Value) []protocol.Location {
	var out []protocol.Location
	for _, d := range s.workspace() {
		for i := range d.toks {
			if d.labelOf(i) != "daemon" {
				continue
			}
			end := d.closing(i)
			if end < 0 {
				continue
			}
			rec, ok := d.valueAt(i, end).(*lang.Record)
			if ok && len(rec.Fields) >= 2 && lang.Equal(rec.Fields[0], id) {
				out = append(out, protocol.Location{URI: d.uri, Range: d.span(d.toks[i].start, d.toks[end].end)})
			}
		}
	}
	return out
}

// workspace is every open document and every other .pr file under the
// workspace roots (hidden directories skipped), in a stable order.
func (s *Server) workspace() []*document {
	s.mu.Lock()
	docs := make([]*document, 0, len(s.open))
	seen := map[string]bool{}
	for _, d := range s.open {
		docs = append(docs, d)
		seen[d.path] = true
	}
	roots := append([]string(nil), s.roots...)
	s.mu.Unlock()
	fresh := map[string]cachedFile{} // the cache's next contents: files gone from disk leave it
	want := func(path string) bool { return strings.HasSuffix(path, ".pr") && !seen[path] }
	walkWorkspace(roots, s.opts.MaxFiles, want, func(_, path string, info fs.FileInfo) {
		seen[path] = true
		s.mu.Lock()
		c, ok := s.files[path]
		s.mu.Unlock()
		if !ok || !c.mod.Equal(info.ModTime()) || c.size != info.Size() {
			src, err := os.ReadFile(path)
			if err != nil {
				return
			}
			c = cachedFile{mod: info.ModTime(), size: info.Size(), doc: newDocument(protocol.DocumentURI(uri.File(path)), path, string(src))}
		}
		fresh[path] = c
		docs = append(docs, c.doc)
	})
	s.mu.Lock()
	s.files = fresh
	s.mu.Unlock()
	sort.SliceStable(docs, func(i, j int) bool { return docs[i].path < docs[j].path })
	return docs
}

// complete offers what fits at the cursor: daemon spec keys and their
// values inside `<daemon ID {...}>`, labels after `<` (the schemas', the
// protocols' and classes' that synd check knows, and the workspace's),
// variables in scope after `$`.
func (s *Server) complete(u protocol.DocumentURI, pos protocol.Position) *protocol.CompletionList {
	list := &protocol.CompletionList{Items: []protocol.CompletionItem{}}
	d := s.document(u)
	if d == nil {
		return list
	}
	off := d.offset(pos)
	// The word being typed, if the cursor is at the end of one.
	prefix := ""
	if i := d.tokenEndingAt(off); i >= 0 && d.toks[i].typ == parser.TokBare && d.toks[i].end == off {
		prefix = d.toks[i].val
	}
	sc := d.scopeAt(off - len(prefix))
	prev := sc.tokIndex - 1 // the token before the word being typed
	add := func(label, detail string, kind protocol.CompletionItemKind, insert string) {
		if strings.HasPrefix(label, prefix) {
			list.Items = append(list.Items, protocol.CompletionItem{Label: label, Detail: detail, Kind: kind, InsertText: insert})
		}
	}
	switch {
	case strings.HasPrefix(prefix, "$"):
		seen := map[string]bool{}
		for k := len(sc.visible) - 1; k >= 0; k-- {
			if name := sc.visible[k].name; !seen[name] {
				seen[name] = true
				add("$"+name, "bound at line "+fmt.Sprint(d.position(d.toks[sc.visible[k].tok].start).Line+1), protocol.CompletionItemKindVariable, "")
			}
		}
		for _, name := range []string{"config", "log"} {
			if !seen[name] {
				add("$"+name, "the host's "+name+" dataspace", protocol.CompletionItemKindVariable, "")
			}
		}
	case prev >= 0 && d.toks[prev].typ == parser.TokOpenRecord:
		labels := map[string]bool{}
		for _, l := range s.docs.labels() {
			labels[l] = true
		}
		for _, l := range s.wellKnown {
			labels[l] = true
		}
		for _, w := range s.workspace() {
			if v, err := parser.ParseAll(w.path, []byte(w.text), parser.Options{}); err == nil {
				for _, x := range v {
					check.RecordLabels(x, labels)
				}
			}
		}
		var sorted []string
		for l := range labels {
			sorted = append(sorted, l)
		}
		sort.Strings(sorted)
		for _, l := range sorted {
			detail := ""
			if defs := s.docs.defs[l]; len(defs) > 0 {
				detail = defs[0].schema + ": " + defs[0].name
			} else if _, ok := s.docs.classes[l]; ok {
				detail = "built-in class " + l + ".pr"
			}
			add(l, detail, protocol.CompletionItemKindStruct, "")
		}
	case len(sc.stack) >= 2 && d.toks[sc.stack[len(sc.stack)-1].tok].typ == parser.TokOpenDict && d.labelOf(sc.stack[len(sc.stack)-2].tok) == "daemon":
		if prev >= 1 && d.toks[prev].typ == parser.TokColon && d.toks[prev-1].typ == parser.TokBare {
			for _, v := range keyValues[d.toks[prev-1].val] {
				add(v.value, v.doc, protocol.CompletionItemKindEnumMember, "")
			}
			return list
		}
		for _, k := range daemonKeys {
			add(k.key, k.doc, protocol.CompletionItemKindField, k.key+": ")
		}
	}
	return list
}

// format formats a whole document with synd fmt.
func (s *Server) format(u protocol.DocumentURI) ([]protocol.TextEdit, error) {
	d := s.document(u)
	if d == nil {
		return nil, fmt.Errorf("%s is not open", u)
	}
	out, err := format.Source(d.path, []byte(d.text))
	if err != nil {
		return nil, err
	}
	if string(out) == d.text {
		return []protocol.TextEdit{}, nil
	}
	return []protocol.TextEdit{{Range: d.span(0, len(d.text)), NewText: string(out)}}, nil
}
