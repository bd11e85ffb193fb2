package stdlib

import (
	"embed"
	"io/fs"
	"path"
	"sort"
)

// classes holds the built-in service classes, written in the script language.
//
//go:embed classes/*.pr
var classes embed.FS

// schemas holds the documented schemas of the protocols the classes speak.
//
//go:embed schemas/*.prs
var schemas embed.FS

// Class is one built-in service class script.
type Class struct {
	Name   string // e.g. "milestone.pr"
	Source []byte
}

// Classes returns the built-in service class scripts, in name order. They are
// loaded at boot; users can read them (synd stdlib) and override one by
// giving a file of the same name in a directory passed to the host.
func Classes() []Class { return embedded(classes, "classes") }

// Schemas returns the schemas (Preserves schema text, as syndicate's .prs
// files) documenting the records the classes read and write, in name order.
func Schemas() []Class { return embedded(schemas, "schemas") }

func embedded(files embed.FS, dir string) []Class {
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		return nil // the embedded directory always exists
	}
	var out []Class
	for _, e := range entries {
		src, err := files.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		out = append(out, Class{Name: e.Name(), Source: src})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
