// Package relay speaks the Syndicate network protocol (syndicate's
// protocol.prs) with a peer over a byte stream: a Session per connection,
// carrying Turn, Error, Extension and Nop packets in binary or text
// Preserves, with the membranes that turn references into wire references
// (#:[0 OID] for the sender's objects, #:[1 OID CAVEAT ...] for the
// receiver's, attenuated) and back. The same sessions serve daemons speaking
// the protocol on their standard streams, connections accepted by listeners
// (TCP, unix sockets, WebSocket) and connections made to other nodes.
//
// The package is the runtime's only door to the network: eval knows nothing
// of sockets; it sees entities and refs.
package relay
