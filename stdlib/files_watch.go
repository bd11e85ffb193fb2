package stdlib

import (
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/synd-lang/synd/eval"
)

// watchRetry is how often directories that could not be watched (a watch
// limit reached, a directory not there yet) are tried again.
const watchRetry = 2 * time.Second

// fileWatcher is the one fsnotify watcher (one inotify instance) of a
// StartFiles: every file-watch, read-values and run-script shares it, with a
// watch per directory counted by its users. It follows directories that are
// deleted and created again or swapped in with mv, and retries what fails.
type fileWatcher struct {
	sys *eval.System

	mu      sync.Mutex
	w       *fsnotify.Watcher
	closed  bool
	dirs    map[string]int                    // directory → subscriptions using it
	failed  map[string]bool                   // directories to try again
	files   map[string]map[*subscription]bool // file path → its subscriptions
	trees   map[*subscription]bool
	retrier *time.Timer
}

// subscription is one user of the watcher: a tree under root, or one file.
type subscription struct {
	fw      *fileWatcher
	path    string
	tree    bool
	dirs    map[string]bool // directories this subscription counts on
	facet   *eval.Facet
	changed func(t *eval.Turn)
	quiet   *time.Timer // settles a burst of changes
	stopped bool
}

func newFileWatcher(sys *eval.System) *fileWatcher {
	return &fileWatcher{sys: sys, dirs: map[string]int{}, failed: map[string]bool{},
		files: map[string]map[*subscription]bool{}, trees: map[*subscription]bool{}}
}

// start makes the fsnotify watcher on first use. Call with mu held.
func (fw *fileWatcher) start() error {
	if fw.w != nil {
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	fw.w = w
	go fw.loop(w)
	return nil
}

// close ends the watcher (the StartFiles facet has stopped).
func (fw *fileWatcher) close() {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	fw.closed = true
	if fw.w != nil {
		fw.w.Close()
	}
	if fw.retrier != nil {
		fw.retrier.Stop()
	}
}

// watch subscribes the active facet to changes under path (a tree: every
// file and directory under it, or one file), calling changed in a turn of
// the facet once a burst of changes has settled. The subscription ends with
// the facet, and holds the system while it lasts.
func (fw *fileWatcher) watch(t *eval.Turn, path string, tree bool, changed func(t *eval.Turn)) {
	s := &subscription{fw: fw, path: filepath.Clean(path), tree: tree, dirs: map[string]bool{},
		facet: t.Facet(), changed: changed}
	fw.mu.Lock()
	if fw.closed {
		fw.mu.Unlock()
		return
	}
	if err := fw.start(); err != nil {
		fw.mu.Unlock()
		t.System().Report(t.Facet(), err)
		return
	}
	if tree {
		fw.trees[s] = true
	} else {
		if fw.files[s.path] == nil {
			fw.files[s.path] = map[*subscription]bool{}
		}
		fw.files[s.path][s] = true
	}
	fw.resync(s)
	fw.mu.Unlock()
	fw.sys.Hold()
	t.OnStop(func(*eval.Turn) { fw.unwatch(s) })
}

func (fw *fileWatcher) unwatch(s *subscription) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if s.stopped {
		return
	}
	s.stopped = true
	if s.quiet != nil {
		s.quiet.Stop()
	}
	delete(fw.trees, s)
	if subs := fw.files[s.path]; subs != nil {
		delete(subs, s)
		if len(subs) == 0 {
			delete(fw.files, s.path)
		}
	}
	for d := range s.dirs {
		fw.release(d)
	}
	s.dirs = nil
	fw.sys.Release()
}

// wanted lists the directories s needs watched: for a tree, its root's
// parent (to see the root itself come and go) and every directory under it;
// for a file, the directory holding it (editors replace files).
func (s *subscription) wanted() []string {
	if !s.tree {
		return []string{filepath.Dir(s.path)}
	}
	dirs := []string{filepath.Dir(s.path)}
	_ = filepath.WalkDir(s.path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // reported by the lister
		}
		if d.IsDir() {
			if p != s.path && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			dirs = append(dirs, p)
		}
		return nil
	})
	return dirs
}

