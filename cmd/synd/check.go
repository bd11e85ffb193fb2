package main

import (
	"encoding/json"
	"fmt"

	"github.com/synd-lang/synd/check"
)

const checkUsage = `usage: synd check [--json] [--var NAME]... FILE|DIR...

Checks scripts without running them. A DIR is checked as a config-watcher
loads it: its *.pr files, recursively, sorted, hidden files and directories
skipped. Reported, each as FILE:LINE:COL: SEVERITY: MESSAGE on standard
error:

  error    what the reader or the compiler rejects
  error    a variable used where nothing binds it ($confg, a $x outside the
           ? that binds ?x); $config, $log, $gatekeeper and $control are
           bound, as synd serve binds them; --var NAME adds more, a
           <config-watcher DIR {NAME: ...}> in the checked tree binds NAME
           in the files under DIR, and a program that another script runs
           with variables of its own (run-script) names them in a comment
           line: # synd:vars args services
  warning  a record label or daemon option that is not well known but is
           close to one that is: <require-servce ...> (did you mean
           require-service?), {restrat: always} (did you mean restart?)

With --json, one JSON object goes to standard output instead:
{"files": N, "errors": N, "warnings": N, "diagnostics": [{"file", "line",
"column", "severity", "check", "message", "suggestion"}...]}.

Exits 1 if there is any error, 0 if there are only warnings or nothing.

Flags:
`

// jsonDiagnostic is a check.Diagnostic as synd check --json writes it.
type jsonDiagnostic struct {
	File       string `json:"file"`
	Line       int    `json:"line"`
	Column     int    `json:"column"`
	Severity   string `json:"severity"`
	Check      string `json:"check"`
	Message    string `json:"message"`
	Suggestion string `json:"suggestion,omitempty"`
}

func runCheck(env *cmdEnv, args []string) int {
	fs := newFlags(env, "check", checkUsage)
	asJSON := fs.Bool("json", false, "write the diagnostics as JSON on standard output")
	var vars dirList
	fs.Var(&vars, "var", "a variable bound beforehand, besides config, log, gatekeeper and control (repeatable)")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	files, err := check.Files(fs.Args()...)
	if err != nil {
		fmt.Fprintf(env.stderr, "synd check: %v\n", err)
		return exitFailure
	}
	c := check.New(append(append([]string{}, check.DefaultGlobals...), vars...))
	all, err := c.CheckFiles(files)
	if err != nil {
		fmt.Fprintf(env.stderr, "synd check: %v\n", err)
		return exitFailure
	}
	errs, warnings := 0, 0
	for _, d := range all {
		if d.Severity == check.Error {
			errs++
		} else {
			warnings++
		}
	}
	if *asJSON {
		out := struct {
			Files       int              `json:"files"`
			Errors      int              `json:"errors"`
			Warnings    int              `json:"warnings"`
			Diagnostics []jsonDiagnostic `json:"diagnostics"`
		}{Files: len(files), Errors: errs, Warnings: warnings, Diagnostics: []jsonDiagnostic{}}
		for _, d := range all {
			out.Diagnostics = append(out.Diagnostics, jsonDiagnostic{
				File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Column, Severity: string(d.Severity),
				Check: d.Check, Message: d.Message, Suggestion: d.Suggestion,
			})
		}
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(env.stderr, "synd check: %v\n", err)
			return exitFailure
		}
	} else {
		for _, d := range all {
			fmt.Fprintln(env.stderr, d)
		}
	}
	if errs > 0 {
		return exitFailure
	}
	return exitOK
}
