package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib/gatekeeper"
	"github.com/synd-lang/synd/stdlib/sturdy"
)

// node is a running `synd serve` whose output lines are collected.
type node struct {
	t     *testing.T
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	ended chan struct{}
}

func startNode(t *testing.T, bin string, args ...string) *node {
	t.Helper()
	n := &node{t: t, cmd: exec.Command(bin, append([]string{"serve", "--no-banner", "--no-control-socket"}, args...)...), ended: make(chan struct{})}
	out, err := n.cmd.StdoutPipe()
	require.NoError(t, err)
	n.cmd.Stderr = n.cmd.Stdout
	require.NoError(t, n.cmd.Start())
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			n.mu.Lock()
			n.lines = append(n.lines, sc.Text())
			n.mu.Unlock()
		}
		_ = n.cmd.Wait()
		close(n.ended)
	}()
	t.Cleanup(n.kill)
	return n
}

func (n *node) kill() {
	_ = n.cmd.Process.Kill()
	<-n.ended
}

func (n *node) output() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.lines, "\n")
}

// count is how many output lines contain s.
func (n *node) count(s string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, l := range n.lines {
		if strings.Contains(l, s) {
			c++
		}
	}
	return c
}

func (n *node) waitCount(s string, want int) {
	n.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for n.count(s) < want {
		if time.Now().After(deadline) {
			n.t.Fatalf("waited for %d lines with %q; output:\n%s", want, s, n.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func configDir(t *testing.T, text string) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.pr"), []byte(text), 0o644))
	return dir
}

// nodeB binds a dataspace $world under a sturdy ref and reports what it
// sees there; nodeA resolves a route to that ref, asserts into $world and
// observes it.
const nodeB = `
let ?world = dataspace
<bind <ref {oid: world key: #"secret"}> $world #f>
$world <from-b 42>
$world ? <from-a ?x> [
  $log ! <log "-" {line: "B sees", x: $x}>
]
`

func nodeA(route string) string {
	return `
let ?route = ` + route + `
<q <resolve-path $route>>
? <a <resolve-path $route> <ok <resolved-path _ _ ?remote>>> [
  $remote <from-a "hello">
  $remote ? <from-b ?y> [
    $log ! <log "-" {line: "A sees", y: $y}>
  ]
]
? <a <resolve-path $route> <error ?e>> [
  $log ! <log "-" {line: "A fails", e: $e}>
]
`
}

// TestFederation runs two real synd nodes, on TCP, a unix socket and
// WebSocket: a script on A resolves a sturdy ref to a dataspace on B,
// asserts and observes across the link; B is killed and restarted, and A's
// assertions reappear on B once the route resolves again.
func TestFederation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	bin := buildSynd(t)
	root, err := sturdy.Mint(lang.Symbol("world"), []byte("secret"))
	require.NoError(t, err)
	ref := lang.Format(root.Value())
	cases := []struct {
		name   string
		listen func(port int, sock string) []string
		route  func(port int, sock string) string
	}{
		{"tcp", func(p int, _ string) []string { return []string{"-p", fmt.Sprintf("127.0.0.1:%d", p)} },
			func(p int, _ string) string { return fmt.Sprintf(`<route [<tcp "127.0.0.1" %d>] %s>`, p, ref) }},
		{"unix", func(_ int, s string) []string { return []string{"-s", s} },
			func(_ int, s string) string { return fmt.Sprintf(`<route [<unix %q>] %s>`, s, ref) }},
		{"websocket", func(p int, _ string) []string { return []string{"-p", fmt.Sprintf("127.0.0.1:%d", p)} },
			func(p int, _ string) string { return fmt.Sprintf(`<route [<ws "ws://127.0.0.1:%d/">] %s>`, p, ref) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port := freePort(t)
			sock := filepath.Join(t.TempDir(), "b.sock")
			dirB := configDir(t, nodeB)
			dirA := configDir(t, nodeA(c.route(port, sock)))
			b := startNode(t, bin, append([]string{"-c", dirB}, c.listen(port, sock)...)...)
			a := startNode(t, bin, "-c", dirA)
			a.waitCount(`A sees y=42`, 1)
			b.waitCount(`B sees x="hello"`, 1)
			if c.name == "unix" {
				fi, err := os.Stat(sock)
				require.NoError(t, err)
				require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
			}
			b.kill()
			// B comes back on the same address (the unix socket file it
			// left behind is stale and is replaced).
			b2 := startNode(t, bin, append([]string{"-c", dirB}, c.listen(port, sock)...)...)
			b2.waitCount(`B sees x="hello"`, 1)
			a.waitCount(`A sees y=42`, 2)
			require.Zero(t, a.count("A fails"), a.output())
		})
	}
}

// TestInferior runs synd as another synd's daemon with --inferior: the
// parent reaches the child's $config as the daemon's service object, and
// the child's scripts see what the parent asserts there.
func TestInferior(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	bin := buildSynd(t)
	child := configDir(t, `
<child-ready 1>
? <hello-from-parent ?x> <child-saw $x>
`)
	parent := configDir(t, `
<require-service <daemon child>>
<daemon child {argv: [`+fmt.Sprintf("%q", bin)+` "serve" "--inferior" "--no-control-socket" "-c" `+fmt.Sprintf("%q", child)+`], protocol: application/syndicate}>
? <service-object <daemon child> ?obj> [
  $obj <hello-from-parent "hi">
  $obj ? <child-ready ?n> [ $log ! <log "-" {line: "parent sees ready", n: $n}> ]
  $obj ? <child-saw ?x> [ $log ! <log "-" {line: "parent sees child saw", x: $x}> ]
]
`)
	p := startNode(t, bin, "-c", parent)
	p.waitCount(`parent sees ready n=1`, 1)
	p.waitCount(`parent sees child saw x="hi"`, 1)
}

// TestConnect: synd connect resolves a route to node B's dataspace and runs
// a script against it, or the REPL; a route that does not resolve is an
// error naming the answer.
func TestConnect(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	bin := buildSynd(t)
	root, err := sturdy.Mint(lang.Symbol("world"), []byte("secret"))
	require.NoError(t, err)
	sock := filepath.Join(t.TempDir(), "b.sock")
	route := fmt.Sprintf(`<route [<unix %q>] %s>`, sock, lang.Format(root.Value()))
	b := startNode(t, bin, "-c", configDir(t, nodeB), "-s", sock)
	deadline := time.Now().Add(10 * time.Second)
	for _, err := os.Stat(sock); err != nil && time.Now().Before(deadline); _, err = os.Stat(sock) {
		time.Sleep(20 * time.Millisecond)
	}

	script := filepath.Join(configDir(t, `
$remote <from-a "script">
$remote ? <from-b ?y> [ $log ! <log "-" {line: "connect sees", y: $y}> ]
`), "main.pr")
	c := exec.Command(bin, "connect", route, script)
	var out strings.Builder
	var mu sync.Mutex
	c.Stdout = writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(p) })
	require.NoError(t, c.Start())
	b.waitCount(`B sees x="script"`, 1)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return strings.Contains(out.String(), "connect sees y=42") }, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, c.Process.Signal(os.Interrupt))
	_ = c.Wait()

	r := exec.Command(bin, "connect", route)
	r.Stdin = strings.NewReader(":target $remote\n<from-a \"repl\">\n")
	replOut, err := r.CombinedOutput()
	require.NoError(t, err, string(replOut))
	require.Contains(t, string(replOut), "connected: $remote")
	b.waitCount(`B sees x="repl"`, 1)

	bad, _ := sturdy.Mint(lang.Symbol("world"), []byte("wrong"))
	badRoute := fmt.Sprintf(`<route [<unix %q>] %s>`, sock, lang.Format(bad.Value()))
	e := exec.Command(bin, "connect", badRoute)
	msg, err := e.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(msg), "sturdyref-failed-validation")
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestNoiseRoute: a route through a Noise step reaches a service bound with
// <bind <noise {service, key, secretKey}> ...> on another node; a route
// naming the wrong public key is refused (the responder cannot complete the
// handshake, and no answer comes).
func TestNoiseRoute(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	bin := buildSynd(t)
	pub, sec, err := gatekeeper.NoiseKeyPair()
	require.NoError(t, err)
	otherPub, _, err := gatekeeper.NoiseKeyPair()
	require.NoError(t, err)
	port := freePort(t)
	b := startNode(t, bin, "-c", configDir(t, fmt.Sprintf(`
let ?world = dataspace
<bind <noise {service: world key: %s secretKey: %s}> $world #f>
$world <from-b 42>
$world ? <from-a ?x> [
  $log ! <log "-" {line: "B sees", x: $x}>
]
`, lang.Format(lang.ByteString(pub)), lang.Format(lang.ByteString(sec)))), "-p", fmt.Sprintf("127.0.0.1:%d", port))
	route := func(key []byte) string {
		return fmt.Sprintf(`<route [<tcp "127.0.0.1" %d>] <noise {service: world key: %s}>>`, port, lang.Format(lang.ByteString(key)))
	}
	a := startNode(t, bin, "-c", configDir(t, nodeA(route(pub))))
	a.waitCount(`A sees y=42`, 1)
	b.waitCount(`B sees x="hello"`, 1)

	wrong := startNode(t, bin, "-c", configDir(t, nodeA(route(otherPub))))
	b.waitCount(`handshake refused`, 1)
	time.Sleep(500 * time.Millisecond)
	require.Zero(t, wrong.count("A sees"), wrong.output())
	require.Equal(t, 1, b.count(`B sees x="hello"`))
}

