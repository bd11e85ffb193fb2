package main

import (
	"fmt"

	"github.com/synd-lang/synd/stdlib"
)

const stdlibUsage = `usage: synd stdlib [NAME]

Lists the built-in service classes (scripts in the language, loaded at boot)
and the schemas of the protocols they speak (*.prs), or prints the one called
NAME. To change one, copy it into a directory, edit
it, and pass that directory with --stdlib DIR to synd run, serve or repl: a
file there replaces the built-in class of the same name, and other *.pr files
there are loaded as extra classes.

Flags:
`

func runStdlib(env *cmdEnv, args []string) int {
	fs := newFlags(env, "stdlib", stdlibUsage)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	files := append(stdlib.Classes(), stdlib.Schemas()...)
	if fs.NArg() == 0 {
		for _, c := range files {
			fmt.Fprintln(env.stdout, c.Name)
		}
		return 0
	}
	for _, c := range files {
		if c.Name == fs.Arg(0) || c.Name == fs.Arg(0)+".pr" || c.Name == fs.Arg(0)+".prs" {
			_, _ = env.stdout.Write(c.Source)
			return 0
		}
	}
	fmt.Fprintf(env.stderr, "synd stdlib: no class or schema %q (synd stdlib lists them)\n", fs.Arg(0))
	return 1
}
