package check

import (
	"path/filepath"
	"strings"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// watcherEnv is a <config-watcher DIR {NAME: ...}> found in a checked file:
// the files under Dirs are run with Names bound.
type watcherEnv struct {
	Dirs  []string // absolute candidates for DIR
	Names []string
}

// findWatcherEnvs lists the config-watchers with a literal directory and
// an environment dictionary with symbol keys written anywhere in a file.
func findWatcherEnvs(file string, src []byte) []watcherEnv {
	vals, err := parser.ParseAll(file, src, parser.Options{})
	if err != nil {
		return nil
	}
	var out []watcherEnv
	var walk func(v lang.Value)
	walk = func(v lang.Value) {
		switch x := lang.Unwrap(v).(type) {
		case *lang.Record:
			if l, _ := lang.Unwrap(x.Label).(lang.Symbol); l == "config-watcher" && len(x.Fields) == 2 {
				dir, okDir := lang.Unwrap(x.Fields[0]).(lang.String)
				env, okEnv := lang.Unwrap(x.Fields[1]).(*lang.Dictionary)
				if okDir && okEnv {
					w := watcherEnv{}
					for _, e := range env.Entries() {
						if k, ok := lang.Unwrap(e.Key).(lang.Symbol); ok {
							w.Names = append(w.Names, string(k))
						}
					}
					d := string(dir)
					// A relative DIR is relative to where synd runs, which
					// a checker cannot know: the working directory and every
					// directory above the declaring file are tried.
					cands := []string{d}
					if !filepath.IsAbs(d) {
						if abs, err := filepath.Abs(file); err == nil {
							for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
								cands = append(cands, filepath.Join(p, d))
								if filepath.Dir(p) == p {
									break
								}
							}
						}
					}
					for _, c := range cands {
						if abs, err := filepath.Abs(c); err == nil {
							w.Dirs = append(w.Dirs, abs)
						}
					}
					out = append(out, w)
				}
			}
			for _, f := range x.Fields {
				walk(f)
			}
		case lang.Sequence:
			for _, e := range x {
				walk(e)
			}
		case *lang.Dictionary:
			for _, e := range x.Entries() {
				walk(e.Value)
			}
		}
	}
	for _, v := range vals {
		walk(v)
	}
	return out
}

// varsFor collects the names the watchers bind for file.
func varsFor(file string, watchers []watcherEnv) []string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil
	}
	var out []string
	for _, w := range watchers {
		for _, d := range w.Dirs {
			if strings.HasPrefix(abs, d+string(filepath.Separator)) {
				out = append(out, w.Names...)
				break
			}
		}
	}
	return out
}
