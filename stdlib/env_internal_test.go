package stdlib

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSortEnvKeepsTheLastOfAName(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"B=1", "A=1"}, []string{"A=1", "B=1"}},
		{[]string{"A=1", "B=2", "A=3"}, []string{"A=3", "B=2"}},
		{[]string{"A0=x", "A=2", "A=1", "AB=y"}, []string{"A=1", "A0=x", "AB=y"}},
		{[]string{"EMPTY=", "EMPTY=v"}, []string{"EMPTY=v"}},
		{nil, nil},
	} {
		got := sortEnv(append([]string(nil), tc.in...))
		if tc.want == nil {
			assert.Empty(t, got)
			continue
		}
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
}
