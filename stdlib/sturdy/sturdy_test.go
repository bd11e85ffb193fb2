package sturdy_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib/sturdy"
)

func parse(t *testing.T, s string) lang.Value {
	t.Helper()
	v, err := parser.Parse("test", []byte(s), parser.Options{})
	require.NoError(t, err)
	return v
}

// TestGatekeeperConfigSignatures reproduces the signatures printed in
// syndicate-rs's gatekeeper-config.pr (made by syndicate-macaroon mint
// --oid a-service --phrase hello [--caveat ...]; sturdy.rs SturdyRef::mint
// and attenuate).
func TestGatekeeperConfigSignatures(t *testing.T) {
	root, err := sturdy.Mint(lang.Symbol("a-service"), []byte("hello"))
	require.NoError(t, err)
	require.True(t, lang.Equal(parse(t, `<ref {oid: a-service sig: #[JTTGQeYCgohMXW/2S2XH8g]}>`), root.Value()), lang.Format(root.Value()))
	for _, c := range []struct{ who, sig string }{
		{"alice", "#[CXn7+rAoO3Xr6Y6Laap3OA]"},
		{"bob", "#[/75BbF77LOiqNcvpzNHf0g]"},
	} {
		cv := parse(t, `<rewrite <bind <_>> <rec labelled [<lit "`+c.who+`"> <ref 0>]>>`)
		att, err := root.Attenuate(cv)
		require.NoError(t, err)
		require.Equal(t, parse(t, c.sig), lang.Value(lang.ByteString(att.Sig)), c.who)
		require.NoError(t, att.Validate([]byte("hello")))
		require.ErrorIs(t, att.Validate([]byte("goodbye")), sturdy.ErrSignature)
		// Dropping the caveat does not keep a valid signature.
		stripped := &sturdy.Ref{OID: att.OID, Sig: att.Sig}
		require.ErrorIs(t, stripped.Validate([]byte("hello")), sturdy.ErrSignature)
	}
	// The <or [...]> caveat for alice.
	or := parse(t, `<or [
        <rewrite <rec Present [<_>]> <rec Present [<lit "alice">]>>
        <rewrite <rec Says [<_> <bind String>]> <rec Says [<lit "alice"> <ref 0>]>>
        <rewrite <bind <rec Observe [<rec rec [<lit Present> <_>]> <_>]>> <ref 0>>
        <rewrite <bind <rec Observe [<rec rec [<lit Says> <_>]> <_>]>> <ref 0>>
    ]>`)
	att, err := root.Attenuate(or)
	require.NoError(t, err)
	require.Equal(t, parse(t, "#[s918Jk6As8AWJ9rtozOTlg]"), lang.Value(lang.ByteString(att.Sig)))
}

func TestParseRoundTrip(t *testing.T) {
	v := parse(t, `<ref {oid: a-service sig: #[CXn7+rAoO3Xr6Y6Laap3OA] caveats: [<rewrite <bind <_>> <rec labelled [<lit "alice"> <ref 0>]>>]}>`)
	r, err := sturdy.Parse(v)
	require.NoError(t, err)
	require.NoError(t, r.Validate([]byte("hello")))
	require.True(t, lang.Equal(v, r.Value()))
	_, err = sturdy.Parse(parse(t, `<ref {oid: a sig: #[] caveats: 3}>`))
	require.ErrorIs(t, err, sturdy.ErrCaveats)
	_, err = sturdy.Parse(parse(t, `<ref {oid: a}>`))
	require.Error(t, err)
}

type recorder struct{ got []lang.Value }

func (r *recorder) Assert(_ *eval.Turn, v lang.Value, _ eval.Handle) error {
	r.got = append(r.got, v)
	return nil
}
func (r *recorder) Retract(*eval.Turn, eval.Handle) error { return nil }
func (r *recorder) Message(_ *eval.Turn, v lang.Value) error {
	r.got = append(r.got, v)
	return nil
}

// TestCaveats runs values through caveats as rewrite.rs's CheckedCaveat
// rewrite does: right to left, Reject passes what does not match, Alts take
// the first matching rewrite, unknown caveats pass nothing.
func TestCaveats(t *testing.T) {
	cases := []struct {
		name    string
		caveats string
		in      string
		out     string // "" : dropped
	}{
		{"label", `[<rewrite <bind <_>> <rec labelled [<lit "alice"> <ref 0>]>>]`, `<hi 1>`, `<labelled "alice" <hi 1>>`},
		{"reject passes others", `[<reject <rec secret [<_>]>>]`, `<hi 1>`, `<hi 1>`},
		{"reject drops", `[<reject <rec secret [<_>]>>]`, `<secret 1>`, ``},
		{"atom class", `[<rewrite <rec Says [<_> <bind String>]> <rec Says [<lit "a"> <ref 0>]>>]`, `<Says "x" "hello">`, `<Says "a" "hello">`},
		{"atom class mismatch", `[<rewrite <rec Says [<_> <bind String>]> <ref 0>>]`, `<Says "x" 3>`, ``},
		{"unknown caveat", `[<frobnicate>]`, `<hi>`, ``},
		{"right to left", `[<rewrite <rec b [<bind <_>>]> <rec c [<ref 0>]>> <rewrite <rec a [<bind <_>>]> <rec b [<ref 0>]>>]`, `<a 1>`, `<c 1>`},
		{"or", `[<or [<rewrite <rec a [<_>]> <lit 1>> <rewrite <bind <_>> <lit 2>>]>]`, `<z>`, `2`},
		{"and not", `[<reject <and [<rec x [<_>]> <not <rec x [<lit 1>]>>]>>]`, `<x 1>`, `<x 1>`},
		{"dict arr", `[<rewrite <dict {a: <arr [<bind <_>>]>}> <ref 0>>]`, `{a: [7] b: 1}`, `7`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sys := eval.NewSystem(nil)
			rec := &recorder{}
			sys.Spawn("t", func(tn *eval.Turn) {
				tn.Facet().PreventInert()
				r := tn.NewRef("r", rec)
				att, err := sturdy.Attenuate(sys, r, parse(t, c.caveats).(lang.Sequence))
				require.NoError(t, err)
				tn.Message(att, parse(t, c.in))
			})
			sys.RunPending()
			if c.out == "" {
				require.Empty(t, rec.got)
			} else {
				require.Len(t, rec.got, 1)
				require.Equal(t, c.out, lang.Format(rec.got[0]))
			}
		})
	}
	require.ErrorIs(t, sturdy.CheckCaveats([]lang.Value{parse(t, `<rewrite <_> <ref 0>>`)}), sturdy.ErrUnboundRef)
	require.ErrorIs(t, sturdy.CheckCaveats([]lang.Value{parse(t, `<rewrite <not <bind <_>>> <lit 1>>`)}), sturdy.ErrBindingUnderNegation)
}
