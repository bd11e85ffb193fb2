package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

const preservesUsage = `usage: synd preserves convert [--from text|binary] [--to text|pretty|binary|canonical|hex]
                             [--annotations keep|strip] [FILE...]

Reads a stream of any number of Preserves values from the FILEs, or from
standard input if there are none, and writes each value to standard output
in the chosen form:

  text       compact text, one value per line
  pretty     indented text, one value per line
  binary     the binary syntax, values concatenated
  canonical  canonical binary (sorted, no annotations), values concatenated
  hex        the binary syntax in hex, one value per line

Bad input stops the conversion with FILE:LINE:COL (or FILE: byte N for
binary) and a message on standard error and exit status 1; values before the
bad one have been written, nothing of the bad one is.

Flags:
`

func runPreserves(env *cmdEnv, args []string) int {
	if len(args) == 0 || args[0] != "convert" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprint(env.stdout, preservesUsage)
			return 0
		}
		fmt.Fprint(env.stderr, preservesUsage)
		return 2
	}
	fs := flag.NewFlagSet("synd preserves convert", flag.ContinueOnError)
	fs.SetOutput(&flagOutput{env: env}) // help to stdout, usage errors to stderr
	from := fs.String("from", "text", "input syntax: text or binary")
	to := fs.String("to", "text", "output form: text, pretty, binary, canonical or hex")
	anns := fs.String("annotations", "strip", "keep or strip annotations (and comments)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), preservesUsage); fs.PrintDefaults() }
	if code := parseFlags(fs, args[1:]); code >= 0 {
		return code
	}
	keep := false
	switch *anns {
	case "keep":
		keep = true
	case "strip":
	default:
		fmt.Fprintf(env.stderr, "synd preserves convert: --annotations must be keep or strip, not %q\n", *anns)
		return 2
	}
	write, err := valueWriter(*to, keep)
	if err != nil {
		fmt.Fprintf(env.stderr, "synd preserves convert: %v\n", err)
		return 2
	}
	var read func(name string, data []byte, emit func(lang.Value) error) error
	switch *from {
	case "text":
		read = func(name string, data []byte, emit func(lang.Value) error) error {
			r := parser.NewReader(name, data, parser.Options{Annotations: keep})
			for {
				v, err := r.Next()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				if err := emit(v); err != nil {
					return err
				}
			}
		}
	case "binary":
		read = func(name string, data []byte, emit func(lang.Value) error) error {
			d := lang.NewDecoder(data)
			d.File, d.KeepAnnotations = name, keep
			for {
				v, err := d.Next()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				if err := emit(v); err != nil {
					return err
				}
			}
		}
	default:
		fmt.Fprintf(env.stderr, "synd preserves convert: --from must be text or binary, not %q\n", *from)
		return 2
	}
	inputs := fs.Args()
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	for _, name := range inputs {
		var data []byte
		var err error
		if name == "-" {
			name = "<stdin>"
			data, err = io.ReadAll(env.stdin)
		} else {
			data, err = os.ReadFile(name)
		}
		if err != nil {
			fmt.Fprintf(env.stderr, "synd preserves convert: %v\n", err)
			return 1
		}
		err = read(name, data, func(v lang.Value) error {
			out, err := write(v)
			if err != nil {
				return err
			}
			_, err = env.stdout.Write(out)
			return err
		})
		if err != nil {
			fmt.Fprintln(env.stderr, err)
			return 1
		}
	}
	return 0
}

// valueWriter returns the function that renders one value in the form `to`.
func valueWriter(to string, keep bool) (func(lang.Value) ([]byte, error), error) {
	switch to {
	case "text", "pretty":
		w := &lang.TextWriter{Annotations: keep}
		if to == "pretty" {
			w.Indent = "  "
		}
		return func(v lang.Value) ([]byte, error) { return append(w.Append(nil, v), '\n'), nil }, nil
	case "binary":
		e := &lang.Encoder{Annotations: keep}
		return func(v lang.Value) ([]byte, error) { return e.Append(nil, v) }, nil
	case "canonical":
		e := &lang.Encoder{Canonical: true}
		return func(v lang.Value) ([]byte, error) { return e.Append(nil, v) }, nil
	case "hex":
		e := &lang.Encoder{Annotations: keep}
		return func(v lang.Value) ([]byte, error) {
			b, err := e.Append(nil, v)
			if err != nil {
				return nil, err
			}
			return append(hex.AppendEncode(nil, b), '\n'), nil
		}, nil
	}
	return nil, fmt.Errorf("--to must be text, pretty, binary, canonical or hex, not %q", to)
}
