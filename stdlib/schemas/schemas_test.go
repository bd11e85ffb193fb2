package schemas

import (
	"os"
	"os/exec"
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib/schema"
)

func TestSchemasRead(t *testing.T) {
	set := Set()
	meta := schema.Metaschema()
	for _, m := range set.Modules() {
		require.NoError(t, meta.Validate("Schema", set.Module(m).Value()), m)
	}
	for _, m := range []string{"service", "externalServices", "internalServices", "gatekeeper", "sturdy", "noise", "transportAddress", "timer", "rpc", "protocol", "dataspacePatterns", "connection"} {
		assert.NotNil(t, set.Module(m), m)
	}
	for _, m := range ConfigModules() {
		_, _, err := set.Resolve(m)
		assert.True(t, set.Module(m) != nil || err == nil, m)
	}
}

// Every reference between the embedded schemas resolves.
func TestSchemasResolve(t *testing.T) {
	assert.Empty(t, Set().Unresolved())
}

const referenceMirror = "/work/.mirror/elgertam+syndicate-rs/repo"

// TestSchemasAgreeWithSyndicate: for every definition syndicate's
// own schemas have, the embedded schema has one of the same name, and both
// accept and reject the same values — examples generated from both schemas
// and broken variants of them.
func TestSchemasAgreeWithSyndicate(t *testing.T) {
	if _, err := os.Stat(referenceMirror); err != nil {
		t.Skipf("the syndicate-rs mirror is not at %s; skipping the comparison", referenceMirror)
	}
	out, err := exec.Command("git", "-C", referenceMirror, "ls-tree", "-r", "--name-only", "HEAD").Output()
	if err != nil {
		t.Skipf("cannot list the mirror: %v", err)
	}
	ours := Set()
	ref := schema.NewSet()
	for _, name := range strings.Split(string(out), "\n") {
		if !strings.HasSuffix(name, ".prs") {
			continue
		}
		src, err := exec.Command("git", "-C", referenceMirror, "show", "HEAD:"+name).Output()
		require.NoError(t, err)
		s, err := schema.ParseText(name, src)
		require.NoError(t, err)
		ref.Add(strings.TrimSuffix(path.Base(name), ".prs"), s)
	}
	compared := 0
	for _, m := range ours.Modules() {
		theirs := ref.Module(m)
		if theirs == nil {
			continue // synd's own
		}
		mine := ours.Module(m)
		for _, d := range theirs.Definitions {
			md := mine.Lookup(d.Name)
			if !assert.NotNil(t, md, "%s.%s is missing", m, d.Name) {
				continue
			}
			vals := append(examples(ref, m, d, 4), examples(ours, m, md, 4)...)
			for _, v := range vals {
				errRef := ref.Check(m, d, v, schema.Options{})
				errOurs := ours.Check(m, md, v, schema.Options{})
				assert.Equal(t, errRef == nil, errOurs == nil, "%s.%s on %s: syndicate says %v, synd says %v", m, d.Name, lang.Format(v), errRef, errOurs)
				compared++
			}
		}
	}
	assert.Greater(t, compared, 500)
}

// examples generates values from a definition: ones it should accept and
// broken variants, bounded in number and depth.
func examples(set *schema.Set, mod string, d *schema.Definition, depth int) []lang.Value {
	g := &gen{set: set}
	return g.def(mod, d, depth)
}

type gen struct{ set *schema.Set }

const maxExamples = 6

func limit(vs []lang.Value) []lang.Value {
	if len(vs) > maxExamples {
		return vs[:maxExamples]
	}
	return vs
}

func (g *gen) def(mod string, d *schema.Definition, depth int) []lang.Value {
	var out []lang.Value
	switch {
	case d.Or != nil:
		for _, a := range d.Or {
			out = append(out, limit(g.pattern(mod, a.Pattern, depth))...)
		}
		return out
	case d.And != nil:
		// Merge one example of each part (dictionaries) and add each
		// part's own examples.
		merged := map[string]lang.DictEntry{}
		for _, p := range d.And {
			for _, v := range g.pattern(mod, p.Pattern, depth) {
				out = append(out, v)
				if dict, ok := v.(*lang.Dictionary); ok {
					for _, e := range dict.Entries() {
						if _, seen := merged[lang.Format(e.Key)]; !seen {
							merged[lang.Format(e.Key)] = e
						}
					}
					break
				}
			}
		}
		var es []lang.DictEntry
		for _, e := range merged {
			es = append(es, e)
		}
		if dict, err := lang.NewDictionary(es...); err == nil {
			out = append([]lang.Value{dict}, out...)
		}
		return out
	}
	return g.pattern(mod, d.Pattern, depth)
}

