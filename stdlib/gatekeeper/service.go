package gatekeeper

import (
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// StartService runs the <gatekeeper DS> service class on config (as
// syndicate-server's services/gatekeeper.rs): while <run-service
// <gatekeeper DS>> is asserted, a gatekeeper over DS is published as
// <service-object <gatekeeper DS> #:GATEKEEPER>, and the service is started
// and ready.
func StartService(t *eval.Turn, config *eval.Ref) {
	t.During(config, recPattern(lang.Symbol("run-service"), recPattern(lang.Symbol("gatekeeper"), capture)), func(t *eval.Turn, caps []lang.Value) {
		e, isEmb := lang.Unwrap(caps[0]).(lang.Embedded)
		ds, isRef := e.Ref.(*eval.Ref)
		name := lang.NewRecord(lang.Symbol("gatekeeper"), caps[0])
		if !isEmb || !isRef {
			t.Assert(config, lang.NewRecord(lang.Symbol("service-state"), name, lang.Symbol("failed")))
			return
		}
		gk := New(t, ds)
		t.Assert(config, lang.NewRecord(lang.Symbol("service-object"), name, gk.Value()))
		t.Assert(config, lang.NewRecord(lang.Symbol("service-state"), name, lang.Symbol("started")))
		t.Assert(config, lang.NewRecord(lang.Symbol("service-state"), name, lang.Symbol("ready")))
	})
}
