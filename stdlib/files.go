package stdlib

import (
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// ScriptRunner compiles and starts a script file in a facet; it reports
// whether the text compiled (errors are reported by the runner). src is
// the runner's only for the call: a runner that keeps the text copies it
// (the file primitives read every run-script into one reused buffer).
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
	var fw *fileWatcher
	watch := func(t *eval.Turn, path string, tree bool, changed func(t *eval.Turn)) {}
	if opts.Watch {
		fw = newFileWatcher(t.System())
		t.OnStop(func(*eval.Turn) { fw.close() })
		watch = fw.watch
	}
	// The buffer every run-script of this system reads its file into (a
	// thousand processes of one program read it a thousand times).
	var scratch []byte
	t.During(ds, recPattern("file-watch", capture, capture), func(t *eval.Turn, caps []lang.Value) {
		root, ok1 := lang.Unwrap(caps[0]).(lang.String)
		suffix, ok2 := lang.Unwrap(caps[1]).(lang.String)
		if !ok1 || !ok2 {
			t.Fail(&primitiveError{"file-watch needs a path and a suffix (strings), not " + lang.Format(caps[0]) + " " + lang.Format(caps[1])})
			return
		}
		present := map[string]eval.Handle{}
		reported := map[string]bool{} // skipped paths already reported
		scan := func(t *eval.Turn) {
			files, skipped := listFiles(string(root), string(suffix))
			now := map[string]bool{}
			for _, err := range skipped {
				now[err.Path] = true
				if !reported[err.Path] {
					t.System().Report(t.Facet(), &primitiveError{"file-watch: skipped " + err.Error()})
				}
			}
			reported = now
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
		watch(t, string(root), true, scan)
	})
	t.During(ds, recPattern("read-values", capture), func(t *eval.Turn, caps []lang.Value) {
		file, ok := lang.Unwrap(caps[0]).(lang.String)
		if !ok {
			t.Fail(&primitiveError{"read-values needs a file name (a string), not " + lang.Format(caps[0])})
			return
		}
		var current []eval.Handle
		var lastErr string
		load := func(t *eval.Turn) {
			src, err := os.ReadFile(string(file))
			if err != nil {
				// Reported once; tried again when the file or its mode
				// changes. A file that has gone is its file-watch's business.
				if !errors.Is(err, fs.ErrNotExist) && err.Error() != lastErr {
					t.System().Report(t.Facet(), &primitiveError{"read-values: " + err.Error()})
				}
				lastErr = err.Error()
				return
			}
			lastErr = ""
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
		watch(t, string(file), false, load)
	})
	t.During(ds, recPattern("run-script", capture, capture), func(t *eval.Turn, caps []lang.Value) {
		file, ok := lang.Unwrap(caps[0]).(lang.String)
		env, _ := lang.Unwrap(caps[1]).(*lang.Dictionary)
		if !ok {
			t.Fail(&primitiveError{"run-script needs a file name (a string), not " + lang.Format(caps[0])})
			return
		}
		rs := &scriptRun{file: string(file), env: env, run: opts.Run, scratch: &scratch}
		rs.load(t)
		if fw != nil {
			fw.watch(t, rs.file, false, rs.load)
		}
	})
}

// scriptRun is one run-script: the version of its file that runs.
type scriptRun struct {
	file    string
	env     *lang.Dictionary
	run     ScriptRunner
	current *eval.Facet
	digest  [32]byte
	lastErr string
	scratch *[]byte // shared by the run-scripts of one StartFiles
}

// load reads the file and, if it is new and compiles, runs it in place of
// the version that ran.
func (rs *scriptRun) load(t *eval.Turn) {
	// The shared buffer is taken while in use, so that a load within a
	// load (were a runner to start one) reads into a buffer of its own.
	buf := *rs.scratch
	*rs.scratch = nil
	src, err := readFileInto(rs.file, buf)
	defer func() {
		if cap(src) <= maxScratch {
			*rs.scratch = src[:0]
		}
	}()
	if err != nil {
		// Say why nothing (new) runs, once; the facet stays, so the file
		// is read again when it or its mode changes. A removed file's
		// run-script is retracted by its file-watch.
		if err.Error() != rs.lastErr {
			t.System().Report(t.Facet(), &primitiveError{"run-script: " + err.Error()})
		}
		rs.lastErr = err.Error()
		return
	}
	rs.lastErr = ""
	d := sha256.Sum256(src)
	if rs.current != nil && d == rs.digest {
		return
	}
	var next *eval.Facet
	okay := false
	next = t.NewFacetHeld(func(t *eval.Turn) {
		okay = rs.run(t, rs.file, src, rs.env)
	})
	if !okay {
		t.StopFacet(next) // the old version, if any, keeps running
		return
	}
	if rs.current != nil {
		t.StopFacet(rs.current)
	}
	rs.current, rs.digest = next, d
}

// maxScratch bounds the run-script buffer kept between loads: a large
// script's text is not kept for the small ones.
const maxScratch = 64 << 10

// readFileInto is os.ReadFile into buf (reused from its start, grown as
// needed).
func readFileInto(name string, buf []byte) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return buf[:0], err
	}
	defer f.Close()
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if err == io.EOF {
				return buf, nil
			}
			return buf, err
		}
	}
}

// settle is how long the file system must stay quiet after a change before
// the change is acted on.
const settle = 100 * time.Millisecond

// ListFiles lists the files under root ending in suffix: recursive, sorted,
// hidden files and directories skipped, and so are paths that cannot be
// read (see listFiles).
func ListFiles(root, suffix string) []string {
	files, _ := listFiles(root, suffix)
	return files
}

// listFiles is ListFiles, also returning every path it had to skip (an
// unreadable directory, say) with the reason. A root that does not exist is
// no error: it has no files (yet).
func listFiles(root, suffix string) ([]string, []*fs.PathError) {
	var files []string
	var skipped []*fs.PathError
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if !(path == root && errors.Is(err, fs.ErrNotExist)) {
				pe, ok := err.(*fs.PathError)
				if !ok {
					pe = &fs.PathError{Op: "read", Path: path, Err: err}
				}
				skipped = append(skipped, pe)
			}
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
	return files, skipped
}
