package relay

import (
	"fmt"
	"net"
	"syscall"
)

// peerName names the peer of an accepted connection: for a unix socket its
// process and user (SO_PEERCRED), as syndicate-server names such
// connections <unix PID UID>; otherwise its address.
func peerName(c net.Conn) string {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return c.RemoteAddr().String()
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return "unix"
	}
	name := "unix"
	_ = raw.Control(func(fd uintptr) {
		if cred, err := syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED); err == nil {
			name = fmt.Sprintf("pid %d uid %d", cred.Pid, cred.Uid)
		}
	})
	return name
}
