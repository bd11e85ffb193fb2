//go:build unix

package relay

import "syscall"

// withUmask runs fn with the process's file mode creation mask set to mask.
func withUmask(mask int, fn func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	fn()
}
