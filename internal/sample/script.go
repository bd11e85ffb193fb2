package sample

import (
	"fmt"
	"strings"
)

// Script writes a script of about n lines mixing every instruction.
func Script(n int) []byte {
	var b strings.Builder
	for i := 0; b.Len() == 0 || strings.Count(b.String(), "\n") < n; i++ {
		switch i % 8 {
		case 0:
			fmt.Fprintf(&b, "<service-%d \"name %d\" %d>\n", i, i, i)
		case 1:
			fmt.Fprintf(&b, "? <service-%d ?name ?n> [\n  <seen %d $name $n>\n  ?- ! <gone %d>\n]\n", i-1, i, i)
		case 2:
			fmt.Fprintf(&b, "let ?v%d = <point %d %d>\n", i, i, i+1)
		case 3:
			fmt.Fprintf(&b, "$v%d =~ <point ?x ?y> <destructured $x $y>\n", i-1)
		case 4:
			fmt.Fprintf(&b, "?? <ping %d ?who> ! <pong %d $who>\n", i, i)
		case 5:
			fmt.Fprintf(&b, "! <ping %d world>\n", i-1)
		case 6:
			fmt.Fprintf(&b, "{key: %d, other: [a b c], nested: {deep: #t}}\n", i)
		default:
			fmt.Fprintf(&b, "$log ! <log \"-\" {line: \"line %d\"}>\n", i)
		}
	}
	return []byte(b.String())
}
