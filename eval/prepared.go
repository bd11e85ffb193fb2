package eval

import "github.com/synd-lang/synd/parser"

// Prepared is a compiled script that many facets run (the programs of a
// service class's processes, say): what the evaluator learns about its
// patterns and attenuations the first time they run (their compiled
// forms, the wire forms of constant patterns) is kept for every later run
// instead of being learnt again by each. A Prepared belongs to one System:
// run it only in that system's turns.
type Prepared struct {
	script      *parser.Script
	sites       map[*parser.PatternTemplate]*site
	caveatSites map[*parser.TAttenuate]*caveatSite
}

// Prepare makes a Prepared of s.
func Prepare(s *parser.Script) *Prepared {
	return &Prepared{script: s, sites: map[*parser.PatternTemplate]*site{},
		caveatSites: map[*parser.TAttenuate]*caveatSite{}}
}

// Script is the compiled script.
func (p *Prepared) Script() *parser.Script { return p.script }

// RunPrepared is RunScript for a prepared script.
func (t *Turn) RunPrepared(p *Prepared, env Env) {
	x := &interp{script: p.script, sites: p.sites, caveatSites: p.caveatSites}
	if _, err := x.block(t, p.script.Body, env); err != nil {
		t.Fail(err)
	}
}
