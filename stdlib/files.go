package stdlib

import (
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// ScriptRunner compiles and starts a script file in a facet; it reports
// whether the text compiled (errors are reported by the runner).
type ScriptRunner func(t *eval.Turn, file string, src []byte, env *lang.Dictionary) bool

// FileOptions configure the file primitives.
type FileOptions struct {
	// Watch keeps following changes with fsnotify (holding the system while
	// anything is watched); without it, directories and files are read once,
	// which is what deterministic tests want.
	Watch bool
	// Run starts a script (see StartFiles).
	Run ScriptRunner
	// Read reads the values of a file of Preserves text.
	Read func(file string, src []byte) ([]lang.Value, error)
}

// StartFiles runs the file primitives on ds, from the active facet:
//
//	<file-watch PATH SUFFIX>        while asserted, the driver asserts
//	<watched-file PATH SUFFIX FILE> for every file under PATH whose name ends
//	                                in SUFFIX (recursive, sorted, hidden files
//	                                and directories skipped), following
//	                                additions and removals
//	<read-values FILE>              while asserted, the driver asserts
//	<file-value FILE V>             for every value V in FILE (Preserves
//	                                text), following changes; if a new text
//	                                does not read, the error is reported and
//	                                the old values stay
//	<run-script FILE ENV>           while asserted, FILE runs as a script with
//	                                ENV (a dictionary) added to its
//	                                environment; when the file changes it is
//	                                compiled again and, if it compiles,
//	                                replaces the old version, which otherwise
//	                                keeps running
func StartFiles(t *eval.Turn, ds *eval.Ref, opts FileOptions) {
	t.During(ds, recPattern("file-watch", capture, capture), func(t *eval.Turn, caps []lang.Value) {
		root, ok1 := lang.Unwrap(caps[0]).(lang.String)
		suffix, ok2 := lang.Unwrap(caps[1]).(lang.String)
		if !ok1 || !ok2 {
			t.Fail(&primitiveError{"file-watch needs a path and a suffix (strings), not " + lang.Format(caps[0]) + " " + lang.Format(caps[1])})
			return
		}
		present := map[string]eval.Handle{}
		scan := func(t *eval.Turn) {
			files := ListFiles(string(root), string(suffix))
			seen := map[string]bool{}
			for _, f := range files {
				seen[f] = true
				if _, ok := present[f]; !ok {
					present[f] = t.Assert(ds, rec("watched-file", root, suffix, lang.String(f)))
				}
			}
			var gone []string
			for f := range present {
				if !seen[f] {
					gone = append(gone, f)
				}
			}
			sort.Strings(gone)
			for _, f := range gone {
				t.Retract(present[f])
				delete(present, f)
			}
		}
		scan(t)
		if opts.Watch {
			watch(t, string(root), true, scan)
		}
	})
	t.During(ds, recPattern("read-values", capture), func(t *eval.Turn, caps []lang.Value) {
		file, ok := lang.Unwrap(caps[0]).(lang.String)
		if !ok {
			t.Fail(&primitiveError{"read-values needs a file name (a string), not " + lang.Format(caps[0])})
			return
		}
		var current []eval.Handle
		load := func(t *eval.Turn) {
			src, err := os.ReadFile(string(file))
			if err != nil {
				return
			}
			vals, err := opts.Read(string(file), src)
			if err != nil {
				t.System().Report(t.Facet(), err)
				return // the old values stay
			}
			for _, h := range current {
				t.Retract(h)
			}
			current = current[:0]
			for _, v := range vals {
				current = append(current, t.Assert(ds, rec("file-value", file, v)))
			}
		}
		load(t)
		if opts.Watch {
			watch(t, string(file), false, load)
		}
	})
	t.During(ds, recPattern("run-script", capture, capture), func(t *eval.Turn, caps []lang.Value) {
		file, ok := lang.Unwrap(caps[0]).(lang.String)
		env, _ := lang.Unwrap(caps[1]).(*lang.Dictionary)
		if !ok {
			t.Fail(&primitiveError{"run-script needs a file name (a string), not " + lang.Format(caps[0])})
			return
		}
		var current *eval.Facet
		var digest [32]byte
		load := func(t *eval.Turn) {
			src, err := os.ReadFile(string(file))
			if err != nil {
				if current == nil {
					// Nothing runs: say why (a missing program, say).
					t.Fail(&primitiveError{"run-script: " + err.Error()})
				}
				return // removed later: its file-watch retracts the run-script
			}
			d := sha256.Sum256(src)
			if current != nil && d == digest {
				return
			}
			var next *eval.Facet
			okay := false
			next = t.NewFacetHeld(func(t *eval.Turn) {
				okay = opts.Run(t, string(file), src, env)
			})
			if !okay {
				t.StopFacet(next) // the old version, if any, keeps running
				return
			}
			if current != nil {
				t.StopFacet(current)
			}
			current, digest = next, d
		}
		load(t)
		if opts.Watch {
			watch(t, string(file), false, load)
		}
	})
}

// settle is how long the file system must stay quiet after a change before
// the change is acted on.
const settle = 100 * time.Millisecond

// ListFiles lists the files under root ending in suffix: recursive, sorted,
// hidden files and directories skipped.
func ListFiles(root, suffix string) []string {
	var files []string
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), suffix) {
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files
}

// watch calls changed (in a turn of the active facet) whenever something
// under path changes, until the facet stops. For a directory it follows
// subdirectories as they appear; for a file it watches the directory holding
// it, so that editors that replace files are followed too.
func watch(t *eval.Turn, path string, tree bool, changed func(t *eval.Turn)) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		t.Fail(err)
		return
	}
	dirs := []string{path}
	if tree {
		dirs = nil
		_ = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
	} else {
		dirs = []string{filepath.Dir(path)}
	}
	for _, d := range dirs {
		_ = w.Add(d)
	}
	sys, facet := t.System(), t.Facet()
	sys.Hold()
	var once sync.Once
	stop := func() { once.Do(func() { w.Close() }) }
	go func() {
		defer sys.Release()
		// Changes come in bursts (an editor truncates, then writes): act
		// once the burst is over, not on a half-written file.
		var quiet *time.Timer
		defer func() {
			if quiet != nil {
				quiet.Stop()
			}
		}()
		for {
			select {
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if !tree && filepath.Clean(ev.Name) != filepath.Clean(path) {
					continue
				}
				if tree && ev.Has(fsnotify.Create) {
					if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
						_ = w.Add(ev.Name)
					}
				}
				if quiet == nil {
					quiet = time.AfterFunc(settle, func() { sys.Post(facet, changed) })
				} else {
					quiet.Reset(settle)
				}
			case _, ok := <-w.Errors:
				if !ok {
					return
				}
			}
		}
	}()
	t.OnStop(func(*eval.Turn) { stop() })
}
