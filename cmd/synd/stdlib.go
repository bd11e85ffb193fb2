package main

import (
	"fmt"

	"github.com/synd-lang/synd/stdlib"
)

const stdlibUsage = `usage: synd stdlib [NAME]

Lists the built-in service classes (scripts in the language, loaded at boot),
or prints the one called NAME. To change one, copy it into a directory, edit
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
	classes := stdlib.Classes()
	if fs.NArg() == 0 {
		for _, c := range classes {
			fmt.Fprintln(env.stdout, c.Name)
		}
		return 0
	}
	for _, c := range classes {
		if c.Name == fs.Arg(0) || c.Name == fs.Arg(0)+".pr" {
			_, _ = env.stdout.Write(c.Source)
			return 0
		}
	}
	fmt.Fprintf(env.stderr, "synd stdlib: no class %q (synd stdlib lists them)\n", fs.Arg(0))
	return 1
}
