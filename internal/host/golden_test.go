package host_test

import (
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/synd-lang/synd/internal/host"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

// TestGolden runs every script test under testdata/ and compares its trace
// with the golden file beside it. `go test ./internal/host -update` rewrites
// them (review the diff).
func TestGolden(t *testing.T) {
	t.Chdir("../..") // traces name files as `synd test` run at the root does
	tests, err := host.FindGolden("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(tests) == 0 {
		t.Fatal("no golden tests found")
	}
	for _, g := range tests {
		t.Run(g.Name, func(t *testing.T) {
			diff, err := g.Check(*update)
			if err != nil {
				t.Fatal(err)
			}
			if diff != "" {
				t.Errorf("trace differs from %s (- want, + got):\n%s", g.Golden, diff)
			}
		})
	}
}

// TestExamples runs the examples a newcomer is pointed at, on the virtual
// clock, and checks that they do what their comments promise.
func TestExamples(t *testing.T) {
	t.Chdir("../..")
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"examples/hello.pr", []string{"hello, world"}},
		{"examples/connections/main.pr", []string{
			`client: notified app=board by=<user alice> to=<main board> user=alice value=<posted <user alice mail> "lunch at noon?">`,
			`client: notified app=board by=<user bob> to=<main board> user=bob value=<posted <user bob mail> "anyone there?">`,
			`client: notified app=mail by=<user bob> to=<system greeter> user=bob value=<greeting "Hello, bob! (greeter serves <user bob mail>)">`,
			`00:00:01+00:00 client: failed app=mail by=<user alice> to=<system nobody> user=alice why=timeout`,
			`client: refused app=mail by=<user alice> to=<scoped board "noticeboard"> user=alice why=<invalid-scope "11 characters, more than 8">`,
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			trace := host.GoldenTest{Name: tc.file, Files: []string{tc.file}}.Trace()
			assert.NotContains(t, trace, "error")
			for _, w := range tc.want {
				assert.Contains(t, trace, w)
			}
			assert.NotContains(t, trace, `user=alice value=<posted <user bob`, "alice's board never hears bob")
		})
	}
}
