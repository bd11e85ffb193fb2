package main

import (
	"bytes"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hexops/gotextdiff"
	"github.com/hexops/gotextdiff/myers"
	"github.com/hexops/gotextdiff/span"

	"github.com/synd-lang/synd/parser/format"
)

const fmtUsage = `usage: synd fmt [-l] [-w] [-d] [PATH...]

Formats Preserves text and service scripts (.pr files) in synd's one
style: the author's line breaks kept (runs of blank lines become one), each
line indented two spaces per block it lies in, one space between tokens on a
line, comments, annotations and every literal kept as written. The result
always reads as the same values.

Without PATHs it formats standard input to standard output. A PATH that is a
directory is searched for .pr files, recursively; files named explicitly are
formatted whatever their name. By default the formatted text is written to
standard output.

Exit status: 0 on success, 2 if a file could not be read or does not read as
Preserves text (reported as FILE:LINE:COL: message).

Flags:
`

// fmtOptions are the flags of synd fmt, as gofmt's.
type fmtOptions struct {
	list, write, diff bool
}

func runFmt(env *cmdEnv, args []string) int {
	fl := newFlags(env, "fmt", fmtUsage)
	var o fmtOptions
	fl.BoolVar(&o.list, "l", false, "list files whose formatting differs from synd fmt's")
	fl.BoolVar(&o.write, "w", false, "write the result to the file instead of standard output")
	fl.BoolVar(&o.diff, "d", false, "display diffs instead of rewriting files")
	if code := parseFlags(fl, args); code >= 0 {
		return code
	}
	if fl.NArg() == 0 {
		if o.write {
			fmt.Fprintln(env.stderr, "synd fmt: cannot use -w with standard input")
			return 2
		}
		src, err := io.ReadAll(env.stdin)
		if err != nil {
			fmt.Fprintf(env.stderr, "synd fmt: %v\n", err)
			return 2
		}
		if err := fmtOne(env, o, "<standard input>", src, nil); err != nil {
			fmt.Fprintln(env.stderr, err)
			return 2
		}
		return 0
	}
	status := 0
	for _, arg := range fl.Args() {
		info, err := os.Stat(arg)
		if err != nil {
			fmt.Fprintf(env.stderr, "synd fmt: %v\n", err)
			status = 2
			continue
		}
		if !info.IsDir() {
			if err := fmtFile(env, o, arg, info.Mode().Perm()); err != nil {
				fmt.Fprintln(env.stderr, err)
				status = 2
			}
			continue
		}
		err = filepath.WalkDir(arg, func(path string, d iofs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(d.Name(), ".pr") || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if err := fmtFile(env, o, path, info.Mode().Perm()); err != nil {
				fmt.Fprintln(env.stderr, err)
				status = 2
			}
			return nil
		})
		if err != nil {
			fmt.Fprintf(env.stderr, "synd fmt: %v\n", err)
			status = 2
		}
	}
	return status
}

// fmtFile formats one named file as the options say.
func fmtFile(env *cmdEnv, o fmtOptions, path string, perm iofs.FileMode) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("synd fmt: %v", err)
	}
	return fmtOne(env, o, path, src, func(out []byte) error {
		return os.WriteFile(path, out, perm)
	})
}

// fmtOne formats src (named name): it lists, writes (with write, for a file),
// diffs or prints the result.
func fmtOne(env *cmdEnv, o fmtOptions, name string, src []byte, write func([]byte) error) error {
	out, err := format.Source(name, src)
	if err != nil {
		return err
	}
	changed := !bytes.Equal(src, out)
	if o.list && changed {
		fmt.Fprintln(env.stdout, name)
	}
	if o.write && changed && write != nil {
		if err := write(out); err != nil {
			return fmt.Errorf("synd fmt: %v", err)
		}
	}
	if o.diff && changed {
		edits := myers.ComputeEdits(span.URIFromPath(name), string(src), string(out))
		fmt.Fprint(env.stdout, gotextdiff.ToUnified(name+".orig", name, string(src), edits))
	}
	if !o.list && !o.write && !o.diff {
		env.stdout.Write(out)
	}
	return nil
}
