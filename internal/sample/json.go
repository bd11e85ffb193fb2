package sample

import (
	"encoding/base64"
	"math/big"

	"github.com/synd-lang/synd/lang"
)

// JSON returns v as the nearest encoding/json tree, the baseline the codec
// benchmarks compare with: records become arrays of label then fields,
// sets arrays, dictionaries objects keyed by the text of the key, byte
// strings base64 text, symbols strings, big integers their decimal text.
func JSON(v lang.Value) any {
	switch x := lang.Unwrap(v).(type) {
	case lang.Bool:
		return bool(x)
	case lang.Double:
		return float64(x)
	case lang.Int:
		return int64(x)
	case lang.String:
		return string(x)
	case lang.Symbol:
		return string(x)
	case lang.ByteString:
		return base64.StdEncoding.EncodeToString([]byte(x))
	case *lang.Record:
		out := []any{JSON(x.Label)}
		for _, f := range x.Fields {
			out = append(out, JSON(f))
		}
		return out
	case lang.Sequence:
		return jsonAll(x)
	case *lang.Set:
		return jsonAll(x.Elements())
	case *lang.Dictionary:
		out := make(map[string]any, x.Len())
		for _, e := range x.Entries() {
			out[lang.Text(e.Key)] = JSON(e.Value)
		}
		return out
	case lang.Embedded:
		return map[string]any{"embedded": lang.Format(x)}
	}
	if n, ok := lang.BigOf(v); ok {
		return new(big.Int).Set(n).String()
	}
	return nil
}

func jsonAll(vs []lang.Value) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = JSON(v)
	}
	return out
}
