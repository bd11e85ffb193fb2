package gatekeeper

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/flynn/noise"

	"github.com/synd-lang/synd/dataspace"
	"github.com/synd-lang/synd/eval"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/relay"
)

// Noise steps (noise.prs): a service bound with <bind <noise {service: S,
// key: PUBLIC, secretKey: SECRET}> #:TARGET OBSERVER> is reached by a
// Noise_NK_25519_ChaChaPoly_BLAKE2s handshake whose prologue is the
// canonical encoding of S; a client must know PUBLIC. After the handshake,
// the Syndicate protocol runs over Noise packets (each a byte string sent
// as a message, fragmented past 65535 bytes), with TARGET as the
// responder's initial object.

// DefaultNoiseProtocol is the protocol a noise spec without one speaks.
const DefaultNoiseProtocol = "Noise_NK_25519_ChaChaPoly_BLAKE2s"

var (
	symService   = lang.Symbol("service")
	symSecretKey = lang.Symbol("secretKey")
	symProtocol  = lang.Symbol("protocol")
	symPSKs      = lang.Symbol("preSharedKeys")
	symNoise     = lang.Symbol("noise")
	symInitiator = lang.Symbol("initiator")
	symAccepted  = lang.Symbol("accepted")
)

var suite = noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashBLAKE2s)

// NoiseKeyPair makes a new static key pair: {key: PUBLIC, secretKey: SECRET}.
func NoiseKeyPair() (public, secret []byte, err error) {
	k, err := suite.GenerateKeypair(nil)
	return k.Public, k.Private, err
}

// noiseSpec is a validated NoiseSpec / NoiseServiceSpec.
type noiseSpec struct {
	service lang.Value
	public  []byte
	secret  []byte // responder only
}

func parseNoiseSpec(v lang.Value, needSecret bool) (*noiseSpec, error) {
	d, ok := lang.Unwrap(v).(*lang.Dictionary)
	if !ok {
		return nil, fmt.Errorf("a noise spec is {service: ..., key: #[...]}, not %s", lang.Format(v))
	}
	service, ok1 := d.Get(symService)
	key, ok2 := d.Get(symKey)
	kb, ok3 := lang.Unwrap(key).(lang.ByteString)
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("a noise spec is {service: ..., key: #[...]}, not %s", lang.Format(v))
	}
	s := &noiseSpec{service: lang.Unwrap(service), public: []byte(kb)}
	if p, ok := d.Get(symProtocol); ok {
		ps, ok := lang.Unwrap(p).(lang.String)
		if !ok {
			return nil, fmt.Errorf("Invalid noise protocol %s", lang.Format(p))
		}
		if string(ps) != DefaultNoiseProtocol {
			if strings.HasPrefix(string(ps), "Noise_") && strings.HasSuffix(string(ps), "_25519_ChaChaPoly_BLAKE2s") {
				return nil, fmt.Errorf("Unsupported handshake pattern %q", strings.TrimSuffix(strings.TrimPrefix(string(ps), "Noise_"), "_25519_ChaChaPoly_BLAKE2s"))
			}
			return nil, fmt.Errorf("Unsupported protocol %q", string(ps))
		}
	}
	if p, ok := d.Get(symPSKs); ok {
		if seq, ok := lang.Unwrap(p).(lang.Sequence); !ok || len(seq) > 0 {
			return nil, fmt.Errorf("pre-shared keys are not supported with %s", DefaultNoiseProtocol)
		}
	}
	if len(s.public) != 32 {
		return nil, fmt.Errorf("a noise public key is 32 bytes, not %d", len(s.public))
	}
	if sk, ok := d.Get(symSecretKey); ok {
		b, ok := lang.Unwrap(sk).(lang.ByteString)
		if !ok || len(b) != 32 {
			return nil, fmt.Errorf("Invalid secret key %s", lang.Format(sk))
		}
		s.secret = []byte(b)
	}
	if needSecret && s.secret == nil {
		return nil, errors.New("a noise bind needs secretKey")
	}
	return s, nil
}

// pathStep is the spec as a <noise {...}> path step: without the secret.
func (s *noiseSpec) pathStep() lang.Value {
	return lang.NewRecord(symNoise, lang.DictionaryOf(symService, s.service, symKey, lang.ByteString(s.public)))
}

