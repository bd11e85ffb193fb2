// Package graph draws the service dependency graph of a status model: as
// Graphviz DOT text, as Mermaid text, and as SVG (by Graphviz's dot, when it
// is installed).
package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/synd-lang/synd/internal/status"
)

// Colours of the states, fill then border: one palette for every format.
var palette = map[string][2]string{
	"ready":    {"#c8f0c8", "#2e7d32"},
	"up":       {"#c8f0c8", "#2e7d32"},
	"complete": {"#dde6f0", "#4a6785"},
	"started":  {"#fff3c4", "#b08800"},
	"waiting":  {"#fff3c4", "#b08800"},
	"failed":   {"#f8c8c8", "#c62828"},
	"down":     {"#f4f4f4", "#9e9e9e"},
	"static":   {"#ffffff", "#455a64"},
}

func colours(state string) [2]string {
	if c, ok := palette[state]; ok {
		return c
	}
	return [2]string{"#eee0f5", "#6a1b9a"} // a user-defined state
}

// Options adjust a drawing.
type Options struct {
	// Static draws a configuration that is not running: nodes show no state,
	// and required services are drawn bold.
	Static bool
	// Title is printed above the graph.
	Title string
}

type node struct {
	id, label, state string
	required         bool
}

type edge struct{ from, to, label string }

// layout numbers the services and lists the edges, in the model's order.
func layout(m *status.Model, opts Options) ([]node, []edge) {
	ids := map[string]string{}
	var nodes []node
	for i, s := range m.Services() {
		k := status.Key(s.Name)
		ids[k] = fmt.Sprintf("n%d", i)
		st := s.State()
		if opts.Static {
			st = "static"
		}
		nodes = append(nodes, node{id: ids[k], label: status.Short(s.Name), state: st, required: s.Required})
	}
	var edges []edge
	for _, s := range m.Services() {
		for _, d := range s.Deps {
			to, ok := ids[status.Key(d.On)]
			if !ok {
				continue
			}
			label := d.State
			if label == "up" || label == "ready" {
				label = "" // the usual case goes unlabelled, to keep big graphs legible
			}
			edges = append(edges, edge{from: ids[status.Key(s.Name)], to: to, label: label})
		}
	}
	return nodes, edges
}

// WriteDOT writes the graph as Graphviz DOT text. Edges point from a service
// to what it depends on; the graph is laid out left to right so that long
// chains of services read as lines of text.
func WriteDOT(w io.Writer, m *status.Model, opts Options) error {
	nodes, edges := layout(m, opts)
	var b strings.Builder
	b.WriteString("digraph services {\n")
	b.WriteString("  graph [rankdir=LR, ranksep=0.6, nodesep=0.15, fontname=\"Helvetica\", fontsize=12")
	if opts.Title != "" {
		fmt.Fprintf(&b, ", label=%s, labelloc=t", dotQuote(opts.Title))
	}
	b.WriteString("];\n")
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10, height=0.3];\n")
	b.WriteString("  edge [color=\"#78909c\", arrowsize=0.6, fontname=\"Helvetica\", fontsize=8];\n")
	for _, n := range nodes {
		c := colours(n.state)
		label := n.label
		if !opts.Static {
			label += `\n` + n.state
		}
		width := "1"
		if n.required {
			width = "2"
		}
		fmt.Fprintf(&b, "  %s [label=%s, fillcolor=%q, color=%q, penwidth=%s];\n",
			n.id, dotQuote(label), c[0], c[1], width)
	}
	for _, e := range edges {
		if e.label != "" {
			fmt.Fprintf(&b, "  %s -> %s [label=%s];\n", e.from, e.to, dotQuote(e.label))
		} else {
			fmt.Fprintf(&b, "  %s -> %s;\n", e.from, e.to)
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotQuote quotes s as a DOT string; \n sequences already in s are kept as
// line breaks.
func dotQuote(s string) string {
	r := strings.NewReplacer(`"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// WriteMermaid writes the graph as a Mermaid flowchart.
func WriteMermaid(w io.Writer, m *status.Model, opts Options) error {
	nodes, edges := layout(m, opts)
	var b strings.Builder
	if opts.Title != "" {
		fmt.Fprintf(&b, "---\ntitle: %s\n---\n", opts.Title)
	}
	b.WriteString("flowchart LR\n")
	classes := map[string]bool{}
	for _, n := range nodes {
		label := mermaidEscape(n.label)
		if !opts.Static {
			label += "<br/>" + mermaidEscape(n.state)
		}
		fmt.Fprintf(&b, "  %s[\"%s\"]\n", n.id, label)
		class := classOf(n.state)
		classes[class] = true
		fmt.Fprintf(&b, "  class %s %s\n", n.id, class)
	}
	for _, e := range edges {
		if e.label != "" {
			fmt.Fprintf(&b, "  %s -->|%s| %s\n", e.from, mermaidEscape(e.label), e.to)
		} else {
			fmt.Fprintf(&b, "  %s --> %s\n", e.from, e.to)
		}
	}
	for _, n := range nodes {
		class := classOf(n.state)
		if !classes[class] {
			continue
		}
		delete(classes, class)
		c := colours(n.state)
		fmt.Fprintf(&b, "  classDef %s fill:%s,stroke:%s\n", class, c[0], c[1])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func classOf(state string) string {
	var b strings.Builder
	b.WriteString("st_")
	for _, r := range state {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// mermaidEscape writes characters Mermaid would read as syntax as entities.
func mermaidEscape(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "|", "#124;").Replace(s)
}

// ErrNoDot says that Graphviz's dot is not installed.
var ErrNoDot = errors.New("SVG needs Graphviz's dot, which is not installed (apt-get install graphviz), or use --format dot|mermaid")

// WriteSVG renders the graph to SVG with Graphviz's dot.
func WriteSVG(ctx context.Context, w io.Writer, m *status.Model, opts Options) error {
	path, err := exec.LookPath("dot")
	if err != nil {
		return ErrNoDot
	}
	var src bytes.Buffer
	if err := WriteDOT(&src, m, opts); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "-Tsvg")
	cmd.Stdin = &src
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dot: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	_, err = w.Write(out.Bytes())
	return err
}
