package main

import (
	"fmt"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib"
)

const settingsUsage = `usage: synd settings [--dir DIR] set VALUE
       synd settings [--dir DIR] unset VALUE
       synd settings [--dir DIR] list

Edits the user's settings: values (Preserves text, e.g. '<mobile-data-enabled>'
or '<mobile-data-apn "internet">') that a running synd serve asserts as
<user-setting VALUE> in $config. Changes take effect in a running server at
once and persist across restarts. The default directory is synd/settings
under the user's config directory; synd serve --settings DIR reads another.

Flags:
`

func runSettings(env *cmdEnv, args []string) int {
	fs := newFlags(env, "settings", settingsUsage)
	dir := fs.String("dir", "", "the settings directory")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if *dir == "" {
		d, err := stdlib.DefaultSettingsDir()
		if err != nil {
			fmt.Fprintf(env.stderr, "synd settings: %v\n", err)
			return 1
		}
		*dir = d
	}
	store := stdlib.SettingsStore{Dir: *dir}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return 2
	}
	value := func() (lang.Value, bool) {
		if len(rest) != 2 {
			fmt.Fprintf(env.stderr, "synd settings %s takes one value\n", rest[0])
			return nil, false
		}
		v, err := parser.Parse("value", []byte(rest[1]), parser.Options{})
		if err != nil {
			fmt.Fprintf(env.stderr, "synd settings: %v\n", err)
			return nil, false
		}
		return v, true
	}
	switch rest[0] {
	case "set", "unset":
		v, ok := value()
		if !ok {
			return 2
		}
		var err error
		if rest[0] == "set" {
			err = store.Set(v)
		} else {
			err = store.Unset(v)
		}
		if err != nil {
			fmt.Fprintf(env.stderr, "synd settings: %v\n", err)
			return 1
		}
	case "list":
		vs, err := store.List(func(file string, src []byte) ([]lang.Value, error) {
			return parser.ParseAll(file, src, parser.Options{})
		})
		if err != nil {
			fmt.Fprintf(env.stderr, "synd settings: %v\n", err)
			return 1
		}
		for _, v := range vs {
			fmt.Fprintln(env.stdout, lang.Format(v))
		}
	default:
		fs.Usage()
		return 2
	}
	return 0
}
