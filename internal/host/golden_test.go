package host_test

import (
	"flag"
	"testing"

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
