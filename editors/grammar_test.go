// Package editors holds editor support for synd: a TextMate grammar and a
// VS Code extension. This test keeps them well-formed.
package editors

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type rule struct {
	Name          string          `json:"name"`
	Match         string          `json:"match"`
	Begin         string          `json:"begin"`
	End           string          `json:"end"`
	Include       string          `json:"include"`
	Patterns      []rule          `json:"patterns"`
	Captures      map[string]rule `json:"captures"`
	BeginCaptures map[string]rule `json:"beginCaptures"`
	EndCaptures   map[string]rule `json:"endCaptures"`
	Repository    map[string]rule `json:"repository"`
}

type grammar struct {
	ScopeName  string          `json:"scopeName"`
	FileTypes  []string        `json:"fileTypes"`
	Patterns   []rule          `json:"patterns"`
	Repository map[string]rule `json:"repository"`
}

// lookahead matches the trailing (?=...) groups that Oniguruma has and Go's
// regexp has not; the test drops them to compile the rest.
var lookahead = regexp.MustCompile(`\(\?=(?:[^()]|\([^()]*\))*\)`)

func goRegexp(t *testing.T, re string) *regexp.Regexp {
	t.Helper()
	r, err := regexp.Compile(lookahead.ReplaceAllString(re, ""))
	require.NoError(t, err, "regexp %q", re)
	return r
}

func loadGrammar(t *testing.T) grammar {
	t.Helper()
	b, err := os.ReadFile("textmate/syndicate.tmLanguage.json")
	require.NoError(t, err)
	var g grammar
	require.NoError(t, json.Unmarshal(b, &g), "the grammar is JSON")
	return g
}

// TestGrammar: the grammar is JSON, every include resolves, every regexp
// compiles, the scopes editors and themes rely on are there, and each named
// rule matches a sample of what it names.
func TestGrammar(t *testing.T) {
	g := loadGrammar(t)
	assert.Equal(t, "source.syndicate", g.ScopeName)
	assert.ElementsMatch(t, []string{"pr", "prs"}, g.FileTypes)

	scopes := map[string]string{} // scope name → its match regexp (or begin)
	var walk func(r rule)
	walk = func(r rule) {
		if r.Include != "" {
			key := strings.TrimPrefix(r.Include, "#")
			_, ok := g.Repository[key]
			assert.True(t, ok, "include %s resolves", r.Include)
		}
		for _, re := range []string{r.Match, r.Begin, r.End} {
			if re != "" {
				goRegexp(t, re)
			}
		}
		if r.Name != "" {
			re := r.Match
			if re == "" {
				re = r.Begin
			}
			if _, seen := scopes[r.Name]; !seen {
				scopes[r.Name] = re
			}
		}
		for _, p := range r.Patterns {
			walk(p)
		}
		for _, m := range []map[string]rule{r.Captures, r.BeginCaptures, r.EndCaptures} {
			for _, c := range m {
				if _, seen := scopes[c.Name]; !seen {
					scopes[c.Name] = ""
				}
			}
		}
	}
	for _, p := range g.Patterns {
		walk(p)
	}
	for _, r := range g.Repository {
		walk(r)
	}

	for _, c := range []struct{ scope, sample string }{
		{"comment.line.number-sign.syndicate", "# a comment"},
		{"comment.line.shebang.syndicate", "#!/usr/bin/env synd run"},
		{"string.quoted.double.syndicate", `"a string`},
		{"string.quoted.other.symbol.syndicate", "|quoted sym"},
		{"string.quoted.single.symbol.syndicate", "'quoted sym"},
		{"string.quoted.double.bytes.syndicate", `#"bytes`},
		{"string.other.bytes.hex.syndicate", `#x"0102"`},
		{"string.other.bytes.base64.syndicate", "#[AQID"},
		{"constant.numeric.double.hex.syndicate", `#xd"3ff0000000000000"`},
		{"constant.language.boolean.syndicate", "#t"},
		{"constant.numeric.syndicate", "-12.5e3"},
		{"variable.parameter.binder.syndicate", "?ifname"},
		{"variable.other.reference.syndicate", "$config"},
		{"keyword.operator.syndicate", "??"},
		{"keyword.operator.syndicate", "+="},
		{"keyword.operator.syndicate", "=~"},
		{"keyword.other.let.syndicate", "let"},
		{"support.function.expression.syndicate", "timestamp"},
		{"keyword.operator.embedded.syndicate", "#:"},
		{"storage.type.annotation.syndicate", "@"},
		{"meta.record.syndicate", "<daemon"},
		{"meta.sequence.syndicate", "["},
		{"meta.dictionary.syndicate", "{"},
		{"meta.set.syndicate", "#{"},
		{"variable.other.property.key.syndicate", "argv"},
		{"constant.other.symbol.syndicate", "on-error"},
		{"entity.name.tag.label.syndicate", ""},
		{"punctuation.definition.record.begin.syndicate", ""},
	} {
		re, ok := scopes[c.scope]
		if !assert.True(t, ok, "scope %s is in the grammar", c.scope) || c.sample == "" {
			continue
		}
		m := goRegexp(t, re).FindStringIndex(c.sample)
		assert.True(t, m != nil && m[0] == 0, "%s matches %q from its start", c.scope, c.sample)
	}

	// The record rule captures the label.
	rec := goRegexp(t, g.Repository["record"].Begin).FindStringSubmatch("<require-service <daemon x>>")
	require.Len(t, rec, 3)
	assert.Equal(t, "require-service", rec[2])
	// A binder is not the ?? or ?- operator.
	assert.Nil(t, goRegexp(t, g.Repository["binder"].Match).FindStringIndex("?? <x>"))
}

// TestVSCodeExtension: the extension's manifest is JSON that names synd lsp's
// language, its grammar is the TextMate grammar, and its files exist.
func TestVSCodeExtension(t *testing.T) {
	b, err := os.ReadFile("vscode/package.json")
	require.NoError(t, err)
	var pkg struct {
		Main        string `json:"main"`
		Contributes struct {
			Languages []struct {
				ID            string   `json:"id"`
				Extensions    []string `json:"extensions"`
				Configuration string   `json:"configuration"`
			} `json:"languages"`
			Grammars []struct {
				Language, ScopeName, Path string
			} `json:"grammars"`
		} `json:"contributes"`
	}
	require.NoError(t, json.Unmarshal(b, &pkg))
	require.Len(t, pkg.Contributes.Languages, 1)
	lang := pkg.Contributes.Languages[0]
	assert.Equal(t, []string{".pr", ".prs"}, lang.Extensions)
	require.Len(t, pkg.Contributes.Grammars, 1)
	gr := pkg.Contributes.Grammars[0]
	assert.Equal(t, lang.ID, gr.Language)
	assert.Equal(t, "source.syndicate", gr.ScopeName)

	copyOf, err := os.ReadFile("vscode/" + gr.Path)
	require.NoError(t, err)
	orig, err := os.ReadFile("textmate/syndicate.tmLanguage.json")
	require.NoError(t, err)
	assert.Equal(t, string(orig), string(copyOf), "vscode/%s is a copy of the TextMate grammar", gr.Path)

	var conf map[string]any
	b, err = os.ReadFile("vscode/" + lang.Configuration)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &conf))
	js, err := os.ReadFile("vscode/" + pkg.Main)
	require.NoError(t, err)
	assert.Contains(t, string(js), `args: ["lsp"]`, "the extension starts synd lsp")
}
