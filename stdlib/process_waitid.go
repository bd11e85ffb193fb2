//go:build linux && (amd64 || arm64)

package stdlib

import (
	"syscall"
	"unsafe"
)

// peekExited names a child of synd that has exited, without reaping it
// (waitid with WNOWAIT), so the reaper can tell its own processes from the
// children of other code. It returns 0 when no child has exited, and false
// when it cannot tell.
func peekExited() (int, bool) {
	const (
		pAll    = 0
		wExited = 4
		wNowait = 0x1000000
	)
	// siginfo_t: si_signo, si_errno, si_code, padding, then the union whose
	// first field for SIGCHLD is si_pid, at offset 16 on 64-bit Linux.
	var info [128]byte
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pAll, 0, uintptr(unsafe.Pointer(&info[0])),
			wExited|syscall.WNOHANG|wNowait, 0, 0)
		switch e {
		case 0:
			return int(*(*int32)(unsafe.Pointer(&info[16]))), true
		case syscall.EINTR:
			continue
		case syscall.ECHILD:
			return 0, true
		}
		return 0, false
	}
}
