package lang

import (
	"math"
	"reflect"
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBoxedAtoms checks the boxing of box.go: values boxed into the arena
// behave exactly as values converted the ordinary way (type switches,
// ==, map keys, Compare) and survive garbage collection.
func TestBoxedAtoms(t *testing.T) {
	// boxAt relies on none of these types being pointer-shaped: a
	// pointer-shaped type keeps its data in the interface word itself.
	for _, v := range []Value{Int(0), Double(0), String(""), Symbol(""), ByteString(""), Sequence(nil), Embedded{}} {
		typ := reflect.TypeOf(v)
		require.Greater(t, typ.Size(), uintptr(0), typ.String())
		switch typ.Kind() {
		case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
			t.Fatalf("%s is pointer-shaped", typ)
		case reflect.Struct:
			require.False(t, typ.NumField() == 1 && typ.Size() == unsafe.Sizeof(uintptr(0)) && typ.Field(0).Type.Kind() == reflect.Pointer, typ.String())
		}
	}
	var b Builder
	b.SizeHint(1 << 16)
	var boxed, plain []Value
	for i := 0; i < 5000; i++ {
		s := string(rune('a'+i%26)) + string(rune('A'+i%7))
		boxed = append(boxed, b.Int(int64(i*1000-7)), b.Double(float64(i)+0.5), b.String(s), b.Symbol(s), b.ByteString(s))
		plain = append(plain, Int(int64(i*1000-7)), Double(float64(i)+0.5), String(s), Symbol(s), ByteString(s))
		m := b.Mark()
		b.Push(b.Int(int64(i)))
		b.Push(b.Symbol("x"))
		boxed = append(boxed, b.Sequence(m), b.Embedded(b.String(s)))
		plain = append(plain, Sequence{Int(int64(i)), Symbol("x")}, Embedded{Ref: String(s)})
		runtime.Gosched()
	}
	runtime.GC()
	runtime.GC()
	seen := map[Value]int{}
	for i := range boxed {
		x, y := boxed[i], plain[i]
		assert.Equal(t, reflect.TypeOf(y), reflect.TypeOf(x))
		assert.True(t, Equal(x, y), "%s vs %s", Format(x), Format(y))
		assert.Equal(t, 0, Compare(x, y))
		assert.Equal(t, Key(y), Key(x))
		if _, ok := y.(Sequence); !ok {
			assert.True(t, x == y, "%s == %s", Format(x), Format(y))
			seen[x] = i
			j, ok := seen[y]
			assert.True(t, ok && j == i)
		}
	}
	d, ok := boxed[1].(Double)
	require.True(t, ok)
	assert.Equal(t, 0.5, float64(d))
	assert.False(t, math.IsNaN(float64(d)))
}

// TestAtomCacheForgetsOnReset checks that cached atoms never outlive a
// Reset (their arena may be gone), including when the cache's generation
// counter wraps around.
func TestAtomCacheForgetsOnReset(t *testing.T) {
	for _, s := range []string{"abc", "eight888", "a longer text, over 8"} {
		var b Builder
		v1 := b.String(s)
		require.Equal(t, dataWord(v1), dataWord(b.String(s)), "a repeat is a cache hit")
		b.Reset()
		v2 := b.String(s)
		assert.NotEqual(t, dataWord(v1), dataWord(v2), "after Reset")
		assert.Equal(t, String(s), v2)

		var c Builder
		w1 := c.String(s) // cached in generation 0
		c.gen = 1<<24 - 1
		c.Reset() // wraps around to generation 0
		w2 := c.String(s)
		assert.NotEqual(t, dataWord(w1), dataWord(w2), "after the generation wraps")
		assert.Equal(t, String(s), w2)
	}
}
