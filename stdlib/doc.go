// Package stdlib holds synd's standard library: the native primitives that
// scripts use (each small, with no service policy), and the built-in service
// classes written in the script language.
package stdlib
