package host

import (
	"io"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// Attach makes a host for a system that works on another's dataspaces: a
// client of a running server, whose config and log are refs reached through
// a relay session. Nothing is booted: no standard library, no processes; the
// scripts it runs start with $config and $log bound to config and log, and
// its errors are printed to out.
func Attach(sys *eval.System, config, log *eval.Ref, out io.Writer) *Host {
	h := &Host{Sys: sys, Config: config, Log: log, out: out,
		shown: map[eval.Handle]lang.Value{}, hidden: map[eval.Handle]bool{}}
	sys.OnError = func(f *eval.Facet, err error) { h.Error(err) }
	sys.Spawn("attached", func(t *eval.Turn) {
		h.Root = t.Facet()
		h.Root.PreventInert()
	})
	sys.RunPending()
	return h
}
