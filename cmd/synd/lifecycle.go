package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/synd-lang/synd/internal/host"
)

// signalStop ends a command on SIGINT or SIGTERM the way synd serve ends:
// the first signal asks for an orderly stop (every facet stops, so every
// process group the host started is terminated and waited for); a second
// one kills every such group at once and exits with the first signal's
// status.
type signalStop struct {
	h    *host.Host
	sigs chan os.Signal

	mu     sync.Mutex
	status int // 128 + the number of the first signal, or -1
}

// stopOnSignals starts catching SIGINT and SIGTERM for h; stop is called on
// the first one, from another goroutine. Call release when the command is
// done.
func stopOnSignals(h *host.Host, stop func()) *signalStop {
	s := &signalStop{h: h, sigs: make(chan os.Signal, 2), status: -1}
	signal.Notify(s.sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig, ok := <-s.sigs
		if !ok {
			return
		}
		code := 128 + int(sig.(syscall.Signal))
		s.mu.Lock()
		s.status = code
		s.mu.Unlock()
		stop()
		if _, ok := <-s.sigs; ok { // a second signal: do not wait for an orderly stop
			h.KillProcesses()
			os.Exit(code)
		}
	}()
	return s
}

// Status is 128 plus the number of the signal that stopped the command
// (130 for SIGINT, 143 for SIGTERM), or -1 if none did.
func (s *signalStop) Status() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Exit releases the signals (Release) and returns the command's exit
// status: the signal's if one stopped it, else 1 after reporting err as
// "synd NAME: err", else 0.
func (s *signalStop) Exit(stderr io.Writer, name string, err error) int {
	s.Release()
	if code := s.Status(); code >= 0 {
		return code
	}
	if err != nil {
		fmt.Fprintf(stderr, "synd %s: %v\n", name, err)
		return exitFailure
	}
	return exitOK
}

// Release stops catching signals and makes sure that no process group the
// host started outlives the command, whatever ended it.
func (s *signalStop) Release() {
	signal.Stop(s.sigs)
	close(s.sigs)
	s.h.KillProcesses()
}
