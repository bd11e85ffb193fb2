package parser_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/parser"
)

func TestGround(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{`<require-service <daemon web>>`, true},
		{`<a "$x" =sym 1 [b] #{c} {d: e}>`, true},
		{`$x`, false},
		{`<require-service <daemon $name>>`, false},
		{`<a ?x>`, false},
		{`<a _>`, false},
		{`<$label>`, false},
		{`[1 [2 $x]]`, false},
		{`#{a $x}`, false},
		{`{$k: 1}`, false},
		{`{k: ?v}`, false},
		{`@$x note`, true}, // annotations are not part of the value
	} {
		v, err := parser.Parse("t", []byte(tc.src), parser.Options{Annotations: true})
		require.NoError(t, err, tc.src)
		assert.Equal(t, tc.want, parser.Ground(v), tc.src)
	}
}
