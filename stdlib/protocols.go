package stdlib

import (
	"strings"
	"sync"

	"github.com/synd-lang/synd/lang"
	"github.com/synd-lang/synd/stdlib/schema"
)

// protocolSchemas reads the embedded schemas once.
var protocolSchemas = sync.OnceValues(func() (*schema.Set, error) {
	set := schema.NewSet()
	for _, f := range Schemas() {
		s, err := schema.ParseText("stdlib/schemas/"+f.Name, f.Source)
		if err != nil {
			return nil, err
		}
		set.Add(strings.TrimSuffix(f.Name, ".prs"), s)
	}
	return set, nil
})

// ProtocolSchemas returns the embedded schemas of the protocols synd speaks
// (service, externalServices, gatekeeper, ... and synd's own connection),
// each a module named by its file name without ".prs". The set is shared:
// callers must not add to it.
func ProtocolSchemas() *schema.Set {
	set, err := protocolSchemas()
	if err != nil {
		// The embedded schemas are tested to read; this is a build fault.
		panic("stdlib: an embedded schema does not read: " + err.Error())
	}
	return set
}

// ConfigSchemaModules names the modules (and single definitions,
// module.Name) of ProtocolSchemas whose records are asserted in a
// configuration dataspace, so that synd check validates the records of a
// script with their labels. timer is not among them: synd's timer
// primitive (<set-timer LABEL MSECS KIND>, stdlib/timer.go) counts
// milliseconds, where syndicate's timer.prs counts seconds as a double.
func ConfigSchemaModules() []string {
	return []string{"service", "externalServices", "internalServices", "gatekeeper.Bind", "gatekeeper.Resolve"}
}

// ValidateProtocol checks v against definition def ("module.Name") of
// ProtocolSchemas as syndicate-server reads the records it acts on: a field
// that matches only an alternative labelled `invalid` fails, and keys no
// definition mentions are ignored. The error is a *schema.ValidationError,
// in the schema's words, naming the path inside v that fails.
func ValidateProtocol(def string, v lang.Value) error {
	return ProtocolSchemas().ValidateWith(def, v, schema.Options{RejectInvalid: true})
}
