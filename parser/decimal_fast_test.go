package parser

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSmallDecimal checks the reader's fast path for integers against
// strconv: it takes exactly the forms it claims and reads them the same.
func TestSmallDecimal(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "7", "-7", "0123", "-0123", "123456789012345678", "-123456789012345678",
		"1234567890123456789", "+5", "-", "", "1.5", "1e3", "12a", "--1", "a1", "9223372036854775807",
	} {
		n, ok := smallDecimal(s)
		want, err := strconv.ParseInt(s, 10, 64)
		short := len(s) > 0 && len(s) <= 18 || len(s) == 19 && s[0] == '-'
		if ok {
			assert.NoError(t, err, s)
			assert.Equal(t, want, n, s)
			assert.True(t, short, s)
		} else if err == nil && s[0] != '+' {
			assert.False(t, short, "%s should take the fast path", s)
		}
	}
}
