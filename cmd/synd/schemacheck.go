package main

import (
	"flag"
	"fmt"
	"path/filepath"

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

// report checks the script file (already known to compile) and prints each
// mistake; it reports whether there was any.
func (s *schemaChecks) report(env *cmdEnv, file string, src []byte) bool {
	c, err := s.checker(filepath.Dir(file))
	if err != nil {
		fmt.Fprintln(env.stderr, err)
		return true
	}
	values, err := parser.ParseAll(file, src, parser.Options{Positions: true})
	if err != nil {
		fmt.Fprintln(env.stderr, err)
		return true
	}
	ds := c.CheckScript(values)
	for _, d := range ds {
		fmt.Fprintln(env.stderr, d.Error())
	}
	return len(ds) > 0
}
