package repl

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
)

func TestCompleter(t *testing.T) {
	r := &REPL{env: eval.Env{}.With("config", lang.Int(1)).With("counter", lang.Int(2)).With("log", lang.Int(3))}
	c := completer{r}
	got, n := c.Do([]rune("<x $co"), 6)
	assert.Equal(t, 3, n)
	assert.ElementsMatch(t, [][]rune{[]rune("nfig"), []rune("unter")}, got)
	got, n = c.Do([]rune(":st"), 3)
	assert.Equal(t, 3, n)
	assert.Equal(t, [][]rune{[]rune("op ")}, got)
	got, _ = c.Do([]rune("plain"), 5)
	assert.Empty(t, got)
}
