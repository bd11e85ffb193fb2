package lsp

import (
	"fmt"
	"sort"
	"strings"

	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib"
)

// definition is one schema definition that mentions a record label.
type definition struct {
	schema string // file name, e.g. "connection.prs"
	name   string // the definition's name
	text   string // its source text, `Name = ... .`
	doc    string // the comment lines before it
}

// labelDocs is what the server can say about record labels: the schema
// definitions that use each label and the header of the built-in class that
// implements it.
type labelDocs struct {
	defs    map[string][]definition
	classes map[string]string // label → the class file's opening comment
}

// newLabelDocs indexes the embedded schemas and classes. Schemas are
// Preserves Schema text: a sequence of `Name = PATTERN .` clauses (and
// `version`/`embeddedType` clauses), each documented by the comments before
// it.
func newLabelDocs(schemas, classes []stdlib.Class) *labelDocs {
	ld := &labelDocs{defs: map[string][]definition{}, classes: map[string]string{}}
	for _, s := range schemas {
		ld.addSchema(s.Name, string(s.Source))
	}
	for _, c := range classes {
		label := strings.TrimSuffix(c.Name, ".pr")
		if doc := leadingComment(c.Name, string(c.Source)); doc != "" {
			ld.classes[label] = doc
		}
	}
	return ld
}

// leadingComment is the text of the comment lines at the top of a file.
func leadingComment(file, src string) string {
	var lines []string
	for _, t := range lexTokens(file, src) {
		if t.typ != parser.TokComment {
			break
		}
		lines = append(lines, t.val)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func (ld *labelDocs) addSchema(file, src string) {
	toks := lexTokens(file, src)
	var doc []string
	clauseStart := -1 // token index where the current clause began
	for i, t := range toks {
		switch {
		case t.typ == parser.TokComment && clauseStart < 0:
			doc = append(doc, t.val)
		case t.typ == parser.TokBare && t.val == ".":
			if clauseStart >= 0 {
				ld.addClause(file, src, toks[clauseStart:i+1], strings.TrimSpace(strings.Join(doc, "\n")))
			}
			clauseStart, doc = -1, nil
		case clauseStart < 0:
			clauseStart = i
		}
	}
}

// addClause indexes the record labels of one clause `Name = ... .`.
func (ld *labelDocs) addClause(file, src string, toks []token, doc string) {
	if len(toks) < 3 || toks[0].typ != parser.TokBare || toks[1].val != "=" {
		return
	}
	text := src[toks[0].start:toks[len(toks)-1].end]
	def := definition{schema: file, name: toks[0].val, text: text, doc: doc}
	seen := map[string]bool{}
	for i := range toks {
		if toks[i].typ == parser.TokOpenRecord && i+1 < len(toks) && toks[i+1].typ == parser.TokBare {
			l := toks[i+1].val
			if !seen[l] {
				seen[l] = true
				ld.defs[l] = append(ld.defs[l], def)
			}
		}
	}
}

// hover is the markdown for a label, or "" if nothing is known of it.
func (ld *labelDocs) hover(label string) string {
	var b strings.Builder
	for _, d := range ld.defs[label] {
		if b.Len() > 0 {
			b.WriteString("\n---\n")
		}
		fmt.Fprintf(&b, "**%s** (schema `%s`)\n\n```preserves-schema\n%s\n```\n", d.name, d.schema, d.text)
		if d.doc != "" {
			b.WriteString("\n" + d.doc + "\n")
		}
	}
	if doc, ok := ld.classes[label]; ok {
		if b.Len() > 0 {
			b.WriteString("\n---\n")
		}
		fmt.Fprintf(&b, "built-in service class `%s.pr` (`synd stdlib %s.pr`)\n\n%s\n", label, label, doc)
	}
	return b.String()
}

// labels lists every label with schema or class documentation.
func (ld *labelDocs) labels() []string {
	var out []string
	for l := range ld.defs {
		out = append(out, l)
	}
	for l := range ld.classes {
		if _, ok := ld.defs[l]; !ok {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// daemonKeys are the keys of a daemon spec dictionary that the daemon class
// (stdlib/classes/daemon.pr) reads, as syndicate's externalServices.prs
// names them, with what each means.
var daemonKeys = []struct{ key, doc string }{
	{"argv", "the command: a string (run with sh -c) or a list of strings [\"prog\" \"arg\" ...]"},
	{"env", "environment variables: {NAME: \"value\"} (#f unsets NAME)"},
	{"dir", "the working directory (a string)"},
	{"clearEnv", "#t to start from an empty environment"},
	{"readyOnStart", "#t (the default) if the service is ready as soon as the process starts"},
	{"restart", "restart policy: always (default), on-error, all or never"},
	{"protocol", "none (default), application/syndicate or text/syndicate: the process speaks Syndicate on stdin/stdout"},
}

// keyValues are the values that complete after `KEY:` in a daemon spec.
var keyValues = map[string][]struct{ value, doc string }{
	"restart": {
		{"always", "restart the process whatever its exit (the default)"},
		{"on-error", "restart the process only after a failure"},
		{"all", "leave a clean exit alone; after a failure restart the whole daemon"},
		{"never", "never restart; a failure fails the service"},
	},
	"protocol": {
		{"none", "the process does not speak Syndicate (the default)"},
		{"application/syndicate", "binary Syndicate protocol on stdin/stdout"},
		{"text/syndicate", "text Syndicate protocol on stdin/stdout"},
	},
	"readyOnStart": {{"#t", "ready when the process starts"}, {"#f", "the process says when it is ready"}},
	"clearEnv":     {{"#t", "start from an empty environment"}, {"#f", "inherit synd's environment"}},
}
