package schema

import (
	"os"
	"os/exec"
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
)

// mirror is the bare git mirror of syndicate-rs the reference schemas are read
// from; the tests that need it skip when it is absent. Nothing of it is
// committed here.
const mirror = "/work/.mirror/elgertam+syndicate-rs/repo"

func mirrorFiles(t *testing.T, suffix string) map[string][]byte {
	t.Helper()
	if _, err := os.Stat(mirror); err != nil {
		t.Skipf("the syndicate-rs mirror is not at %s; skipping the reference schemas", mirror)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; skipping the reference schemas")
	}
	out, err := exec.Command("git", "-C", mirror, "ls-tree", "-r", "--name-only", "HEAD").Output()
	require.NoError(t, err)
	files := map[string][]byte{}
	for _, name := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.HasSuffix(name, suffix) {
			continue
		}
		src, err := exec.Command("git", "-C", mirror, "show", "HEAD:"+name).Output()
		require.NoError(t, err, name)
		files[name] = src
	}
	require.NotEmpty(t, files, "no %s files in the mirror", suffix)
	return files
}

// TestReferenceSchemasRoundTrip: every .prs file of syndicate-rs parses, its
// value form is a valid metaschema Schema, and both the value form and the
// text written back from it read back to the same schema.
func TestReferenceSchemasRoundTrip(t *testing.T) {
	meta := Metaschema()
	for name, src := range mirrorFiles(t, ".prs") {
		t.Run(path.Base(name), func(t *testing.T) {
			s, err := ParseText(name, src)
			require.NoError(t, err)
			v := s.Value()
			require.NoError(t, meta.Validate("Schema", v))
			back, err := FromValue(v)
			require.NoError(t, err)
			assert.True(t, lang.Equal(v, back.Value()), "value form round trip")
			text := Format(s)
			again, err := ParseText(name, []byte(text))
			require.NoError(t, err, text)
			assert.True(t, lang.Equal(v, again.Value()), "text round trip:\n%s", text)
		})
	}
}

// TestReferenceBundles: syndicate-rs's compiled bundles (schema-bundle.bin,
// written by its schema compiler from the same .prs files) decode as bundles,
// validate against the metaschema, and hold, for each module, exactly the
// value this package reads from the module's text.
func TestReferenceBundles(t *testing.T) {
	texts := mirrorFiles(t, ".prs")
	meta := Metaschema()
	for name, bin := range mirrorFiles(t, "schema-bundle.bin") {
		t.Run(name, func(t *testing.T) {
			b, err := ReadBundle(bin)
			require.NoError(t, err)
			v, err := lang.Decode(bin)
			require.NoError(t, err)
			require.NoError(t, meta.Validate("Bundle", v))
			assert.True(t, lang.Equal(lang.Strip(v), b.Value()), "bundle value round trip")
			byModule := map[string]string{}
			for file := range texts {
				byModule[strings.TrimSuffix(path.Base(file), ".prs")] = file
			}
			for _, mod := range b.Paths() {
				file, ok := byModule[mod]
				require.True(t, ok, "no .prs file for module %s", mod)
				s, err := ParseText(file, texts[file])
				require.NoError(t, err)
				assert.Equal(t, lang.FormatPretty(b.Modules[mod].Value()), lang.FormatPretty(s.Value()), "module %s", mod)
			}
		})
	}
}
