package lang

import (
	"errors"
	"fmt"
	"strings"
)

// Position is a place in a source: a text file (File, Line, Column, all from
// 1) or a binary input (Offset only, Line 0). Offset counts bytes from 0.
type Position struct {
	File   string
	Offset int
	Line   int
	Column int
}

// IsValid reports whether the position names a place in text.
func (p Position) IsValid() bool { return p.Line > 0 }

// String formats the position as file:line:col (text) or "byte N" (binary),
// with "-" for a missing file name.
func (p Position) String() string {
	file := p.File
	if file == "" {
		file = "-"
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d:%d", file, p.Line, p.Column)
	}
	return fmt.Sprintf("%s: byte %d", file, p.Offset)
}

// ErrorKind tells apart the ways reading can fail. A REPL needs the
// difference between a syntax error and input that ended early, to know when
// to ask for another line.
type ErrorKind uint8

// The kinds of read error.
const (
	// SyntaxError: the input is not Preserves.
	SyntaxError ErrorKind = iota + 1
	// InputEndedEarly: the input stopped in the middle of a value.
	InputEndedEarly
	// NoInput: there was no value at all, only whitespace and comments.
	NoInput
)

func (k ErrorKind) String() string {
	switch k {
	case SyntaxError:
		return "syntax error"
	case InputEndedEarly:
		return "input ended early"
	case NoInput:
		return "no input"
	}
	return "error"
}

// Sentinel errors for errors.Is: every *Error is one of these.
var (
	ErrSyntax          = &Error{Kind: SyntaxError}
	ErrInputEndedEarly = &Error{Kind: InputEndedEarly}
	ErrNoInput         = &Error{Kind: NoInput}
)

// Error is a read error with the position it was found at.
type Error struct {
	Kind ErrorKind
	Pos  Position
	Msg  string
}

// Error formats the error as "file:line:col: kind: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Pos.String())
	b.WriteString(": ")
	b.WriteString(e.Kind.String())
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrSyntax) (and the other sentinels) true for every
// error of that kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Msg == "" && t.Kind == e.Kind && t.Pos == (Position{})
}

// KindOf returns the kind of a read error, or 0 if err is not one.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}