func (s *noiseSpec) handshake(initiator bool) (*noise.HandshakeState, error) {
	prologue, err := lang.EncodeCanonical(s.service)
	if err != nil {
		return nil, err
	}
	cfg := noise.Config{CipherSuite: suite, Pattern: noise.HandshakeNK, Initiator: initiator, Prologue: prologue}
	if initiator {
		cfg.PeerStatic = s.public
	} else {
		cfg.StaticKeypair = noise.DHKey{Private: s.secret, Public: s.public}
	}
	return noise.NewHandshakeState(cfg)
}

// handleNoiseBinds answers each noise bind's observer with <bound <noise
// {service, key}>> or an error (resolution/noise.rs handle_noise_binds).
func handleNoiseBinds(t *eval.Turn, ds *eval.Ref) {
	t.During(ds, recPattern(symBind, recPattern(symNoise, capture), capture, capture), func(t *eval.Turn, caps []lang.Value) {
		if _, ok := lang.Unwrap(caps[1]).(lang.Embedded); !ok {
			return
		}
		e, isEmb := lang.Unwrap(caps[2]).(lang.Embedded)
		observer, hasObserver := e.Ref.(*eval.Ref)
		hasObserver = hasObserver && isEmb
		spec, err := parseNoiseSpec(caps[0], true)
		if err != nil {
			t.System().Report(t.Facet(), fmt.Errorf("Invalid noise bind description: %w", err))
			if hasObserver {
				t.Assert(observer, errorResult(lang.String(err.Error())))
			}
			return
		}
		if hasObserver {
			t.Assert(observer, lang.NewRecord(symBound, spec.pathStep()))
		}
	})
}

// takeNoiseStep waits for a noise bind of the step's service and answers
// with a fresh responder session object (resolution/noise.rs
// await_bind_noise).
func (g *entity) takeNoiseStep(t *eval.Turn, step, service lang.Value, observer *eval.Ref) {
	outer := t.Facet()
	g.direct(t, step, observer, func(t *eval.Turn) {
		search := t.Facet()
		desc := dataspace.Bind{Pattern: dataspace.Group{Kind: dataspace.GroupDictionary, Entries: []dataspace.GroupEntry{
			{Key: symService, Pattern: dataspace.Literal(service)},
		}}}
		answered := false
		t.During(g.ds, recPattern(symBind, recPattern(symNoise, desc), capture, dataspace.Discard{}), func(t *eval.Turn, caps []lang.Value) {
			if answered {
				return
			}
			answered = true
			t.StopFacet(search)
			spec, err := parseNoiseSpec(caps[0], true)
			e, isEmb := lang.Unwrap(caps[1]).(lang.Embedded)
			target, isRef := e.Ref.(*eval.Ref)
			if err == nil && (!isEmb || !isRef) {
				err = errors.New("the bound target is not a reference")
			}
			t.InFacet(outer, func() {
				if err != nil {
					t.System().Report(t.Facet(), err)
					return
				}
				hs, err := spec.handshake(false)
				if err != nil {
					t.System().Report(t.Facet(), err)
					return
				}
				r := &responder{service: target, hs: hs, sys: t.System()}
				session := t.NewRef("noise-responder", r)
				r.facet = t.Facet()
				t.Assert(observer, ok(session.Value()))
			})
		})
	})
}

// responder is the responder's session object (noise.prs steps 2-4).
type responder struct {
	sys     *eval.System
	facet   *eval.Facet
	service *eval.Ref
	hs      *noise.HandshakeState
	peer    *eval.Ref
	link    *noiseLink
}

func (r *responder) Assert(t *eval.Turn, v lang.Value, _ eval.Handle) error {
	rec, isRec := lang.Unwrap(v).(*lang.Record)
	if !isRec || !lang.Equal(rec.Label, symInitiator) || len(rec.Fields) != 1 {
		return errors.New("noise: Unexpected Packet assertion")
	}
	e, _ := lang.Unwrap(rec.Fields[0]).(lang.Embedded)
	peer, isRef := e.Ref.(*eval.Ref)
	if !isRef {
		return errors.New("noise: the initiator is not a reference")
	}
	if r.peer != nil {
		return errors.New("noise: Received second Initiator")
	}
	r.peer = peer
	return nil
}

