package stdlib_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/internal/host"
	"github.com/synd-lang/synd/internal/syncbuf"
	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/relay"
)

// TestMain lets the test binary play a daemon speaking application/syndicate.
func TestMain(m *testing.M) {
	if os.Getenv("SYND_TEST_PROTOCOL_DAEMON") != "" {
		protocolDaemon()
		return
	}
	os.Exit(m.Run())
}

// protocolDaemon waits for an assertion carrying a ref, asserts three
// records to that ref (binary packets), waits a little and exits.
func protocolDaemon() {
	var fr relay.Framer
	buf := make([]byte, 4096)
	for {
		n, err := os.Stdin.Read(buf)
		if err != nil {
			os.Exit(3)
		}
		pkts, err := fr.Feed(buf[:n])
		if err != nil {
			os.Exit(4)
		}
		for _, p := range pkts {
			s := lang.Format(p)
			m := regexp.MustCompile(`#:\[0 (\d+)\]`).FindStringSubmatch(s)
			if m == nil {
				continue
			}
			oid := lang.Int(0)
			for _, c := range m[1] {
				oid = oid*10 + lang.Int(c-'0')
			}
			var turn lang.Sequence
			for i := 1; i <= 3; i++ {
				turn = append(turn, lang.Sequence{oid, lang.NewRecord(lang.Symbol("A"),
					lang.NewRecord(lang.Symbol("child-says"), lang.Int(i)), lang.Int(i))})
			}
			b, _ := lang.Encode(turn)
			_, _ = os.Stdout.Write(b)
			time.Sleep(300 * time.Millisecond)
			os.Exit(0)
		}
	}
}

// TestProtocolDaemonExitRetracts: when a daemon speaking
// application/syndicate exits, everything it asserted leaves $config in the
// turn that notices the exit (before that, its assertions stand even though
// its output has ended), as syndicate-server's relay retracts a dead peer's
// assertions (relay.rs: the TunnelRelay's facet ends with its stream).
func TestProtocolDaemonExitRetracts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real process; skipped with -short")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	script := `
<require-service <daemon talker>>
<daemon talker {argv: [` + quote(exe) + `], env: {SYND_TEST_PROTOCOL_DAEMON: "1"}, protocol: application/syndicate, restart: never}>
? <service-object <daemon talker> ?obj> $obj <greeting $config>
`
	out := &syncbuf.Buffer{}
	h := host.New(host.Options{Out: out, Trace: true})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, h.RunSource("exit.pr", []byte(script), h.Env()))
	go func() {
		deadline := time.Now().Add(15 * time.Second)
		for !strings.Contains(out.String(), "+ <service-state <daemon talker> complete>") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		h.Sys.Shutdown()
	}()
	require.NoError(t, h.Run(ctx))
	lines := strings.Split(out.String(), "\n")
	var order []string
	for _, l := range lines {
		switch {
		case strings.Contains(l, "<child-says"), strings.HasPrefix(l, "+ <service-state <daemon talker> complete>"):
			order = append(order, l)
		}
	}
	require.Equal(t, []string{
		"+ <child-says 1>", "+ <child-says 2>", "+ <child-says 3>",
		"- <child-says 3>", "- <child-says 2>", "- <child-says 1>",
	}, order[:6], out.String())
	require.True(t, strings.HasPrefix(order[6], "+ <service-state <daemon talker> complete>"), out.String())
	// Nothing else happened between the retractions and the exit record:
	// they are the effects of one turn.
	i := strings.Index(out.String(), "- <child-says 1>\n")
	rest := out.String()[i+len("- <child-says 1>\n"):]
	next := strings.SplitN(rest, "\n", 2)[0]
	require.Regexp(t, `^- <service-object <daemon talker>`, next, out.String())
}
