package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

const versionUsage = `usage: synd version

Prints synd's module version and the VCS revision it was built from (with
"+dirty" if the work tree had changes), and the Go toolchain. The same as
synd --version.

Flags:
`

func runVersion(env *cmdEnv, args []string) int {
	fs := newFlags(env, "version", versionUsage)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	fmt.Fprintf(env.stdout, "synd %s\n", versionString())
	return exitOK
}

// versionString is the module version and VCS revision of the running
// binary as the Go toolchain recorded them, e.g.
// "v0.3.0 (revision 1a2b3c4d5e6f, 2026-11-22T03:00:00Z) go1.26.8".
func versionString() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version: built without module support) " + runtime.Version()
	}
	return formatVersion(info)
}

// formatVersion renders build information as versionString does.
func formatVersion(info *debug.BuildInfo) string {
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var rev, when string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	var b strings.Builder
	b.WriteString(version)
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "+dirty"
		}
		fmt.Fprintf(&b, " (revision %s", rev)
		if when != "" {
			fmt.Fprintf(&b, ", %s", when)
		}
		b.WriteString(")")
	}
	goVersion := info.GoVersion
	if goVersion == "" {
		goVersion = runtime.Version()
	}
	b.WriteString(" " + goVersion)
	return b.String()
}
