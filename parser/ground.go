package parser

import (
	"strings"

	"github.com/synd-lang/synd/lang"
)

// Ground reports whether v, as read from a script, stands for itself
// wherever it is written: it holds no $variable, ?binder or _ discard at
// any depth, so its value is known without running the script.
func Ground(v lang.Value) bool {
	ground := true
	lang.Walk(v, func(v lang.Value) bool {
		if s, ok := lang.Unwrap(v).(lang.Symbol); ok && (s == "_" || strings.HasPrefix(string(s), "$") || strings.HasPrefix(string(s), "?")) {
			ground = false
		}
		return ground
	})
	return ground
}
