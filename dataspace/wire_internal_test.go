package dataspace

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/parser"
)

// TestCompileWireIsCompileOfParse: compiling a pattern's wire form straight
// gives the shape compile(ParsePattern(v)) gives, and rejects exactly what
// ParsePattern rejects.
func TestCompileWireIsCompileOfParse(t *testing.T) {
	for _, src := range []string{
		`<_>`, `<bind <_>>`, `<lit 1>`, `<lit up>`, `<lit <a 1 [2]>>`, `<lit {k: v}>`, `<lit #:x>`,
		`<group <rec a> {}>`, `<group <rec a> {0: <bind <_>> 1: <lit 2>}>`,
		`<group <rec service-state> {0: <group <rec milestone> {0: <lit "m0-0">}> 1: <lit up>}>`,
		`<group <rec depends-on> {0: <group <rec milestone> {0: <lit m>}> 1: <bind <_>>}>`,
		`<group <arr> {0: <bind <bind <_>>> 2: <_>}>`,
		`<group <dict> {b: <bind <_>> a: <lit 1> @"note" c: <_>}>`,
		`<group <rec <x y>> {1: <group <dict> {k: <bind <_>>}>}>`,
		`@"ann" <group <rec a> {0: @"ann" <bind <_>>}>`,
		// Not patterns: each is rejected by both.
		`foo`, `<nope>`, `<_ 1>`, `<bind>`, `<lit>`, `<group <rec a>>`,
		`<group <rec> {}>`, `<group <arr 1> {}>`, `<group <other> {}>`, `<group <rec a> [1]>`,
		`<group <rec a> {x: <_>}>`, `<group <arr> {-1: <_>}>`, `<group <rec a> {0: <nope>}>`,
		`<group <rec a> {0: <_> 1: <bind <group <arr> {a: <_>}>>}>`,
	} {
		v, err := parser.Parse("t", []byte(src), parser.Options{Annotations: true})
		require.NoError(t, err, src)
		p, perr := ParsePattern(v)
		got, gerr := compileWire(v)
		if perr != nil {
			assert.Error(t, gerr, src)
			continue
		}
		require.NoError(t, gerr, src)
		assert.Equal(t, compile(p), got, src)
	}
}

// TestCompileWireOfLiterals: the literal patterns of values of every kind.
func TestCompileWireOfLiterals(t *testing.T) {
	for _, src := range []string{`1`, `<a>`, `<a <b c> [d {e: f}]>`, `[]`, `{}`, `#{1}`} {
		v, err := parser.Parse("t", []byte(src), parser.Options{})
		require.NoError(t, err, src)
		p := Literal(v)
		got, err := compileWire(p.Value())
		require.NoError(t, err, src)
		assert.Equal(t, compile(p), got, src)
	}
}
