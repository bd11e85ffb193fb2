package stdlib

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/synd-lang/synd/lang"
)

// SettingsStore keeps user settings in a directory, one value per file, as
// the user-settings service class reads them. Writes are atomic (a temporary
// file renamed into place), so a running server never sees half a setting.
type SettingsStore struct {
	Dir string
}

// DefaultSettingsDir is where settings live unless told otherwise: synd/settings
// under the user's config directory.
func DefaultSettingsDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "synd", "settings"), nil
}

func (s SettingsStore) file(v lang.Value) (string, error) {
	enc, err := lang.EncodeCanonical(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(enc)
	return filepath.Join(s.Dir, hex.EncodeToString(sum[:12])+".pr"), nil
}

// Set stores a setting.
func (s SettingsStore) Set(v lang.Value) error {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return err
	}
	name, err := s.file(v)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.Dir, ".setting-*")
	if err != nil {
		return err
	}
	text := lang.Format(lang.Strip(v)) + "\n"
	if _, err := tmp.WriteString(text); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// Unset removes a setting; removing one that is not set is an error.
func (s SettingsStore) Unset(v lang.Value) error {
	name, err := s.file(v)
	if err != nil {
		return err
	}
	if err := os.Remove(name); err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("%s is not set", lang.Format(v))
		}
		return err
	}
	return nil
}

// List returns the settings, sorted, read with read (the text reader).
func (s SettingsStore) List(read func(file string, src []byte) ([]lang.Value, error)) ([]lang.Value, error) {
	var out []lang.Value
	for _, f := range ListFiles(s.Dir, ".pr") {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		vs, err := read(f, src)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	sort.Slice(out, func(i, j int) bool { return lang.Compare(out[i], out[j]) < 0 })
	return out, nil
}
