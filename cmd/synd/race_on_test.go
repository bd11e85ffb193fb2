//go:build race

package main

// raceSlowdown scales time budgets of tests: the race detector makes code
// several times slower.
const raceSlowdown = 10
