package schema

import (
	_ "embed"
	"sync"
)

//go:embed metaschema.prs
var metaschemaText []byte

var metaschemaOnce = sync.OnceValue(func() *Schema {
	s, err := ParseText("metaschema.prs", metaschemaText)
	if err != nil {
		panic("schema: the embedded metaschema does not read: " + err.Error())
	}
	return s
})

// MetaschemaText is the text of the metaschema, the schema of schemas.
func MetaschemaText() []byte { return metaschemaText }

// Metaschema returns a set holding the metaschema as module "schema": the
// value form of every schema matches its Schema definition, and of every
// bundle its Bundle definition. The set must not be modified.
func Metaschema() *Set {
	s := NewSet()
	s.Add("schema", metaschemaOnce())
	return s
}
