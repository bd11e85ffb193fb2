package eval_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/parser"
)

// FuzzRunScript compiles random scripts and runs them, with a $config and a
// $log dataspace, under a step bound on a virtual clock (issue 17): whatever
// the script, the run ends (by quiescence, the horizon or the step bound)
// without a panic escaping, without an internal error (a recovered panic),
// and stopping everything afterwards leaves no actor running. Seeds are the
// language goldens. Run it with
//
//	go test ./eval -run '^$' -fuzz FuzzRunScript -fuzztime 5m
func FuzzRunScript(f *testing.F) {
	for _, glob := range []string{"../testdata/lang/*.pr", "../testdata/conformance/*.pr", "../testdata/errors/*.pr"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte("?? <tick ?n> [! <tick $n> ! <tick $n>]\n! <tick 0>\n"))
	f.Add([]byte("? < ?name ?port> <has-port $name $port>\n")) // found: exponential size
	f.Add([]byte("<a 1>\n? <a ?x> [<b $x> $undefined ! <c>]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 8192 {
			return
		}
		script, err := parser.CompileFile("fuzz.pr", src)
		if err != nil {
			return
		}
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		s := eval.NewSystem(eval.NewVirtualClock(start))
		s.StepLimit = 20000
		s.MaxQueued = 4096
		s.MaxDepth = 10000
		s.MaxValueNodes, s.MaxValueDepth = 1<<14, 256
		s.Horizon = start.Add(time.Hour)
		s.Spawn("host", func(tn *eval.Turn) {
			tn.Facet().PreventInert()
			config := tn.NewDataspace("config")
			log := tn.NewDataspace("log")
			tn.Spawn("script", func(tn *eval.Turn) {
				tn.RunScript(script, eval.Env{}.With("config", config.Value()).With("log", log.Value()))
			})
		})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := s.Run(ctx); err != nil && !errors.Is(err, eval.ErrStepLimit) {
			t.Fatalf("run: %v", err)
		}
		s.StepLimit = 0
		s.StopAll()
		s.Horizon = start // no further timers
		if err := s.Run(ctx); err != nil {
			t.Fatalf("stopping: %v", err)
		}
		if n := s.ActorsLive(); n != 0 {
			t.Fatalf("%d actors still running after StopAll", n)
		}
		for _, err := range s.Errors {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("a panic in the runtime: %v", err)
			}
		}
	})
}
