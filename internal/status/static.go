package status

import (
	"os"

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
			lang.Walk(v, func(v lang.Value) bool {
				if r, ok := lang.Unwrap(v).(*lang.Record); ok {
					switch lang.Text(r.Label) {
					case "require-service", "depends-on":
						if parser.Ground(r) {
							m.Assert(r)
						}
					}
				}
				return true
			})
		}
	}
	return m, errs
}
