package main

import (
	"flag"
	"path/filepath"
	"sync"

	"go.lsp.dev/protocol"

	"github.com/synd-lang/synd/check"
	"github.com/synd-lang/synd/internal/lsp"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib/schema"
	"github.com/synd-lang/synd/stdlib/schemas"
)

// schemaChecks validates the records of the scripts synd check reads
// against schemas: the built-in ones of the records a configuration
// asserts, the schemas of --schema directories, and the *.prs files beside
// each script.
type schemaChecks struct {
	dirs  []string
	mu    sync.Mutex // guards byDir: an editor checks files concurrently
	byDir map[string]*schema.Checker
}

// schemaFlag registers --schema DIR (repeatable) on fs.
func schemaFlag(fs *flag.FlagSet) *schemaChecks {
	s := &schemaChecks{byDir: map[string]*schema.Checker{}}
	fs.Func("schema", "also check records against the schemas (*.prs) in `DIR` (repeatable)", func(dir string) error {
		s.dirs = append(s.dirs, dir)
		return nil
	})
	return s
}

// checker returns the checker for scripts in dir.
func (s *schemaChecks) checker(dir string) (*schema.Checker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.byDir[dir]; ok {
		return c, nil
	}
	c, err := schemas.NewChecker(append(append([]string(nil), s.dirs...), dir)...)
	if err != nil {
		return nil, err
	}
	s.byDir[dir] = c
	return c, nil
}

// pass returns the check pass that validates records against the schemas.
func (s *schemaChecks) pass() check.Pass { return schemaPass{s} }

// schemaPass is the check.Pass of records against schemas. A mistake is an
// error (syndicate-server rejects such a record), except a dictionary key no
// schema knows, which is a warning (syndicate-server ignores it).
type schemaPass struct{ s *schemaChecks }

// Name implements check.Pass.
func (schemaPass) Name() string { return "schema" }

// Check implements check.Pass.
func (p schemaPass) Check(f *check.File, report func(check.Diagnostic)) {
	if f.Script == nil {
		return // the compiler's errors come first
	}
	c, err := p.s.checker(filepath.Dir(f.Name))
	if err != nil {
		report(check.Diagnostic{Pos: lang.Position{File: f.Name, Line: 1, Column: 1}, Severity: check.Error, Message: err.Error()})
		return
	}
	// A key the typo pass already reports (with a suggestion) is not
	// reported twice.
	typos := map[lang.Position]bool{}
	check.NewTypos(check.WellKnownLabels()).Check(f, func(d check.Diagnostic) { typos[d.Pos] = true })
	for _, d := range c.CheckScript(f.Values) {
		sev := check.Error
		if d.Unknown {
			if typos[d.Pos] {
				continue
			}
			sev = check.Warning
		}
		report(check.Diagnostic{Pos: d.Pos, Severity: sev, Message: d.Msg})
	}
}

// schemaLSPChecker is the schema check as the language server runs it on
// the text being edited (the *.prs files beside it are schemas too).
func schemaLSPChecker() lsp.Checker {
	s := &schemaChecks{byDir: map[string]*schema.Checker{}}
	return lsp.Checker{Name: "schema", Check: func(path string, src []byte) []lsp.Problem {
		values, err := parser.ParseAll(path, src, parser.Options{Positions: true})
		if err != nil {
			return nil // the compiler's checker reports it
		}
		c, err := s.checker(filepath.Dir(path))
		if err != nil {
			return []lsp.Problem{{Pos: lang.Position{File: path, Line: 1, Column: 1}, Msg: err.Error()}}
		}
		var out []lsp.Problem
		for _, d := range c.CheckScript(values) {
			p := lsp.Problem{Pos: d.Pos, Msg: d.Msg}
			if d.Unknown {
				p.Severity = protocol.DiagnosticSeverityWarning
			}
			out = append(out, p)
		}
		return out
	}}
}
