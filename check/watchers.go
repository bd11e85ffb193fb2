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
	visit := func(v lang.Value) bool {
		x, ok := lang.Unwrap(v).(*lang.Record)
		if !ok {
			return true
		}
		if l, _ := lang.Unwrap(x.Label).(lang.Symbol); l == "config-watcher" && len(x.Fields) == 2 {
			dir, okDir := lang.Unwrap(x.Fields[0]).(lang.String)
			env, okEnv := lang.Unwrap(x.Fields[1]).(*lang.Dictionary)
			if okDir && okEnv {
				out = append(out, watcherAt(file, string(dir), env))
			}
		}
		return true
	}
	for _, v := range vals {
		lang.Walk(v, visit)
	}
	return out
}

// watcherAt is a <config-watcher DIR ENV> written in file.
func watcherAt(file, dir string, env *lang.Dictionary) watcherEnv {
	w := watcherEnv{}
	for _, e := range env.Entries() {
		if k, ok := lang.Unwrap(e.Key).(lang.Symbol); ok {
			w.Names = append(w.Names, string(k))
		}
	}
	// A relative DIR is relative to where synd runs, which a checker cannot
	// know: the working directory and every directory above the declaring
	// file are tried.
	cands := []string{dir}
	if !filepath.IsAbs(dir) {
		if abs, err := filepath.Abs(file); err == nil {
			for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
				cands = append(cands, filepath.Join(p, dir))
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
	return w
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
