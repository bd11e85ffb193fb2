package main

import (
	"bufio"
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
in the chosen form, as soon as it is read (inputs of any length convert in
memory bounded by their largest value):

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
	// Each input is read as a stream, value by value, and each value is
	// written as soon as it is read: memory stays bounded by the largest
	// value, whatever the length of the input.
	var open func(name string, src io.Reader) func() (lang.Value, error)
	switch *from {
	case "text":
		open = func(name string, src io.Reader) func() (lang.Value, error) {
			return parser.NewStreamReader(name, src, parser.Options{Annotations: keep}).Next
		}
	case "binary":
		open = func(name string, src io.Reader) func() (lang.Value, error) {
			d := lang.NewStreamDecoder(name, src)
			d.KeepAnnotations = keep
			return d.Next
		}
	default:
		fmt.Fprintf(env.stderr, "synd preserves convert: --from must be text or binary, not %q\n", *from)
		return 2
	}
	inputs := fs.Args()
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	out := bufio.NewWriterSize(env.stdout, 64<<10)
	fail := func(err error) int {
		out.Flush() // the values before the bad one are written
		fmt.Fprintln(env.stderr, err)
		return 1
	}
	var buf []byte
	for _, name := range inputs {
		src, display, closeSrc, err := openInput(env, name)
		if err != nil {
			return fail(fmt.Errorf("synd preserves convert: %w", err))
		}
		next := open(display, bufio.NewReaderSize(src, 64<<10))
		for {
			v, err := next()
			if err == io.EOF {
				break
			}
			if err == nil {
				buf, err = write(buf[:0], v)
			}
			if err == nil {
				_, err = out.Write(buf)
			}
			if err != nil {
				closeSrc()
				return fail(err)
			}
		}
		closeSrc()
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(env.stderr, "synd preserves convert: %v\n", err)
		return 1
	}
	return 0
}

// openInput opens a named input, "-" being standard input.
func openInput(env *cmdEnv, name string) (src io.Reader, display string, closeSrc func(), err error) {
	if name == "-" {
		return env.stdin, "<stdin>", func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, "", nil, err
	}
	return f, name, func() { f.Close() }, nil
}

// valueWriter returns the function that appends one value, rendered in the
// form `to`, to a buffer.
func valueWriter(to string, keep bool) (func([]byte, lang.Value) ([]byte, error), error) {
	switch to {
	case "text", "pretty":
		w := &lang.TextWriter{Annotations: keep}
		if to == "pretty" {
			w.Indent = "  "
		}
		return func(dst []byte, v lang.Value) ([]byte, error) { return append(w.Append(dst, v), '\n'), nil }, nil
	case "binary":
		e := &lang.Encoder{Annotations: keep}
		return e.Append, nil
	case "canonical":
		e := &lang.Encoder{Canonical: true}
		return e.Append, nil
	case "hex":
		e := &lang.Encoder{Annotations: keep}
		var scratch []byte
		return func(dst []byte, v lang.Value) ([]byte, error) {
			var err error
			if scratch, err = e.Append(scratch[:0], v); err != nil {
				return dst, err
			}
			return append(hex.AppendEncode(dst, scratch), '\n'), nil
		}, nil
	}
	return nil, fmt.Errorf("--to must be text, pretty, binary, canonical or hex, not %q", to)
}
