package sturdy

import (
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

// Caveats are evaluated by the evaluator's one implementation of sturdy.prs
// caveats (eval.ParseCaveats), the one script attenuations use too.

// Errors of caveat checking (rewrite.rs CaveatError).
var (
	ErrUnboundRef           = eval.ErrUnboundRef
	ErrBindingUnderNegation = eval.ErrBindingUnderNegation
)

// CheckCaveats reports whether caveats are safe to run (rewrite.rs
// Caveat::validate_many): an error wraps ErrUnboundRef or
// ErrBindingUnderNegation.
func CheckCaveats(caveats []lang.Value) error {
	_, err := eval.ParseCaveats(caveats)
	return err
}

// Attenuate returns r narrowed by caveats (r itself if there are none).
func Attenuate(sys *eval.System, r *eval.Ref, caveats []lang.Value) (*eval.Ref, error) {
	cs, err := eval.ParseCaveats(caveats)
	if err != nil {
		return nil, err
	}
	return r.Attenuate(sys, cs), nil
}