func (g *gen) pattern(mod string, p schema.Pattern, depth int) []lang.Value {
	if depth <= 0 {
		return []lang.Value{lang.Int(7)}
	}
	switch p := p.(type) {
	case schema.Any:
		return []lang.Value{lang.Symbol("x"), lang.Int(1)}
	case schema.Atom:
		all := map[schema.AtomKind]lang.Value{
			schema.Boolean: lang.Bool(true), schema.Double: lang.Double(1.5), schema.SignedInteger: lang.Int(3),
			schema.String: lang.String("s"), schema.ByteString: lang.ByteString("b"), schema.Symbol: lang.Symbol("y"),
		}
		out := []lang.Value{all[p.Kind]}
		for k, v := range all {
			if k != p.Kind && len(out) < 3 {
				out = append(out, v)
			}
		}
		return out
	case schema.Embedded:
		return []lang.Value{lang.Embedded{Ref: lang.Symbol("e")}, lang.Symbol("e")}
	case schema.Lit:
		return []lang.Value{p.Value, lang.Symbol("not-" + lang.Text(p.Value))}
	case schema.SeqOf:
		var out []lang.Value
		out = append(out, lang.Sequence{})
		for _, e := range limit(g.pattern(mod, p.Elem, depth-1)) {
			out = append(out, lang.Sequence{e})
		}
		return append(out, lang.Int(0))
	case schema.SetOf:
		out := []lang.Value{lang.SetOf()}
		for _, e := range limit(g.pattern(mod, p.Elem, depth-1)) {
			out = append(out, lang.SetOf(e))
		}
		return out
	case schema.DictOf:
		out := []lang.Value{lang.DictionaryOf()}
		ks := limit(g.pattern(mod, p.Key, depth-1))
		vs := limit(g.pattern(mod, p.Value, depth-1))
		for i := range min(len(ks), len(vs)) {
			out = append(out, lang.DictionaryOf(ks[i], vs[0]), lang.DictionaryOf(ks[0], vs[i]))
		}
		return out
	case *schema.Ref:
		rm := mod
		if len(p.Module) > 0 {
			rm = schema.ModuleKey(p.Module)
		}
		for _, m := range g.set.Modules() {
			if strings.EqualFold(m, rm) {
				rm = m
			}
		}
		if s := g.set.Module(rm); s != nil {
			if d := s.Lookup(p.Name); d != nil {
				return limit(g.def(rm, d, depth-1))
			}
		}
		return []lang.Value{lang.Symbol("unresolved")}
	case schema.Rec:
		labels := limit(g.pattern(mod, p.Label.Pattern, depth))
		fields := limit(g.pattern(mod, p.Fields.Pattern, depth))
		var out []lang.Value
		for _, f := range fields {
			if seq, ok := f.(lang.Sequence); ok {
				out = append(out, lang.NewRecord(labels[0], seq...))
			}
		}
		for _, l := range labels[1:] {
			if seq, ok := fields[0].(lang.Sequence); ok {
				out = append(out, lang.NewRecord(l, seq...))
			}
		}
		return out
	case schema.Tuple:
		return g.items(mod, p.Elems, nil, depth)
	case schema.TuplePrefix:
		return g.items(mod, p.Fixed, &p.Variable, depth)
	case schema.Dict:
		base := make([]lang.Value, 0, 2*len(p.Entries))
		var variants [][]lang.Value
		for _, e := range p.Entries {
			vs := limit(g.pattern(mod, e.Pattern.Pattern, depth-1))
			base = append(base, e.Key, vs[0])
			variants = append(variants, vs[1:])
		}
		out := []lang.Value{lang.DictionaryOf(base...)}
		for i, vs := range variants {
			for _, v := range vs {
				kv := append([]lang.Value(nil), base...)
				kv[2*i+1] = v
				out = append(out, lang.DictionaryOf(kv...))
			}
			// without the key
			kv := append(append([]lang.Value(nil), base[:2*i]...), base[2*i+2:]...)
			out = append(out, lang.DictionaryOf(kv...))
		}
		return append(out, lang.Int(0))
	}
	return nil
}

