package dataspace

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
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

// TestShapesFileAsCompile: a pattern compiled through a Shapes (its
// skeleton found or made, again and again, among patterns of other
// skeletons and constants) is filed exactly as compile(ParsePattern(v))
// files it; what is not a pattern is refused.
func TestShapesFileAsCompile(t *testing.T) {
	srcs := []string{
		`<_>`, `<bind <_>>`, `<lit 1>`, `<lit 2>`, `<lit up>`, `<lit <a 1 [2]>>`, `<lit <a 2 [3]>>`, `<lit {k: v}>`, `<lit #:x>`,
		`<group <rec a> {}>`, `<group <rec b> {}>`, `<group <rec a> {0: <bind <_>> 1: <lit 2>}>`, `<group <rec a> {0: <bind <_>> 1: <lit 3>}>`,
		`<group <rec a> {0: <bind <_>> 1: <lit <x>>}>`,
		`<group <rec service-state> {0: <group <rec milestone> {0: <lit "m0-0">}> 1: <lit up>}>`,
		`<group <rec service-state> {0: <group <rec daemon> {0: <lit "d">}> 1: <lit down>}>`,
		`<group <rec depends-on> {0: <group <rec milestone> {0: <lit m>}> 1: <bind <_>>}>`,
		`<group <arr> {0: <bind <bind <_>>> 2: <_>}>`,
		`<group <dict> {b: <bind <_>> a: <lit 1> @"note" c: <_>}>`,
		`<group <dict> {b: <bind <_>> a: <lit 2> c: <_>}>`,
		`<group <rec <x y>> {1: <group <dict> {k: <bind <_>>}>}>`,
		`@"ann" <group <rec a> {0: @"ann" <bind <_>>}>`,
		`foo`, `<nope>`, `<group <rec a> {0: <nope>}>`, `<group <rec a> {0: <_> 1: <bind <group <arr> {a: <_>}>>}>`,
	}
	c := NewShapes()
	for round := 0; round < 3; round++ {
		for _, src := range srcs {
			v, err := parser.Parse("t", []byte(src), parser.Options{Annotations: true})
			require.NoError(t, err, src)
			p, perr := ParsePattern(v)
			got, ok := c.shape(v)
			if perr != nil {
				assert.False(t, ok, src)
				continue
			}
			require.True(t, ok, src)
			sameCompiled(t, compile(p), got)
			again, ok := c.shape(v)
			require.True(t, ok, src)
			if _, rec := v.(*lang.Record); rec { // what Assert leaves of an Observe: annotations are stripped first
				assert.Same(t, got, again, src)
			}
		}
	}
}

// TestShapesScratchBounded: after a huge pattern, a Shapes keeps no
// scratch buffers of its size, and goes on compiling small ones right.
func TestShapesScratchBounded(t *testing.T) {
	c := NewShapes()
	entries := make([]GroupEntry, 5000)
	for i := range entries {
		entries[i] = GroupEntry{lang.Int(int64(i)), Bind{Lit{lang.Int(int64(i))}}}
	}
	big := Group{Kind: GroupRecord, Label: lang.Symbol("big"), Entries: entries}
	sh, ok := c.shape(big.Value())
	require.True(t, ok)
	sameCompiled(t, compile(big), sh)
	assert.LessOrEqual(t, cap(c.scratchS.tests), maxScratch)
	assert.LessOrEqual(t, cap(c.w.paths), 4*maxScratch)
	small := Group{Kind: GroupRecord, Label: lang.Symbol("a"), Entries: []GroupEntry{{lang.Int(0), Bind{Discard{}}}}}
	sh, ok = c.shape(small.Value())
	require.True(t, ok)
	sameCompiled(t, compile(small), sh)
}
