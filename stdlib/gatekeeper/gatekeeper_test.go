package gatekeeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib/gatekeeper"
	"github.com/synd-lang/synd/stdlib/sturdy"
)

type box struct {
	got  []string
	refs []*eval.Ref
}

func (b *box) entity() *eval.Handler {
	return &eval.Handler{
		OnAssert: func(_ *eval.Turn, v lang.Value, _ eval.Handle) error {
			b.got = append(b.got, lang.Format(v))
			if r, ok := v.(*lang.Record); ok && len(r.Fields) == 1 {
				if e, ok := r.Fields[0].(lang.Embedded); ok {
					b.refs = append(b.refs, e.Ref.(*eval.Ref))
				}
			}
			return nil
		},
		OnMessage: func(_ *eval.Turn, v lang.Value) error {
			b.got = append(b.got, "!"+lang.Format(v))
			return nil
		},
	}
}

func parse(t *testing.T, s string) lang.Value {
	v, err := parser.Parse("test", []byte(s), parser.Options{})
	require.NoError(t, err)
	return v
}

type world struct {
	sys   *eval.System
	root  *eval.Facet
	binds *eval.Ref
	gk    *eval.Ref
	world *eval.Ref
	seen  *box
}

func setup(t *testing.T) *world {
	w := &world{sys: eval.NewSystem(nil), seen: &box{}}
	w.sys.Spawn("test", func(tn *eval.Turn) {
		w.root = tn.Facet()
		w.root.PreventInert()
		w.binds = tn.NewDataspace("bindings")
		w.gk = gatekeeper.New(tn, w.binds)
		w.world = tn.NewRef("world", w.seen.entity())
	})
	w.sys.RunPending()
	return w
}

func (w *world) do(f func(t *eval.Turn)) {
	w.sys.Post(w.root, f)
	w.sys.RunPending()
}

// resolve asserts <resolve STEP #:observer> to the gatekeeper and returns
// what the observer is told.
func (w *world) resolve(t *testing.T, step string) (*box, *eval.Ref) {
	b := &box{}
	var obs *eval.Ref
	w.do(func(tn *eval.Turn) {
		obs = tn.NewRef("observer", b.entity())
		tn.Assert(w.gk, lang.NewRecord(lang.Symbol("resolve"), parse(t, step), obs.Value()))
	})
	return b, obs
}

// TestSturdyResolution pins services/gatekeeper.rs and resolution/sturdy.rs:
// a bind is answered with <bound <ref PARAMS>>; a valid ref resolves to the
// target attenuated by its caveats; a wrong signature is <error
// sturdyref-failed-validation>; an unknown oid is not answered; an unknown
// step type is <error unsupported>; a bad detail <error invalid>.
func TestSturdyResolution(t *testing.T) {
	w := setup(t)
	bound := &box{}
	w.do(func(tn *eval.Turn) {
		obs := tn.NewRef("bound", bound.entity())
		tn.Assert(w.binds, lang.NewRecord(lang.Symbol("bind"),
			parse(t, `<ref {oid: a-service key: #"hello"}>`), w.world.Value(), obs.Value()))
	})
	require.Equal(t, []string{`<bound <ref {oid: a-service sig: #x"2534c641e60282884c5d6ff64b65c7f2"}>>`}, bound.got)

	ok, _ := w.resolve(t, `<ref {oid: a-service sig: #[JTTGQeYCgohMXW/2S2XH8g]}>`)
	require.Len(t, ok.got, 1)
	require.Regexp(t, `^<ok #:<ref \d+ world>>$`, ok.got[0])

	bad, _ := w.resolve(t, `<ref {oid: a-service sig: #[AAAAAAAAAAAAAAAAAAAAAA]}>`)
	require.Equal(t, []string{"<error sturdyref-failed-validation>"}, bad.got)

	unknown, _ := w.resolve(t, `<ref {oid: nobody sig: #[JTTGQeYCgohMXW/2S2XH8g]}>`)
	require.Empty(t, unknown.got)

	unsupported, _ := w.resolve(t, `<frob {}>`)
	require.Equal(t, []string{"<error unsupported>"}, unsupported.got)

	invalid, _ := w.resolve(t, `<ref "no">`)
	require.Equal(t, []string{"<error invalid>"}, invalid.got)

	// Caveats that forbid: the ref resolves, but what they forbid is
	// dropped and what they allow is rewritten.
	root, err := sturdy.Mint(lang.Symbol("a-service"), []byte("hello"))
	require.NoError(t, err)
	att, err := root.Attenuate(
		parse(t, `<rewrite <bind <_>> <rec labelled [<lit "alice"> <ref 0>]>>`),
		parse(t, `<reject <rec secret [<_>]>>`))
	require.NoError(t, err)
	alice, _ := w.resolve(t, lang.Format(lang.NewRecord(lang.Symbol("ref"), att.Parameters())))
	require.Len(t, alice.got, 1, alice.got)
	var ref *eval.Ref
	w.do(func(tn *eval.Turn) {
		d := w.seenObserver(alice)
		ref = d
		tn.Assert(ref, parse(t, `<secret 1>`))
		tn.Assert(ref, parse(t, `<public 2>`))
	})
	require.Equal(t, []string{`<labelled "alice" <public 2>>`}, w.seen.got)
}

