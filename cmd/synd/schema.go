package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib/schema"
	"github.com/synd-lang/synd/stdlib/schemas"
)

const schemaUsage = `usage: synd schema check [-text | -value] FILE.prs|FILE.prb|DIR...
       synd schema validate [-strict] SCHEMA DEF [FILE...]

Preserves Schema tools.

check reads each schema (text .prs, or a binary .prb bundle; a directory
means its *.prs files), checks it against the metaschema and reports every
reference no loaded schema defines (the built-in protocol schemas are
loaded too: synd stdlib lists them). With -text it writes each schema back
as text, with -value as its value form (the metaschema's Schema).

validate checks every Preserves value of the FILEs (text or binary; standard
input if none) against definition DEF of SCHEMA: a .prs or .prb file, a
directory of .prs files, or the name of a built-in schema (externalServices,
service, ...). DEF is Name or module.Name. Each value that fails is reported
as FILE:LINE:COL with the path inside it and what the schema expects there.
With -strict, a field matching only an alternative labelled "invalid", and a
dictionary key no part of the definition knows, fail too (as synd check
reports them).

Flags:
`

func runSchema(env *cmdEnv, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.stderr, schemaUsage)
		return 2
	}
	switch args[0] {
	case "check":
		return runSchemaCheck(env, args[1:])
	case "validate":
		return runSchemaValidate(env, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprint(env.stdout, schemaUsage)
		return 0
	}
	fmt.Fprintf(env.stderr, "synd schema: unknown subcommand %q\n", args[0])
	fmt.Fprint(env.stderr, schemaUsage)
	return 2
}

// builtinSchemas returns a new set holding the embedded protocol schemas.
func builtinSchemas() *schema.Set { return schemas.Set().Clone() }

func runSchemaCheck(env *cmdEnv, args []string) int {
	fs := newFlags(env, "schema check", schemaUsage)
	text := fs.Bool("text", false, "write each schema back in its text form")
	value := fs.Bool("value", false, "write each schema's value form")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	set := builtinSchemas()
	var mods []string
	bad := false
	for _, p := range fs.Args() {
		m, err := set.Load(p)
		if err != nil {
			fmt.Fprintln(env.stderr, err)
			bad = true
			continue
		}
		mods = append(mods, m...)
	}
	meta := schema.Metaschema()
	only := schema.NewSet()
	for _, m := range mods {
		s := set.Module(m)
		only.Add(m, s)
		if err := meta.Validate("Schema", s.Value()); err != nil {
			fmt.Fprintf(env.stderr, "%s: not a valid schema: %v\n", m, err)
			bad = true
		}
		switch {
		case *text:
			fmt.Fprint(env.stdout, schema.Format(s))
		case *value:
			fmt.Fprintln(env.stdout, lang.FormatPretty(s.Value()))
		}
	}
	// References are resolved against everything loaded; only the
	// schemas named on the command line are reported on.
	for _, msg := range set.Unresolved() {
		for _, m := range mods {
			if strings.Contains(msg, " "+m+".") {
				fmt.Fprintln(env.stderr, msg)
				bad = true
				break
			}
		}
	}
	if bad {
		return 1
	}
	return 0
}

func runSchemaValidate(env *cmdEnv, args []string) int {
	fs := newFlags(env, "schema validate", schemaUsage)
	strict := fs.Bool("strict", false, "also reject `invalid` alternatives and unknown dictionary keys")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() < 2 {
		fs.Usage()
		return 2
	}
	set := builtinSchemas()
	src, def := fs.Arg(0), fs.Arg(1)
	if set.Module(src) == nil {
		mods, err := set.Load(src)
		if err != nil {
			fmt.Fprintf(env.stderr, "synd schema validate: %v\n", err)
			return 1
		}
		if !strings.Contains(def, ".") && len(mods) == 1 {
			def = mods[0] + "." + def
		}
	} else if !strings.Contains(def, ".") {
		def = src + "." + def
	}
	mod, d, err := set.Resolve(def)
	if err != nil {
		fmt.Fprintf(env.stderr, "synd schema validate: %v\n", err)
		return 1
	}
	files := fs.Args()[2:]
	if len(files) == 0 {
		files = []string{"-"}
	}
	bad := false
	for _, f := range files {
		values, err := readValues(env, f)
		if err != nil {
			fmt.Fprintln(env.stderr, err)
			bad = true
			continue
		}
		for _, v := range values {
			if e := set.Check(mod, d, v, schema.Options{Strict: *strict}); e != nil {
				fmt.Fprintln(env.stdout, e.Error())
				bad = true
			}
		}
	}
	if bad {
		return 1
	}
	return 0
}

// readValues reads every value of a file ("-": standard input), as binary
// if it starts with a binary tag byte and as text with positions otherwise.
func readValues(env *cmdEnv, f string) ([]lang.Value, error) {
	var src []byte
	var err error
	name := f
	if f == "-" {
		name = "-"
		src, err = io.ReadAll(env.stdin)
	} else {
		src, err = os.ReadFile(f)
	}
	if err != nil {
		return nil, err
	}
	if len(src) > 0 && src[0] >= 0x80 {
		d := lang.NewDecoder(src)
		var out []lang.Value
		for {
			v, err := d.Next()
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, v)
		}
	}
	return parser.ParseAll(name, src, parser.Options{Positions: true})
}
