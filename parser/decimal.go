package parser

import "math/big"

// decimalLeaf is the length of digit string math/big parses directly: its
// SetString takes time quadratic in the length (10^6 digits: seconds).
const decimalLeaf = 512

// parseDecimal parses an optionally signed decimal integer in about the
// time of a multiplication of its size (times a logarithm): the digits are
// split in two, each half parsed the same way, and the halves joined by a
// multiplication by a power of ten (Karatsuba in math/big), the powers made
// by repeated squaring.
func parseDecimal(s string) (*big.Int, bool) {
	neg := false
	switch {
	case s == "":
		return nil, false
	case s[0] == '-' || s[0] == '+':
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, false
		}
	}
	if len(s) <= decimalLeaf {
		n, ok := new(big.Int).SetString(s, 10)
		if ok && neg {
			n.Neg(n)
		}
		return n, ok
	}
	// pows[k] is 10^(decimalLeaf * 2^k).
	pows := []*big.Int{new(big.Int).Exp(big.NewInt(10), big.NewInt(decimalLeaf), nil)}
	for decimalLeaf<<len(pows) < len(s) {
		p := pows[len(pows)-1]
		pows = append(pows, new(big.Int).Mul(p, p))
	}
	n := decimalDigits(s, pows)
	if neg {
		n.Neg(n)
	}
	return n, true
}

// decimalDigits parses a string of digits; the low part of each split is
// decimalLeaf * 2^k digits long, so that its power of ten is in pows.
func decimalDigits(s string, pows []*big.Int) *big.Int {
	if len(s) <= decimalLeaf {
		n, _ := new(big.Int).SetString(s, 10)
		return n
	}
	k := 0
	for decimalLeaf<<(k+1) < len(s) {
		k++
	}
	lo := len(s) - decimalLeaf<<k
	hi := decimalDigits(s[:lo], pows)
	hi.Mul(hi, pows[k])
	return hi.Add(hi, decimalDigits(s[lo:], pows))
}
