package main

import (
	"context"
	"fmt"
	"io"

	"github.com/synd-lang/synd/internal/lsp"
)

const lspUsage = `usage: synd lsp

Runs the synd language server on standard input and output, for editors
(see editors/ in the repository and docs/editors.md). It reports what
synd check reports, as you type; documents record labels from the embedded
schemas and classes on hover, goes from <require-service <daemon X>> to the
<daemon X ...> that defines it and from $var to its binder, completes labels,
daemon-spec keys, restart policies and variables, and formats with synd fmt.
`

func runLSP(env *cmdEnv, args []string) int {
	fl := newFlags(env, "lsp", lspUsage)
	if code := parseFlags(fl, args); code >= 0 {
		return code
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(env.stderr, "synd lsp: unexpected argument %q\n", fl.Arg(0))
		return 2
	}
	rwc := stdio{Reader: env.stdin, Writer: env.stdout}
	if err := lsp.NewServer(lsp.Options{Checkers: []lsp.Checker{lsp.SyndChecker, schemaLSPChecker()}}).Serve(context.Background(), rwc); err != nil {
		fmt.Fprintf(env.stderr, "synd lsp: %v\n", err)
		return 1
	}
	return 0
}

// stdio joins standard input and output into the stream a server speaks on.
type stdio struct {
	io.Reader
	io.Writer
}

// Close implements io.Closer; the process's streams close when it exits.
func (stdio) Close() error { return nil }
