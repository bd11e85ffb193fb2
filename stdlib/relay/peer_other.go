//go:build !linux

package relay

import "net"

// peerName names the peer of an accepted connection by its address.
func peerName(c net.Conn) string { return c.RemoteAddr().String() }
