// Package schemas holds the schemas of the protocols synd speaks (service,
// externalServices, internalServices, gatekeeper, sturdy, noise,
// transportAddress, timer, rpc, protocol, dataspacePatterns, and synd's own
// connection), embedded in the binary, and validates the records the
// runtime reads against them. They are written for synd from the
// protocols' documented behaviour and tested to accept and reject what
// syndicate's own schemas do.
package schemas

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/schema"
)

//go:embed *.prs
var files embed.FS

// read parses the embedded schemas once.
var read = sync.OnceValues(func() (*schema.Set, error) {
	names, err := fs.Glob(files, "*.prs")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	set := schema.NewSet()
	for _, name := range names {
		src, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		s, err := schema.ParseText("stdlib/schemas/"+name, src)
		if err != nil {
			return nil, err
		}
		set.Add(strings.TrimSuffix(name, ".prs"), s)
	}
	return set, nil
})

// Set returns the embedded schemas, each a module named by its file name
// without ".prs". The set is shared: callers must not add to it (copy its
// modules into a schema.NewSet to extend it).
func Set() *schema.Set {
	set, err := read()
	if err != nil {
		// The embedded schemas are tested to read; this is a build fault.
		panic("schemas: an embedded schema does not read: " + err.Error())
	}
	return set
}

// ConfigModules names the modules (and single definitions, module.Name) of
// Set whose records are asserted in a configuration dataspace, so that synd
// check validates the records of a script with their labels. timer is not
// among them: synd's timer primitive (<set-timer LABEL MSECS KIND>,
// stdlib/timer.go) counts milliseconds, where syndicate's timer.prs counts
// seconds as a double.
func ConfigModules() []string {
	return []string{"service", "externalServices", "internalServices", "gatekeeper.Bind", "gatekeeper.Resolve"}
}

// Validate checks v against definition def ("module.Name") of Set as
// syndicate-server reads the records it acts on: a field that matches only
// an alternative labelled `invalid` fails, and keys no definition mentions
// are ignored. The error is a *schema.ValidationError, in the schema's
// words, naming the path inside v that fails.
func Validate(def string, v lang.Value) error {
	return Set().ValidateWith(def, v, schema.Options{RejectInvalid: true})
}

// records is the checker ValidateRecord uses.
var records = sync.OnceValue(func() *schema.Checker {
	c := schema.NewChecker(Set(), ConfigModules()...)
	c.Options = schema.Options{RejectInvalid: true}
	return c
})

// ValidateRecord checks a record of a configuration (a <daemon ...>,
// <relay-listener ...>, <depends-on ...>, ...) against the definitions of
// ConfigModules that give its label, as Validate does; a record whose label
// none gives passes. The error names the definition that came closest.
func ValidateRecord(v lang.Value) error {
	if d := records().CheckValue(v, nil); d != nil {
		return d
	}
	return nil
}

// NewChecker returns a checker for scripts: the records of ConfigModules,
// and every record the schemas at paths (.prs or .prb files, directories of
// .prs files) define, are checked strictly, as synd check does.
func NewChecker(paths ...string) (*schema.Checker, error) {
	set := Set().Clone()
	mods := ConfigModules()
	for _, p := range paths {
		m, err := set.Load(p)
		if err != nil {
			return nil, err
		}
		mods = append(mods, m...)
	}
	return schema.NewChecker(set, mods...), nil
}
