package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/chzyer/readline"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/repl"
)

const connectUsage = `usage: synd connect [--timeout DURATION] ROUTE [FILE...]

Resolves ROUTE, a gatekeeper.prs route such as

    <route [<tcp "127.0.0.1" 9001>] <ref {oid: world sig: #[...]}>>

(transports <tcp HOST PORT>, <unix PATH>, <ws URL>; sturdy-ref steps) and
runs each FILE with the resolved object bound to $remote, until SIGINT or
SIGTERM. While the link is down the scripts stop; when the route resolves
again they run afresh, so what they assert is re-made. Without FILE, the
REPL starts with $remote bound (":target $remote" sends what you type
there); what it asserted goes away when it ends.

Flags:
`

func runConnect(env *cmdEnv, args []string) int {
	fs := newFlags(env, "connect", connectUsage)
	timeout := fs.Duration("timeout", 10*time.Second, "give up if the route has not resolved by then")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return exitUsage
	}
	route, err := parser.Parse("ROUTE", []byte(fs.Arg(0)), parser.Options{})
	if r, ok := lang.Unwrap(route).(*lang.Record); err == nil && (!ok || !lang.Equal(r.Label, lang.Symbol("route")) || len(r.Fields) < 1) {
		err = fmt.Errorf("a route is <route [TRANSPORT ...] STEP ...>, not %s", lang.Format(route))
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "synd connect: %v\n", err)
		return exitUsage
	}
	route = lang.Unwrap(route)
	var scripts []*parser.Script
	for _, f := range fs.Args()[1:] {
		src, err := os.ReadFile(f)
		if err == nil {
			var s *parser.Script
			if s, err = parser.CompileFile(f, src); err == nil {
				scripts = append(scripts, s)
			}
		}
		if err != nil {
			fmt.Fprintf(env.stderr, "synd connect: %v\n", err)
			return exitFailure
		}
	}
	h := host.New(host.Options{Out: env.stdout})
	type answer struct {
		ref *eval.Ref
		err lang.Value
	}
	answers := make(chan answer, 1)
	tell := func(a answer) {
		select {
		case answers <- a:
		default:
		}
	}
	h.Sys.Post(h.Root, func(t *eval.Turn) {
		q := lang.NewRecord(lang.Symbol("resolve-path"), route)
		t.Assert(h.Config, lang.NewRecord(lang.Symbol("q"), q))
		pat := dataspace.Group{Kind: dataspace.GroupRecord, Label: lang.Symbol("a"), Entries: []dataspace.GroupEntry{
			{Key: lang.Int(0), Pattern: dataspace.Literal(q)},
			{Key: lang.Int(1), Pattern: dataspace.Bind{Pattern: dataspace.Discard{}}},
		}}
		t.During(h.Config, pat, func(t *eval.Turn, caps []lang.Value) {
			res, _ := lang.Unwrap(caps[0]).(*lang.Record)
			if res == nil || len(res.Fields) != 1 {
				return
			}
			if lang.Equal(res.Label, lang.Symbol("error")) {
				tell(answer{err: res.Fields[0]})
				return
			}
			rp, _ := lang.Unwrap(res.Fields[0]).(*lang.Record)
			if rp == nil || len(rp.Fields) != 3 {
				return
			}
			e, _ := lang.Unwrap(rp.Fields[2]).(lang.Embedded)
			ref, ok := e.Ref.(*eval.Ref)
			if !ok {
				return
			}
			tell(answer{ref: ref})
			scriptEnv := h.Env().With("remote", ref.Value())
			for _, s := range scripts {
				t.NewFacet(func(t *eval.Turn) { t.RunScript(s, scriptEnv) })
			}
		})
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.Sys.Hold()
	ran := make(chan error, 1)
	go func() { ran <- h.Run(ctx) }()
	var got answer
	select {
	case got = <-answers:
	case <-time.After(*timeout):
		got.err = lang.String("no answer in " + timeout.String())
	}
	if got.err != nil {
		cancel()
		<-ran
		fmt.Fprintf(env.stderr, "synd connect: %s does not resolve: %s\n", lang.Format(route), lang.Format(got.err))
		return exitFailure
	}
	if len(scripts) > 0 {
		sig := stopOnSignals(h, func() { h.Sys.Shutdown(); h.Sys.Release() })
		err := <-ran
		return sig.Exit(env.stderr, "connect", err)
	}
	// The REPL runs the system itself.
	cancel()
	<-ran
	h.Sys.Release()
	h.SetEnv(h.Env().With("remote", got.ref.Value()))
	fmt.Fprintf(env.stdout, "connected: $remote is the object of %s\n", lang.Format(route))
	terminal := false
	if f, ok := env.stdin.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
		terminal = true
	}
	rctx, rcancel := context.WithCancel(context.Background())
	defer rcancel()
	sig := stopOnSignals(h, rcancel)
	err = repl.Run(rctx, repl.Options{Host: h, In: env.stdin, Out: env.stdout, Terminal: terminal, HistoryFile: repl.HistoryFile()})
	return sig.Exit(env.stderr, "connect", err)
}
