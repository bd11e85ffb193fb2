package main

import (
	"encoding/hex"
	"fmt"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib/gatekeeper"
	"github.com/synd-lang/synd/stdlib/sturdy"
)

const sturdyUsage = `usage: synd sturdy mint --oid OID (--phrase TEXT | --key KEY) [--caveat CAVEAT]...
       synd sturdy attenuate --caveat CAVEAT [--caveat CAVEAT]... REF
       synd sturdy check (--phrase TEXT | --key KEY) REF
       synd sturdy key
       synd sturdy noise-key

Sturdy refs are the capabilities a gatekeeper hands out (as syndicate-rs's
syndicate-macaroon makes them): <ref {oid: OID, sig: #[...], caveats: [...]}>.

  mint       prints the ref for OID signed with a key: the bytes of --phrase,
             or --key given as Preserves bytes (#[...], #x"...") or hex; with
             --caveat, the ref attenuated by each caveat in turn
  attenuate  adds caveats to REF (no key needed)
  check      says whether REF's signature is good for the key
  key        prints a new random 16-byte key
  noise-key  prints a new Noise key pair, {key: PUBLIC secretKey: SECRET},
             for <bind <noise {service: S key: PUBLIC secretKey: SECRET}> ...>

OID, CAVEAT and REF are Preserves text; a bind for the minted ref is
<bind <ref {oid: OID, key: KEY}> #:TARGET #f>.

Flags:
`

func runSturdy(env *cmdEnv, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.stderr, sturdyUsage)
		return exitUsage
	}
	sub := args[0]
	fs := newFlags(env, "sturdy "+sub, sturdyUsage)
	oidText := fs.String("oid", "", "the object's oid, as Preserves text (mint)")
	phrase := fs.String("phrase", "", "the key is this text's bytes")
	keyText := fs.String("key", "", "the key, as Preserves bytes or hex")
	var caveats dirList
	fs.Var(&caveats, "caveat", "a caveat to add, as Preserves text (repeatable)")
	switch sub {
	case "-h", "-help", "--help", "help":
		return parseFlags(fs, []string{"-h"})
	}
	if code := parseFlags(fs, args[1:]); code >= 0 {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintf(env.stderr, "synd sturdy %s: %v\n", sub, err)
		return exitFailure
	}
	usage := func() int {
		fs.Usage()
		return exitUsage
	}
	key := func() ([]byte, error) {
		switch {
		case *phrase != "" && *keyText == "":
			return []byte(*phrase), nil
		case *keyText != "" && *phrase == "":
			if v, err := parser.Parse("--key", []byte(*keyText), parser.Options{}); err == nil {
				if b, ok := lang.Unwrap(v).(lang.ByteString); ok {
					return []byte(b), nil
				}
			}
			b, err := hex.DecodeString(*keyText)
			if err != nil {
				return nil, fmt.Errorf("--key takes Preserves bytes or hex, not %q", *keyText)
			}
			return b, nil
		}
		return nil, fmt.Errorf("give exactly one of --phrase and --key")
	}
	var cvs []lang.Value
	for _, c := range caveats {
		v, err := parser.Parse("--caveat", []byte(c), parser.Options{})
		if err != nil {
			return fail(err)
		}
		cvs = append(cvs, v)
	}
	readRef := func() (*sturdy.Ref, error) {
		v, err := parser.Parse("REF", []byte(fs.Arg(0)), parser.Options{})
		if err != nil {
			return nil, err
		}
		return sturdy.Parse(v)
	}
	switch sub {
	case "mint":
		if *oidText == "" || fs.NArg() != 0 {
			return usage()
		}
		oid, err := parser.Parse("--oid", []byte(*oidText), parser.Options{})
		if err != nil {
			return fail(err)
		}
		k, err := key()
		if err != nil {
			return fail(err)
		}
		r, err := sturdy.Mint(oid, k)
		if err == nil {
			r, err = r.Attenuate(cvs...)
		}
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(env.stdout, lang.Format(r.Value()))
	case "attenuate":
		if fs.NArg() != 1 || len(cvs) == 0 {
			return usage()
		}
		r, err := readRef()
		if err == nil {
			r, err = r.Attenuate(cvs...)
		}
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(env.stdout, lang.Format(r.Value()))
	case "check":
		if fs.NArg() != 1 {
			return usage()
		}
		r, err := readRef()
		if err != nil {
			return fail(err)
		}
		k, err := key()
		if err != nil {
			return fail(err)
		}
		if err := r.Validate(k); err != nil {
			return fail(err)
		}
		fmt.Fprintln(env.stdout, "valid")
	case "key":
		k, err := sturdy.NewKey()
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(env.stdout, lang.Format(lang.ByteString(k)))
	case "noise-key":
		pub, sec, err := gatekeeper.NoiseKeyPair()
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(env.stdout, lang.Format(lang.DictionaryOf(
			lang.Symbol("key"), lang.ByteString(pub), lang.Symbol("secretKey"), lang.ByteString(sec))))
	default:
		return usage()
	}
	return exitOK
}
