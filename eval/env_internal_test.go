package eval

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
)

// TestEnvTrieCollisions drives the trie with chosen hashes: full collisions
// (a chain), hashes sharing every slot but the last level, and replacement
// inside a chain, checking every lookup against a plain map.
func TestEnvTrieCollisions(t *testing.T) {
	hashes := []uint64{
		0, 0, 0, // a chain
		1 << 60, 1<<60 | 1, // differ only at the last level and the first
		31, 31 | 1<<5, 31 | 2<<5, // share the first slot
		^uint64(0), ^uint64(0) &^ (1 << 63),
	}
	root := &envNode{}
	want := map[string]lang.Value{}
	count := 0
	for round := 0; round < 2; round++ { // the second round replaces
		for i, h := range hashes {
			name := fmt.Sprintf("n%d", i)
			v := lang.Int(round*100 + i)
			var added bool
			root, added = root.put(&envLeaf{hash: h, name: name, val: v}, 0)
			assert.Equal(t, round == 0, added, name)
			if added {
				count++
			}
			want[name] = v
			for j, h2 := range hashes[:i+1] {
				n2 := fmt.Sprintf("n%d", j)
				got, ok := root.get(n2, h2)
				require.True(t, ok, "%s after putting %s", n2, name)
				assert.Equal(t, want[n2], got)
			}
		}
	}
	assert.Equal(t, len(hashes), count)
	_, ok := root.get("absent", 0)
	assert.False(t, ok)
}