// Retract: the initiator ends the session.
func (r *responder) Retract(t *eval.Turn, _ eval.Handle) error {
	if r.link != nil {
		r.link.session.Close(t, nil)
	}
	return nil
}

func (r *responder) Message(t *eval.Turn, v lang.Value) error {
	if r.peer == nil {
		return errors.New("noise: Received Packet in invalid ResponderState")
	}
	if r.link != nil {
		return r.link.receive(t, v)
	}
	msg, ok := lang.Unwrap(v).(lang.ByteString)
	if !ok {
		return errors.New("noise: Fragmented handshake is not allowed")
	}
	if _, _, _, err := r.hs.ReadMessage(nil, []byte(msg)); err != nil {
		return fmt.Errorf("noise: handshake refused: %w", err)
	}
	reply, cs1, cs2, err := r.hs.WriteMessage(nil, nil)
	if err != nil || cs1 == nil {
		return fmt.Errorf("noise: handshake failed: %v", err)
	}
	t.Message(r.peer, lang.ByteString(reply))
	r.link = startLink(t, r.peer, cs2, cs1, relay.Options{Name: "noise responder", Initial: r.service})
	return nil
}

// noiseLink runs a relay session over Noise transport messages.
type noiseLink struct {
	sys     *eval.System
	facet   *eval.Facet
	peer    *eval.Ref
	send    *noise.CipherState
	recv    *noise.CipherState
	in      chan []byte
	done    chan struct{}
	once    sync.Once
	pending []byte
	session *relay.Session
}

// startLink starts the session in a child of the active facet.
func startLink(t *eval.Turn, peer *eval.Ref, send, recv *noise.CipherState, opts relay.Options) *noiseLink {
	l := &noiseLink{sys: t.System(), peer: peer, send: send, recv: recv, in: make(chan []byte, 256), done: make(chan struct{})}
	opts.Messages = true
	t.NewFacet(func(t *eval.Turn) {
		l.facet = t.Facet()
		l.facet.PreventInert()
		l.session = relay.Start(t, l, l, l.close, opts)
		t.OnStop(func(*eval.Turn) { l.close() })
	})
	return l
}

func (l *noiseLink) close() { l.once.Do(func() { close(l.done) }) }

// receive decrypts a Packet (complete or fragmented) for the session.
func (l *noiseLink) receive(t *eval.Turn, v lang.Value) error {
	var pieces []lang.Value
	switch x := lang.Unwrap(v).(type) {
	case lang.ByteString:
		pieces = []lang.Value{x}
	case lang.Sequence:
		pieces = x
	default:
		return errors.New("noise: malformed packet")
	}
	var plain []byte
	for _, p := range pieces {
		b, ok := lang.Unwrap(p).(lang.ByteString)
		if !ok {
			return errors.New("noise: malformed packet")
		}
		out, err := l.recv.Decrypt(plain, nil, []byte(b))
		if err != nil {
			return errors.New("noise: Cannot decrypt packet")
		}
		plain = out
	}
	select {
	case l.in <- plain:
		return nil
	case <-l.done:
		return nil
	default:
		l.session.Close(t, errors.New("noise: the peer sends faster than the session reads"))
		return nil
	}
}