// resync makes s's watches match what is on disk now: watches are added
// afresh (a directory deleted and made again, or swapped in with mv, is a
// new inode at the same path) and those no longer wanted are released.
// Call with mu held.
func (fw *fileWatcher) resync(s *subscription) {
	want := map[string]bool{}
	for _, d := range s.wanted() {
		want[d] = true
	}
	for d := range s.dirs {
		if !want[d] {
			delete(s.dirs, d)
			fw.release(d)
		}
	}
	for d := range want {
		if !s.dirs[d] {
			s.dirs[d] = true
			fw.dirs[d]++
		}
		fw.add(d)
	}
}

// add (re)registers a watch on d; one that fails is retried later.
func (fw *fileWatcher) add(d string) {
	if err := fw.w.Add(d); err != nil {
		if !fw.failed[d] {
			fw.failed[d] = true
		}
		if fw.retrier == nil {
			fw.retrier = time.AfterFunc(watchRetry, fw.retry)
		}
		return
	}
	delete(fw.failed, d)
}

func (fw *fileWatcher) release(d string) {
	fw.dirs[d]--
	if fw.dirs[d] <= 0 {
		delete(fw.dirs, d)
		delete(fw.failed, d)
		_ = fw.w.Remove(d)
	}
}

// retry tries the failed directories again; when one can be watched now,
// the subscriptions under it are told (a file may have appeared meanwhile).
func (fw *fileWatcher) retry() {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	fw.retrier = nil
	if fw.closed || len(fw.failed) == 0 {
		return
	}
	var now []string
	for d := range fw.failed {
		if fw.dirs[d] > 0 && fw.w.Add(d) == nil {
			now = append(now, d)
		}
	}
	for _, d := range now {
		delete(fw.failed, d)
		fw.touch(d)
	}
	if len(fw.failed) > 0 {
		fw.retrier = time.AfterFunc(watchRetry, fw.retry)
	}
}

func (fw *fileWatcher) loop(w *fsnotify.Watcher) {
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			fw.mu.Lock()
			fw.event(ev)
			fw.mu.Unlock()
		case _, ok := <-w.Errors:
			if !ok {
				return
			}
			// Events were lost (a full queue): everyone looks again.
			fw.mu.Lock()
			for s := range fw.trees {
				fw.resync(s)
				s.notify()
			}
			for _, subs := range fw.files {
				for s := range subs {
					s.notify()
				}
			}
			fw.mu.Unlock()
		}
	}
}

// event dispatches one change. Call with mu held.
func (fw *fileWatcher) event(ev fsnotify.Event) {
	name := filepath.Clean(ev.Name)
	for s := range fw.files[name] {
		s.notify()
	}
	for s := range fw.trees {
		switch {
		case name == s.path:
			// The root itself came, went or was swapped: watch afresh.
			fw.resync(s)
			s.notify()
		case strings.HasPrefix(name, s.path+string(filepath.Separator)):
			if ev.Has(fsnotify.Create) || ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
				fw.resync(s) // a directory may have come or gone under it
			}
			s.notify()
		}
	}
}

// touch tells every subscription that counts on directory d.
func (fw *fileWatcher) touch(d string) {
	for s := range fw.trees {
		if s.dirs[d] {
			s.notify()
		}
	}
	for _, subs := range fw.files {
		for s := range subs {
			if s.dirs[d] {
				s.notify()
			}
		}
	}
}

// notify calls changed once the burst of changes is over. Call with the
// watcher's mu held.
func (s *subscription) notify() {
	if s.stopped {
		return
	}
	if s.quiet != nil {
		s.quiet.Reset(settle)
		return
	}
	s.quiet = time.AfterFunc(settle, func() {
		s.fw.mu.Lock()
		stopped := s.stopped
		s.fw.mu.Unlock()
		if !stopped {
			s.fw.sys.Post(s.facet, s.changed)
		}
	})
}
