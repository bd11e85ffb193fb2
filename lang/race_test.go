//go:build race

package lang_test

const raceEnabled = true
