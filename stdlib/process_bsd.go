//go:build unix && !linux

package stdlib

import "syscall"

// sysProcAttr puts a child in a process group of its own. These systems have
// no Pdeathsig: a child of a SIGKILLed synd lives on until its group is
// killed (see OSRunner.KillAll and the shutdown of serve).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
