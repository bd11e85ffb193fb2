package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/synd-lang/synd/internal/graph"
	"github.com/synd-lang/synd/internal/status"
	"github.com/synd-lang/synd/stdlib"
)

const graphUsage = `usage: synd graph [-c DIR...] [--format dot|svg|mermaid] [-o FILE] [--socket PATH]

Draws the service dependency graph: of the running synd serve reached
through its control socket, nodes coloured by state (green ready, blue
complete, yellow started, red failed, grey down; the standard library's own
bookkeeping services left out unless --all); or with -c, of a configuration
directory, statically: every <require-service S> and <depends-on S <service-state D
STATE>> written in its *.pr files with no variables in it (required services
drawn bold). Edges point from a service to what it depends on; an edge is
labelled with the state it waits for unless that is up or ready.

DOT and Mermaid text need nothing else; SVG is rendered by Graphviz's dot,
which must be installed (apt-get install graphviz).

Flags:
`

func runGraph(env *cmdEnv, args []string) int {
	fs := newFlags(env, "graph", graphUsage)
	var dirs dirList
	fs.Var(&dirs, "c", "a config directory to draw (repeatable)")
	format := fs.String("format", "dot", "dot, svg or mermaid")
	out := fs.String("o", "", "write to this file instead of standard output")
	title := fs.String("title", "", "the title above the graph (default: the directories or the socket)")
	socket := socketFlag(fs)
	all := fs.Bool("all", false, "with a running server, include the standard library's own bookkeeping services")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	switch *format {
	case "dot", "svg", "mermaid":
	default:
		fmt.Fprintf(env.stderr, "synd graph: unknown format %q: want dot, svg or mermaid\n", *format)
		return 2
	}
	if len(dirs) == 0 {
		return liveGraph(env, *socket, *format, *out, *title, *all)
	}
	var files []string
	for _, d := range dirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			fmt.Fprintf(env.stderr, "synd graph: %s is not a directory\n", d)
			return 1
		}
		files = append(files, stdlib.ListFiles(d, ".pr")...)
	}
	m, errs := status.FromFiles(files)
	for _, err := range errs {
		fmt.Fprintf(env.stderr, "synd graph: %v\n", err)
	}
	opts := graph.Options{Static: true, Title: *title}
	if opts.Title == "" {
		opts.Title = strings.Join(dirs, " ")
	}
	return writeGraph(env, m, opts, *format, *out)
}

// writeGraph draws m in format to the file named out (standard output if
// empty).
func writeGraph(env *cmdEnv, m *status.Model, opts graph.Options, format, out string) int {
	w := env.stdout
	var f *os.File
	if out != "" {
		var err error
		if f, err = os.Create(out); err != nil {
			fmt.Fprintf(env.stderr, "synd graph: %v\n", err)
			return 1
		}
		w = f
	}
	var err error
	switch format {
	case "dot":
		err = graph.WriteDOT(w, m, opts)
	case "mermaid":
		err = graph.WriteMermaid(w, m, opts)
	case "svg":
		err = graph.WriteSVG(context.Background(), w, m, opts)
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "synd graph: %v\n", err)
		return 1
	}
	return 0
}