// TestAnswerBeforeBind: an answer to the gatekeeper's own <resolve ...> in
// the bindspace, given before any bind appears, goes to the observer and
// ends the wait (gatekeeper.prs; resolution/mod.rs handle_direct_resolution).
func TestAnswerBeforeBind(t *testing.T) {
	w := setup(t)
	w.do(func(tn *eval.Turn) {
		p, err := dataspace.ParsePattern(parse(t, `<group <rec resolve> {0: <group <rec ref> {0: <group <dict> {oid: <lit late>}>}> 1: <bind <_>>}>`))
		require.NoError(t, err)
		tn.During(w.binds, p, func(tn *eval.Turn, caps []lang.Value) {
			k := caps[0].(lang.Embedded).Ref.(*eval.Ref)
			tn.Assert(k, parse(t, `<error not-yet>`))
		})
	})
	b, _ := w.resolve(t, `<ref {oid: late sig: #[JTTGQeYCgohMXW/2S2XH8g]}>`)
	require.Equal(t, []string{"<error not-yet>"}, b.got)
	// A bind appearing later changes nothing: the wait has ended.
	w.do(func(tn *eval.Turn) {
		tn.Assert(w.binds, lang.NewRecord(lang.Symbol("bind"), parse(t, `<ref {oid: late key: #"hello"}>`), w.world.Value(), lang.Bool(false)))
	})
	require.Equal(t, []string{"<error not-yet>"}, b.got)
}

// seenObserver returns the ref inside the <ok #:ref> a box was told.
func (w *world) seenObserver(b *box) *eval.Ref { return b.refs[0] }

// TestNoiseBind: a noise bind is answered with its path step, without the
// secret key; a bad description with an error (resolution/noise.rs
// handle_noise_binds).
func TestNoiseBind(t *testing.T) {
	w := setup(t)
	pub, sec, err := gatekeeper.NoiseKeyPair()
	require.NoError(t, err)
	good, bad := &box{}, &box{}
	w.do(func(tn *eval.Turn) {
		spec := lang.DictionaryOf(lang.Symbol("service"), lang.Symbol("world"), lang.Symbol("key"), lang.ByteString(pub), lang.Symbol("secretKey"), lang.ByteString(sec))
		tn.Assert(w.binds, lang.NewRecord(lang.Symbol("bind"), lang.NewRecord(lang.Symbol("noise"), spec), w.world.Value(), tn.NewRef("good", good.entity()).Value()))
		tn.Assert(w.binds, lang.NewRecord(lang.Symbol("bind"), parse(t, `<noise {service: x key: #[AAAA]}>`), w.world.Value(), tn.NewRef("bad", bad.entity()).Value()))
	})
	want := lang.Format(lang.NewRecord(lang.Symbol("bound"), lang.NewRecord(lang.Symbol("noise"),
		lang.DictionaryOf(lang.Symbol("service"), lang.Symbol("world"), lang.Symbol("key"), lang.ByteString(pub)))))
	require.Equal(t, []string{want}, good.got)
	require.Len(t, bad.got, 1)
	require.Contains(t, bad.got[0], "<error ")
	// A resolve of a bound service answers with a responder session object.
	b, _ := w.resolve(t, `<noise world>`)
	require.Len(t, b.got, 1)
	require.Regexp(t, `^<ok #:<ref \d+ noise-responder>>$`, b.got[0])
}
