package parser

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
)

func TestParseDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{1, 2, 19, 20, 511, 512, 513, 1024, 1025, 3000, 5000, 20000} {
		for i := 0; i < 3; i++ {
			var b strings.Builder
			if i == 1 {
				b.WriteByte('-')
			}
			if i == 2 {
				b.WriteString("+000")
			}
			for j := 0; j < n; j++ {
				b.WriteByte(byte('0' + r.IntN(10)))
			}
			want, ok := new(big.Int).SetString(strings.TrimPrefix(b.String(), "+"), 10)
			require.True(t, ok)
			got, ok := parseDecimal(b.String())
			require.True(t, ok)
			assert.Equal(t, 0, want.Cmp(got), "%d digits", n)
		}
	}
	for _, bad := range []string{"", "-", "+", "1x", "--1", "1 2"} {
		_, ok := parseDecimal(bad)
		assert.False(t, ok, bad)
	}
}

// TestDecimalLinearish pins issue 17 point 17: a decimal integer of 10^6
// digits took 3 s to read (math/big's SetString is quadratic); the reader
// now splits it (parseDecimal: Karatsuba multiplications, about n^1.6).
// Timed against math/big on half the digits in the same run, so that a
// loaded machine slows both alike: math/big's parse of 5*10^5 digits takes
// about five times as long as ours of 10^6.
func TestDecimalLinearish(t *testing.T) {
	if testing.Short() {
		t.Skip("parses a million digits")
	}
	large := "9" + strings.Repeat("1234567890", 100000)
	half := large[:500000]
	var v lang.Value
	ours := time.Duration(1 << 62)
	for i := 0; i < 3; i++ { // the best of three, against load spikes
		start := time.Now()
		var err error
		v, err = Parse("big", []byte(large), Options{})
		ours = min(ours, time.Since(start))
		require.NoError(t, err)
	}
	start := time.Now()
	_, ok := new(big.Int).SetString(half, 10)
	quadratic := time.Since(start)
	require.True(t, ok)
	t.Logf("10^6 digits: %v; math/big on 5*10^5 digits: %v", ours, quadratic)
	assert.Less(t, ours, quadratic, "10^6 digits read faster than math/big reads half as many")
	assert.Less(t, ours, 5*time.Second)
	n, ok := new(big.Int).SetString(large[:1000], 10)
	require.True(t, ok)
	got := v.(interface{ Big() *big.Int }).Big()
	shift := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(large)-1000)), nil)
	assert.Equal(t, 0, new(big.Int).Quo(got, shift).Cmp(n), "the leading digits are right")
}
