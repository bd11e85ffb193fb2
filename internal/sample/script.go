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

// SynitTree writes the files of a Synit-style configuration tree with about n
// services: a boot layer of milestones (core, network, services) and daemons
// in layers, each depending on its layer's milestone and on a few daemons of
// the layer before it. Every name and dependency follows from n alone.
func SynitTree(n int) map[string]string {
	files := map[string]string{}
	var boot strings.Builder
	boot.WriteString("# boot layer: milestones\n")
	milestones := []string{"core", "network", "devices", "services", "login"}
	for i, m := range milestones {
		fmt.Fprintf(&boot, "<milestone %s>\n<require-service <milestone %s>>\n", m, m)
		if i > 0 {
			fmt.Fprintf(&boot, "<depends-on <milestone %s> <service-state <milestone %s> up>>\n", m, milestones[i-1])
		}
	}
	files["boot/000-milestones.pr"] = boot.String()
	daemons := n - len(milestones)
	perLayer := (daemons + len(milestones) - 1) / len(milestones)
	var prev []string
	for layer, m := range milestones {
		var b strings.Builder
		var cur []string
		for j := 0; j < perLayer && len(cur)+layer*perLayer < daemons; j++ {
			name := fmt.Sprintf("%s-%02d", m, j)
			cur = append(cur, name)
			fmt.Fprintf(&b, "<require-service <daemon %s>>\n", name)
			fmt.Fprintf(&b, "<daemon %s \"exec sleep 1000\">\n", name)
			fmt.Fprintf(&b, "<depends-on <daemon %s> <service-state <milestone %s> up>>\n", name, m)
			if len(prev) > 0 {
				fmt.Fprintf(&b, "<depends-on <daemon %s> <service-state <daemon %s> ready>>\n", name, prev[(j*7)%len(prev)])
			}
			if layer+1 < len(milestones) && j%4 == 0 {
				fmt.Fprintf(&b, "<depends-on <milestone %s> <service-state <daemon %s> ready>>\n", milestones[layer+1], name)
			}
		}
		files[fmt.Sprintf("%s/services.pr", m)] = b.String()
		prev = cur
	}
	return files
}