// TestTwoNodesExample runs examples/two-nodes as its README says (on a free
// port rather than 9001), including B's restart.
func TestTwoNodesExample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	bin := buildSynd(t)
	port := freePort(t)
	copyDir := func(name string) string {
		src, err := os.ReadFile(filepath.Join("../../examples/two-nodes", name))
		require.NoError(t, err)
		dir := t.TempDir()
		text := strings.ReplaceAll(string(src), "9001", fmt.Sprint(port))
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(name)), []byte(text), 0o644))
		return dir
	}
	dirB, dirA := copyDir("node-b/world.pr"), copyDir("node-a/client.pr")
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	b := startNode(t, bin, "-c", dirB, "-p", listen)
	a := startNode(t, bin, "-c", dirA)
	b.waitCount(`present on B who="node A"`, 1)
	a.waitCount(`motd from B text="welcome to node B"`, 1)
	b.kill()
	b2 := startNode(t, bin, "-c", dirB, "-p", listen)
	b2.waitCount(`present on B who="node A"`, 1)
	a.waitCount(`motd from B text="welcome to node B"`, 2)
}

// TestHostilePeersAgainstServe: against a real `synd serve -p`, a 1 GB
// length claim and a packet over --max-packet are each answered with
// <error ...> and the connection closed, and the node goes on serving.
func TestHostilePeersAgainstServe(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	bin := buildSynd(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	n := startNode(t, bin, "-p", addr, "--max-packet", "1000")
	dial := func() net.Conn {
		var c net.Conn
		var err error
		require.Eventually(t, func() bool { c, err = net.Dial("tcp", addr); return err == nil }, 10*time.Second, 20*time.Millisecond)
		return c
	}
	answer := func(c net.Conn, send []byte) string {
		defer c.Close()
		_, err := c.Write(send)
		require.NoError(t, err)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(c)
		return string(b)
	}
	huge := []byte{0xB5, 0xB5, 0xB0, 0x00, 0xB4, 0xB3, 0x01, 'M', 0xB1, 0x80, 0x80, 0x80, 0x80, 0x04}
	start := time.Now()
	require.Contains(t, answer(dial(), huge), "packet larger than 1000 bytes", n.output())
	require.Less(t, time.Since(start), 3*time.Second)
	require.Contains(t, answer(dial(), []byte(`[[0 <M "`+strings.Repeat("x", 2000)+`">]]`+"\n")), "packet larger than 1000 bytes")
	// Still serving: a resolve of an unknown step type is answered.
	c := dial()
	defer c.Close()
	_, err := c.Write([]byte("[[0 <A <resolve <frob> #:[0 1]> 1>]]\n"))
	require.NoError(t, err)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err, n.output())
	require.Equal(t, "[[1 <A <error unsupported> 1>]]\n", line)
}

