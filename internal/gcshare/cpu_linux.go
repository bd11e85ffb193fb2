package gcshare

import (
	"syscall"
	"time"
)

const rusageThread = 1 // RUSAGE_THREAD

// cpuTime is the CPU time (user and system) of the calling thread and of
// the process.
func cpuTime() (thread, process time.Duration) {
	var t, p syscall.Rusage
	if syscall.Getrusage(rusageThread, &t) != nil || syscall.Getrusage(syscall.RUSAGE_SELF, &p) != nil {
		return 0, 0
	}
	return time.Duration(t.Utime.Nano() + t.Stime.Nano()), time.Duration(p.Utime.Nano() + p.Stime.Nano())
}