func (g *gen) items(mod string, fixed []schema.NamedPattern, variable *schema.NamedPattern, depth int) []lang.Value {
	base := make(lang.Sequence, len(fixed))
	var variants [][]lang.Value
	for i, np := range fixed {
		vs := limit(g.pattern(mod, np.Pattern, depth-1))
		base[i] = vs[0]
		variants = append(variants, vs[1:])
	}
	out := []lang.Value{base}
	for i, vs := range variants {
		for _, v := range vs {
			s := append(lang.Sequence(nil), base...)
			s[i] = v
			out = append(out, s)
		}
	}
	if len(base) > 0 {
		out = append(out, base[:len(base)-1])
	}
	if variable != nil {
		for _, tail := range limit(g.pattern(mod, variable.Pattern, depth-1)) {
			if seq, ok := tail.(lang.Sequence); ok {
				out = append(out, append(append(lang.Sequence(nil), base...), seq...))
			}
		}
	} else {
		out = append(out, append(append(lang.Sequence(nil), base...), lang.Int(9)))
	}
	return out
}

// The runtime reads a process spec as syndicate-server does: a present but
// wrong field is an error named in the schema's words; unknown keys pass.
func TestValidate(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{`{argv: ["a"]}`, ""},
		{`{argv: "a b", restart: on-error, readyOnStart: #f, protocol: none, env: {A: "1", B: #f}, dir: "/", clearEnv: #t}`, ""},
		{`{argv: ["a"], whatever: 1}`, ""},
		{`{argv: [1 2 3]}`, "item 1 (program) expects a string; found `1` (in `argv:`)"},
		{`{argv: []}`, "`argv:` expects at least 1 item (@program string @args string ...); found `[]` [closest: CommandLine.full]"},
		{`{argv: ["a"], restart: alwyas}`, "`restart:` expects one of always, on-error, all, never; found `alwyas`"},
		{`{argv: ["a"], readyOnStart: 1}`, "`readyOnStart:` expects a boolean (#t or #f); found `1`"},
		{`{argv: ["a"], env: {A: #t}}`, "`A:` expects one of a string, #f; found `#t` (in `env:`)"},
		{`{argv: ["a"], env: [1]}`, "`env:` expects a dictionary {EnvVariable: EnvValue ...:...}; found `[1]`"},
		{`{argv: ["a"], dir: 5}`, "`dir:` expects a string; found `5`"},
		{`{argv: ["a"], protocol: binary}`, "`protocol:` expects one of none, application/syndicate, text/syndicate; found `binary`"},
		{`{env: {}}`, "`argv:` is missing"},
		{`"sh"`, "expects a dictionary {argv: CommandLine}"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			err := Validate("externalServices.FullDaemonProcess", parseValue(t, tc.spec))
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			var ve *schema.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func parseValue(t *testing.T, s string) lang.Value {
	t.Helper()
	v, err := parser.Parse("t", []byte(s), parser.Options{})
	require.NoError(t, err)
	return v
}

func TestValidateRecord(t *testing.T) {
	gk := lang.Embedded{Ref: lang.Symbol("gk")}
	tcp := func(port lang.Value) lang.Value {
		return lang.NewRecord(lang.Symbol("relay-listener"), lang.NewRecord(lang.Symbol("tcp"), lang.String("127.0.0.1"), port), gk)
	}
	assert.NoError(t, ValidateRecord(tcp(lang.Int(8001))))
	assert.NoError(t, ValidateRecord(parseValue(t, `<not-a-config-record 1>`)))
	assert.NoError(t, ValidateRecord(parseValue(t, `<daemon x {argv: "a", colour: blue}>`)))
	err := ValidateRecord(tcp(lang.String("8001")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "field 2 (port) of <tcp> expects an integer; found `\"8001\"` (in field 1 (addr) of <relay-listener>)")
	assert.Contains(t, err.Error(), "(schema internalServices.TcpWithoutHttp)")
	err = ValidateRecord(parseValue(t, `<daemon x {argv: "a", restart: alwyas}>`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "`restart:` expects one of always, on-error, all, never")
}

// NewChecker adds user schemas to a copy: the shared set is unchanged.
func TestNewCheckerWithUserSchemas(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(dir+"/mine.prs", []byte("version 1 .\nGadget = <gadget @n int> .\n"), 0o644))
	before := len(Set().Modules())
	c, err := NewChecker(dir)
	require.NoError(t, err)
	assert.Equal(t, before, len(Set().Modules()))
	assert.NotNil(t, c.CheckValue(parseValue(t, `<gadget x>`), nil))
	assert.Nil(t, c.CheckValue(parseValue(t, `<gadget 1>`), nil))
	assert.NotNil(t, c.CheckValue(parseValue(t, `<depends-on x>`), nil))
	_, err = NewChecker(dir + "/missing")
	assert.Error(t, err)
}