// TestNoiseThenSturdy follows the layout of syndicate-rs's
// gatekeeper-config.pr: the system gatekeeper has one noise binding, for an
// inner gatekeeper; the inner gatekeeper binds a dataspace under a sturdy
// ref; a client's route is a transport, a noise step and a sturdy step
// whose caveat labels everything it says as "alice".
func TestNoiseThenSturdy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	bin := buildSynd(t)
	pub, sec, err := gatekeeper.NoiseKeyPair()
	require.NoError(t, err)
	root, err := sturdy.Mint(lang.Symbol("a-service"), []byte("hello"))
	require.NoError(t, err)
	// (A script cannot write <_> in a template, so the caveat matches
	// Present records by shape.)
	alice, err := root.Attenuate(mustParse(t, `<rewrite <rec Present [<bind String>]> <rec labelled [<lit "alice"> <rec Present [<ref 0>]>]>>`))
	require.NoError(t, err)
	port := freePort(t)
	b := startNode(t, bin, "-c", configDir(t, fmt.Sprintf(`
let ?inner = dataspace
<require-service <gatekeeper $inner>>
? <service-object <gatekeeper $inner> ?innerGatekeeper> [
  <bind <noise {key: %[1]s secretKey: %[2]s service: world}> $innerGatekeeper #f>
]
<require-service <relay-listener <tcp "127.0.0.1" %[3]d> $gatekeeper>>
let ?world = dataspace
$inner += <bind <ref {oid: a-service key: #"hello"}> $world #f>
$world [
  ? <labelled ?who <Present ?claimed>> <Present $who>
  ? <Present ?who> [ $log ! <log "-" {line: "present", who: $who}> ]
]
`, lang.Format(lang.ByteString(pub)), lang.Format(lang.ByteString(sec)), port)))
	route := fmt.Sprintf(`<route [<tcp "127.0.0.1" %d>] <noise {key: %s service: world}> %s>`,
		port, lang.Format(lang.ByteString(pub)), lang.Format(alice.Value()))
	a := startNode(t, bin, "-c", configDir(t, `
let ?route = `+route+`
<q <resolve-path $route>>
? <a <resolve-path $route> <ok <resolved-path _ _ ?world>>> [
  $world <Present "mallory">
]
`))
	b.waitCount(`present who="alice"`, 1)
	require.Zero(t, b.count(`who="mallory"`), b.output())
	require.Zero(t, a.count("error"), a.output())
}

func mustParse(t *testing.T, s string) lang.Value {
	v, err := parser.Parse("test", []byte(s), parser.Options{})
	require.NoError(t, err)
	return v
}
