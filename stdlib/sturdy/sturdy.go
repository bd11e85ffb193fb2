// Package sturdy implements sturdy references: macaroons naming an object by
// an oid, signed with a secret key and narrowed by caveats, as syndicate's
// sturdy.prs describes them.
//
// A sturdy ref is <ref {oid: OID, sig: #[...], caveats: [CAVEAT ...]}>. Its
// signature is a chain: f(k, d) = HMAC-BLAKE2s-256(k, d) truncated to 16
// bytes, e(v) the canonical binary encoding of v, and sig =
// f(...f(f(key, e(oid)), e(caveat1))..., e(caveatN)). Whoever holds a sturdy
// ref may add caveats (extending the chain from its signature) but cannot
// remove one without the key.
package sturdy

import (
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"hash"

	"golang.org/x/crypto/blake2s"

	"github.com/synd-lang/synd/lang"
)

// KeyLength is the length of minted keys and of signatures (16 bytes).
const KeyLength = 16

// Ref is a parsed sturdy ref.
type Ref struct {
	OID     lang.Value
	Sig     []byte
	Caveats []lang.Value
}

// Errors of validation, named as syndicate-rs names them.
var (
	ErrSignature = errors.New("Invalid SturdyRef signature")
	ErrCaveats   = errors.New("Invalid caveats field in SturdyRef parameters")
)

func newHMAC() hash.Hash {
	h, _ := blake2s.New256(nil) // unkeyed BLAKE2s never fails
	return h
}

// sign is f(key, data): HMAC-BLAKE2s-256 truncated to KeyLength bytes.
func sign(key, data []byte) []byte {
	m := hmac.New(newHMAC, key)
	m.Write(data)
	return m.Sum(nil)[:KeyLength]
}

func encode(v lang.Value) ([]byte, error) {
	b, err := lang.EncodeCanonical(v)
	if err != nil {
		return nil, fmt.Errorf("sturdy ref parts must be plain data: %w", err)
	}
	return b, nil
}

// chain extends a signature over each caveat in turn.
func chain(sig []byte, caveats []lang.Value) ([]byte, error) {
	for _, c := range caveats {
		b, err := encode(c)
		if err != nil {
			return nil, err
		}
		sig = sign(sig, b)
	}
	return sig, nil
}

// NewKey returns a fresh random key of KeyLength bytes.
func NewKey() ([]byte, error) {
	k := make([]byte, KeyLength)
	_, err := rand.Read(k)
	return k, err
}

// Mint makes the root sturdy ref for oid under key.
func Mint(oid lang.Value, key []byte) (*Ref, error) {
	b, err := encode(oid)
	if err != nil {
		return nil, err
	}
	return &Ref{OID: oid, Sig: sign(key, b)}, nil
}

// Attenuate returns r with caveats added (the newest last); its signature is
// extended from r's, so no key is needed.
func (r *Ref) Attenuate(caveats ...lang.Value) (*Ref, error) {
	if err := CheckCaveats(caveats); err != nil {
		return nil, err
	}
	sig, err := chain(r.Sig, caveats)
	if err != nil {
		return nil, err
	}
	return &Ref{OID: r.OID, Sig: sig, Caveats: append(append([]lang.Value(nil), r.Caveats...), caveats...)}, nil
}

// Validate checks r's signature against key.
func (r *Ref) Validate(key []byte) error {
	root, err := Mint(r.OID, key)
	if err != nil {
		return err
	}
	sig, err := chain(root.Sig, r.Caveats)
	if err != nil {
		return err
	}
	if !hmac.Equal(sig, r.Sig) {
		return ErrSignature
	}
	return nil
}

var (
	symRef     = lang.Symbol("ref")
	symOID     = lang.Symbol("oid")
	symSig     = lang.Symbol("sig")
	symCaveats = lang.Symbol("caveats")
	symKey     = lang.Symbol("key")
)

// Parameters is the dictionary {oid, sig, caveats?} of the ref (sturdy.prs
// Parameters), as carried by a <ref ...> step.
func (r *Ref) Parameters() lang.Value {
	kvs := []lang.Value{symOID, r.OID, symSig, lang.ByteString(r.Sig)}
	if len(r.Caveats) > 0 {
		kvs = append(kvs, symCaveats, lang.Sequence(append([]lang.Value(nil), r.Caveats...)))
	}
	return lang.DictionaryOf(kvs...)
}

// Value is the ref in its text form, <ref {oid: ..., sig: ..., caveats: [...]}>.
func (r *Ref) Value() lang.Value { return lang.NewRecord(symRef, r.Parameters()) }

// Parse reads <ref PARAMETERS>.
func Parse(v lang.Value) (*Ref, error) {
	rec, ok := lang.Unwrap(v).(*lang.Record)
	if !ok || !lang.Equal(rec.Label, symRef) || len(rec.Fields) != 1 {
		return nil, fmt.Errorf("a sturdy ref is <ref {oid: ..., sig: #[...]}>, not %s", lang.Format(v))
	}
	return ParseParameters(rec.Fields[0])
}

// ParseParameters reads the Parameters dictionary of a sturdy ref. A
// caveats field that is not a sequence is ErrCaveats, as in syndicate-rs.
func ParseParameters(v lang.Value) (*Ref, error) {
	d, ok := lang.Unwrap(v).(*lang.Dictionary)
	if !ok {
		return nil, fmt.Errorf("sturdy ref parameters must be a dictionary, not %s", lang.Format(v))
	}
	oid, ok := d.Get(symOID)
	if !ok {
		return nil, fmt.Errorf("sturdy ref parameters lack oid: %s", lang.Format(v))
	}
	sig, ok := d.Get(symSig)
	bs, isBytes := lang.Unwrap(sig).(lang.ByteString)
	if !ok || !isBytes {
		return nil, fmt.Errorf("sturdy ref parameters lack a byte-string sig: %s", lang.Format(v))
	}
	r := &Ref{OID: lang.Unwrap(oid), Sig: []byte(bs)}
	if cs, ok := d.Get(symCaveats); ok {
		seq, ok := lang.Unwrap(cs).(lang.Sequence)
		if !ok {
			return nil, ErrCaveats
		}
		r.Caveats = append([]lang.Value(nil), seq...)
	}
	return r, nil
}

// Description is the detail of a <bind <ref {oid, key}> ...> (sturdy.prs
// SturdyDescriptionDetail).
type Description struct {
	OID lang.Value
	Key []byte
}

// ParseDescription reads {oid: OID, key: #[...]}.
func ParseDescription(v lang.Value) (*Description, error) {
	d, ok := lang.Unwrap(v).(*lang.Dictionary)
	if !ok {
		return nil, fmt.Errorf("a sturdy bind description is {oid: ..., key: #[...]}, not %s", lang.Format(v))
	}
	oid, ok1 := d.Get(symOID)
	key, ok2 := d.Get(symKey)
	kb, ok3 := lang.Unwrap(key).(lang.ByteString)
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("a sturdy bind description is {oid: ..., key: #[...]}, not %s", lang.Format(v))
	}
	return &Description{OID: lang.Unwrap(oid), Key: []byte(kb)}, nil
}
