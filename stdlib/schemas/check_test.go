package schemas

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/parser"
	"github.com/synd-lang/synd/stdlib/schema"
)

// The records a config asserts are checked against the protocol schemas,
// with positions and the schemas' words.
func TestCheckScriptWithProtocolSchemas(t *testing.T) {
	c := schema.NewChecker(Set(), ConfigModules()...)
	for _, tc := range []struct{ src, want string }{
		{`<daemon x {argv: ["a"], restart: alwyas}>`, "t.pr:1:34: `restart:` expects one of always, on-error, all, never; found `alwyas`"},
		{`<daemon x {argv: 5}>`, "t.pr:1:18: `argv:` expects one of a string, [@program string @args string ...]; found `5`"},
		{`<daemon x {argv: ["a" 5]}>`, "t.pr:1:23: item 2 (args) expects a string; found `5`"},
		{`<daemon x {argv: "a", restrat: all}>`, "t.pr:1:23: unknown key `restrat:`; FullDaemonProcess knows argv, clearEnv, dir, env, protocol, readyOnStart, restart"},
		{`<depends-on <daemon x>>`, "t.pr:1:1: <depends-on …> expects 2 fields: <depends-on @depender any @dependee ServiceState>; found `<depends-on <daemon x>>`"},
		{`<depends-on a <service-state b>>`, "t.pr:1:15: field 2 (dependee) of <depends-on> expects 2 fields"},
		{`<daemon x {argv: "a", readyOnStart: yes}>`, "`readyOnStart:` expects a boolean (#t or #f); found `yes`"},
		{`<daemon x {argv: "a", protocol: binary}>`, "`protocol:` expects one of none, application/syndicate, text/syndicate; found `binary`"},
		{`<daemon x {argv: "a", env: {PATH: 5}}>`, "`PATH:` expects one of a string, #f; found `5`"},
		{`<daemon x <one-shot 5>>`, "field 1 (setup) of <one-shot> expects one of a string, [@program string @args string ...]; found `5`"},
		{`<config-watcher "/etc" 5>`, "field 2 (env) of <config-watcher> expects a dictionary {symbol: any ...:...}; found `5`"},
		{`<require-service>`, "<require-service …> expects 1 field"},
		{`[<milestone m> ? <x> [<require-service a b>]]`, "t.pr:1:23: <require-service …> expects 1 field: <require-service @serviceName any>; found `<require-service a b>` (schema service.RequireService)"},
		{`$log ! <restart-service>`, "<restart-service …> expects 1 field"},
		{`let ?x = <depends-on a> <depends-on $x>`, "t.pr:1:25: <depends-on …> expects 2 fields"},
		{`$config =~ {} <depends-on a> <depends-on b>`, "t.pr:1:15: <depends-on …> expects 2 fields"},
		{`<require-service <relay-listener <tcp "127.0.0.1" "8001"> $gk>>`, "t.pr:1:51: field 2 (port) of <tcp> expects an integer; found `\"8001\"` (in field 1 (addr) of <relay-listener>) (schema internalServices.TcpWithoutHttp)"},
		{`<depends-on <daemon a> <service-state <daemon b 5> up>>`, "t.pr:1:49: field 2 (config) of <daemon> expects one of"},
		// passes
		{`<daemon x "sleep 1">`, ""},
		{`<daemon x ["sleep" "1"]>`, ""},
		{`<daemon x {argv: $cmd, restart: $r}>`, ""},
		{`<daemon x {argv: "a", restart: =on-error, env: {PATH: #f, HOME: "/"}, dir: "/", clearEnv: #t, readyOnStart: #f, protocol: text/syndicate}>`, ""},
		{`<daemon x <one-shot ["a"]>>`, ""},
		{`<daemon x $spec>`, ""},
		{`<depends-on <daemon x> <service-state <milestone y> up>>`, ""},
		{`<require-service <daemon x>>`, ""},
		{`<config-watcher "/etc" $.>`, ""},
		{`<config-watcher "/etc" {config: $config}>`, ""},
		{`? <daemon ?x> [<log "no check of patterns">]`, ""},
		{`<unknown-record 1 2 3>`, ""},
		{`<relay-listener <tcp "127.0.0.1" 8001> $gatekeeper>`, ""},
		{`<relay-listener <unix "/tmp/s"> <* $gatekeeper []>>`, ""},
	} {
		t.Run(tc.src, func(t *testing.T) {
			vs, err := parser.ParseAll("t.pr", []byte(tc.src), parser.Options{Positions: true})
			require.NoError(t, err)
			ds := c.CheckScript(vs)
			if tc.want == "" {
				assert.Empty(t, ds)
				return
			}
			require.NotEmpty(t, ds)
			var msgs []string
			for _, d := range ds {
				msgs = append(msgs, d.Error())
			}
			assert.Contains(t, strings.Join(msgs, "\n"), tc.want)
		})
	}
}

// FuzzCheckScript: checking any script that reads never panics or hangs,
// and every diagnostic has a position in the script.
func FuzzCheckScript(f *testing.F) {
	f.Add(`<daemon x {argv: ["a" 5], restart: alwyas}>`)
	f.Add(`? <x> [<depends-on a> $x =~ {} <require-service <relay-listener <tcp "h" "p"> $g>>]`)
	f.Add(`let ?x = join ", " [1 2] ! <restart-service>`)
	c := schema.NewChecker(Set(), ConfigModules()...)
	f.Fuzz(func(t *testing.T, src string) {
		vs, err := parser.ParseAll("f.pr", []byte(src), parser.Options{Positions: true})
		if err != nil {
			return
		}
		for _, d := range c.CheckScript(vs) {
			if !d.Pos.IsValid() {
				t.Fatalf("diagnostic without a position for %q: %s", src, d.Msg)
			}
		}
	})
}

func TestExplain(t *testing.T) {
	c := schema.NewChecker(Set(), ConfigModules()...)
	got := c.Explain(lang.Symbol("depends-on"))
	assert.Contains(t, got, "# service.prs\n")
	assert.Contains(t, got, "ServiceDependency = <depends-on @depender any @dependee ServiceState> .")
	assert.Contains(t, got, "# DEPENDER runs only while")
	d := c.Explain(lang.Symbol("daemon"))
	assert.Contains(t, d, "DaemonService = <daemon @id any> .")
	assert.Contains(t, d, "DaemonProcess = <daemon @id any @config DaemonProcessSpec> .")
	assert.Empty(t, c.Explain(lang.Symbol("no-such-label")))
}
