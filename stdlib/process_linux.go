//go:build linux

package stdlib

import "syscall"

// sysProcAttr puts a child in a process group of its own and has Linux kill
// it if synd dies (Pdeathsig), so that a SIGKILLed synd leaves no child.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