// Read implements io.Reader for the session.
func (l *noiseLink) Read(p []byte) (int, error) {
	for len(l.pending) == 0 {
		select {
		case b := <-l.in:
			l.pending = b
		case <-l.done:
			return 0, io.EOF
		}
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

// maxNoise is the most plaintext one Noise transport message carries.
const maxNoise = 65535 - 16

// Write implements io.Writer: one protocol packet, encrypted (fragmented if
// long), sent to the peer as one message.
func (l *noiseLink) Write(p []byte) (int, error) {
	select {
	case <-l.done:
		return 0, io.ErrClosedPipe
	default:
	}
	var packet lang.Value
	if len(p) <= maxNoise {
		c, err := l.send.Encrypt(nil, nil, p)
		if err != nil {
			return 0, err
		}
		packet = lang.ByteString(c)
	} else {
		var frags lang.Sequence
		for rest := p; len(rest) > 0; {
			n := min(len(rest), maxNoise)
			c, err := l.send.Encrypt(nil, nil, rest[:n])
			if err != nil {
				return 0, err
			}
			frags = append(frags, lang.ByteString(c))
			rest = rest[n:]
		}
		packet = frags
	}
	l.sys.Post(l.facet, func(t *eval.Turn) { t.Message(l.peer, packet) })
	return len(p), nil
}

// initiator is the initiator's session object: it takes the responder's
// handshake reply, then its packets.
type initiator struct {
	hs       *noise.HandshakeState
	peer     *eval.Ref
	link     *noiseLink
	onLinked func(t *eval.Turn, remote *eval.Ref)
}

func (i *initiator) Assert(*eval.Turn, lang.Value, eval.Handle) error { return nil }
func (i *initiator) Retract(*eval.Turn, eval.Handle) error            { return nil }

func (i *initiator) Message(t *eval.Turn, v lang.Value) error {
	if i.link != nil {
		return i.link.receive(t, v)
	}
	msg, ok := lang.Unwrap(v).(lang.ByteString)
	if !ok {
		return errors.New("noise: Fragmented handshake is not allowed")
	}
	_, cs1, cs2, err := i.hs.ReadMessage(nil, []byte(msg))
	if err != nil || cs1 == nil {
		return fmt.Errorf("noise: handshake failed: %v", err)
	}
	i.link = startLink(t, i.peer, cs1, cs2, relay.Options{Name: "noise initiator", ImportInitial: true})
	i.onLinked(t, i.link.session.Peer())
	return nil
}

// handleNoisePathSteps answers <q <resolve-path-step #:ORIGIN <noise
// SPEC>>>: it resolves <noise SERVICE> at ORIGIN, runs the handshake with
// the responder session it gets, and answers <ok #:OBJECT> with the
// responder's initial object (resolution/noise.rs run_noise_initiator).
func handleNoisePathSteps(t *eval.Turn, config *eval.Ref) {
	t.During(config, recPattern(lang.Symbol("q"), recPattern(lang.Symbol("resolve-path-step"), capture, recPattern(symNoise, capture))), func(t *eval.Turn, caps []lang.Value) {
		e, isEmb := lang.Unwrap(caps[0]).(lang.Embedded)
		origin, isRef := e.Ref.(*eval.Ref)
		spec, err := parseNoiseSpec(caps[1], false)
		if !isEmb || !isRef || err != nil {
			return
		}
		question := rec("resolve-path-step", caps[0], rec("noise", caps[1]))
		answer := func(t *eval.Turn, v lang.Value) { t.Assert(config, rec("a", question, v)) }
		step := t.Facet()
		k := t.NewRef("noise-step", &eval.Handler{OnAssert: func(t *eval.Turn, v lang.Value, _ eval.Handle) error {
			res, isRec := lang.Unwrap(v).(*lang.Record)
			if !isRec || len(res.Fields) != 1 || !lang.Equal(res.Label, symOK) {
				answer(t, v)
				return nil
			}
			e, _ := lang.Unwrap(res.Fields[0]).(lang.Embedded)
			responder, isRef := e.Ref.(*eval.Ref)
			if !isRef {
				answer(t, errorResult(lang.Symbol("invalid-path-step-result")))
				return nil
			}
			hs, err := spec.handshake(true)
			if err != nil {
				answer(t, errorResult(lang.String(err.Error())))
				return nil
			}
			t.InFacet(step, func() {
				in := &initiator{hs: hs, peer: responder, onLinked: func(t *eval.Turn, remote *eval.Ref) {
					t.InFacet(step, func() { answer(t, ok(remote.Value())) })
				}}
				self := t.NewRef("noise-initiator", in)
				t.Assert(responder, lang.NewRecord(symInitiator, self.Value()))
				msg, _, _, err := hs.WriteMessage(nil, nil)
				if err != nil {
					answer(t, errorResult(lang.String(err.Error())))
					return
				}
				t.Message(responder, lang.ByteString(msg))
			})
			return nil
		}})
		t.Assert(origin, rec("resolve", lang.NewRecord(symNoise, spec.service), k.Value()))
	})
}
