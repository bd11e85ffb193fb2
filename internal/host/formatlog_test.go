package host_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
)

// formatLogByStrings is FormatLog as it was written first (each KEY=VALUE
// a string of its own, escaped, then sorted): the reference the buffered
// FormatLog must agree with.
func formatLogByStrings(ts, details lang.Value, escape func(string) string) string {
	var b strings.Builder
	if s, ok := lang.Unwrap(ts).(lang.String); ok && s == "-" {
		b.WriteString(`"-"`)
	} else {
		b.WriteString(escape(lang.Text(ts)))
	}
	d, ok := lang.Unwrap(details).(*lang.Dictionary)
	if !ok {
		b.WriteByte(' ')
		b.WriteString(escape(lang.Text(details)))
		return b.String()
	}
	if line, ok := d.Get(lang.Symbol("line")); ok {
		text := lang.Text(line)
		if bs, ok := lang.Unwrap(line).(lang.ByteString); ok {
			text = string(bs)
		}
		text = strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")
		b.WriteByte(' ')
		b.WriteString(escape(text))
	}
	var rest []string
	for _, e := range d.Entries() {
		if lang.Equal(e.Key, lang.Symbol("line")) {
			continue
		}
		rest = append(rest, escape(lang.Text(e.Key)+"="+lang.Format(e.Value)))
	}
	sort.Strings(rest)
	for _, r := range rest {
		b.WriteByte(' ')
		b.WriteString(r)
	}
	return b.String()
}

// TestFormatLogOrderAndEscapes: entries sorted by their KEY=VALUE text (so
// client-told before client, '-' sorting before '='), control characters
// escaped before sorting, the line first, "-" quoted.
func TestFormatLogOrderAndEscapes(t *testing.T) {
	// The escaping FormatLog applies, seen through a details-less line.
	escape := func(s string) string {
		out := host.FormatLog(lang.String("-"), lang.String(s))
		return strings.TrimPrefix(out, `"-" `)
	}
	for _, src := range []string{
		`<log "-" {line: "hello\n", b: 1, a: "x"}>`,
		`<log "2026-01-01T00:00:00+00:00" {client: 1, client-told: <ended>, from: <user alice app>}>`,
		`<log "-" {k: "tab\there", |key with\nnewline|: 1, z: #[AAEC]}>`,
		`<log "-" {line: #"raw\r\n", "str-key": [1 2 {a: 3}], 7: seven}>`,
		`<log "-" "not a dictionary\u001b[31m">`,
		`<log "ts\u0007" {}>`,
		`<log "-" {line: "only"}>`,
	} {
		vs, err := parser.ParseAll("t", []byte(src), parser.Options{})
		require.NoError(t, err, src)
		r := vs[0].(*lang.Record)
		want := formatLogByStrings(r.Fields[0], r.Fields[1], escape)
		assert.Equal(t, want, host.FormatLog(r.Fields[0], r.Fields[1]), src)
	}
	assert.Equal(t, `"-" client-told=2 client=1`,
		host.FormatLog(lang.String("-"), lang.DictionaryOf(lang.Symbol("client"), lang.Int(1), lang.Symbol("client-told"), lang.Int(2))))
}
