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

// TestEnvBuilderMatchesPut: the builder flatten uses, which changes the
// nodes it copied in place, makes the trie the persistent put makes, and
// leaves the trie it started from as it was (older Envs share it).
func TestEnvBuilderMatchesPut(t *testing.T) {
	hashes := []uint64{
		0, 0, 0, // a chain
		1 << 60, 1<<60 | 1, // differ only at the last level and the first
		31, 31 | 1<<5, 31 | 2<<5, // share the first slot
		^uint64(0), ^uint64(0) &^ (1 << 63), 7, 8,
	}
	for split := 0; split <= len(hashes); split++ {
		// The first split leaves are the old trie; the rest, put twice
		// (the second time replacing), go in with the builder.
		old := &envNode{}
		for i, h := range hashes[:split] {
			old, _ = old.put(&envLeaf{hash: h, name: fmt.Sprintf("n%d", i), val: lang.Int(i)}, 0)
		}
		before := map[string]lang.Value{}
		for i, h := range hashes[:split] {
			before[fmt.Sprintf("n%d", i)], _ = old.get(fmt.Sprintf("n%d", i), h)
		}
		want := old
		var b envBuilder
		got := b.own(old)
		for round := 0; round < 2; round++ {
			for i, h := range hashes[split:] {
				name := fmt.Sprintf("n%d", split+i)
				l := &envLeaf{hash: h, name: name, val: lang.Int(100*round + i)}
				want, _ = want.put(l, 0)
				got = b.put(got, l, 0)
			}
		}
		for i, h := range hashes {
			name := fmt.Sprintf("n%d", i)
			w, wok := want.get(name, h)
			g, gok := got.get(name, h)
			assert.Equal(t, wok, gok, "split %d: %s", split, name)
			assert.Equal(t, w, g, "split %d: %s", split, name)
			if i < split {
				v, ok := old.get(name, h)
				assert.True(t, ok)
				assert.Equal(t, before[name], v, "split %d: the old trie changed at %s", split, name)
			} else {
				_, ok := old.get(name, h)
				assert.False(t, ok, "split %d: %s leaked into the old trie", split, name)
			}
		}
	}
}
