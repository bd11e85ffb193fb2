package status

import (
	"os"
	"strings"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// FromFiles builds a model of what a configuration would require, without
// running it: every ground <require-service S> and <depends-on S <service-state
// D STATE>> written in the files (anywhere in a script, at any depth; those
// that contain a $variable or a ?binder are left out, as their value is only
// known when the script runs). Files that cannot be read or parsed are
// returned as errors; the others still count.
func FromFiles(files []string) (*Model, []error) {
	m := New(nil)
	var errs []error
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		vals, err := parser.ParseAll(f, src, parser.Options{})
		if err != nil {
			errs = append(errs, err)
		}
		for _, v := range vals {
			walk(v, func(r *lang.Record) {
				switch lang.Text(r.Label) {
				case "require-service", "depends-on":
					if ground(r) {
						m.Assert(r)
					}
				}
			})
		}
	}
	return m, errs
}

// walk calls fn on every record inside v, v included.
func walk(v lang.Value, fn func(*lang.Record)) {
	switch x := lang.Unwrap(v).(type) {
	case *lang.Record:
		fn(x)
		walk(x.Label, fn)
		for _, f := range x.Fields {
			walk(f, fn)
		}
	case lang.Sequence:
		for _, e := range x {
			walk(e, fn)
		}
	case *lang.Set:
		for _, e := range x.Elements() {
			walk(e, fn)
		}
	case *lang.Dictionary:
		for _, e := range x.Entries() {
			walk(e.Key, fn)
			walk(e.Value, fn)
		}
	}
}

// ground reports whether v holds no script variable or binder.
func ground(v lang.Value) bool {
	ok := true
	var check func(lang.Value)
	check = func(v lang.Value) {
		switch x := lang.Unwrap(v).(type) {
		case lang.Symbol:
			if s := string(x); s == "_" || strings.HasPrefix(s, "$") || strings.HasPrefix(s, "?") {
				ok = false
			}
		case *lang.Record:
			check(x.Label)
			for _, f := range x.Fields {
				check(f)
			}
		case lang.Sequence:
			for _, e := range x {
				check(e)
			}
		case *lang.Set:
			for _, e := range x.Elements() {
				check(e)
			}
		case *lang.Dictionary:
			for _, e := range x.Entries() {
				check(e.Key)
				check(e.Value)
			}
		}
	}
	check(v)
	return ok
}
