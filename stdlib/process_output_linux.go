//go:build linux

package stdlib

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"
)

// On Linux the output pipes of every process synd runs are read by one
// goroutine, an epoll loop over their non-blocking read ends: a daemon
// costs no goroutine, no stack and no buffer while it is quiet. Each read
// takes what the pipe holds into one shared buffer; complete lines are sent
// on at once, and only a line still being written (or, while the window is
// full, the bytes not yet sent) is kept, per stream, in a buffer of its own.
// A stream whose window is full is taken out of the loop until the
// scheduler has consumed some of its lines, so the pipe fills and the
// process blocks in write (backpressure).

// outputEnd is our end of an output pipe: a non-blocking descriptor the
// output loop reads.
type outputEnd int

// newOutputPipe makes an output pipe: our read end (non-blocking) and the
// child's end (blocking, as programs expect).
func newOutputPipe() (outputEnd, *os.File, error) {
	if _, err := outputLoop(); err != nil {
		return -1, nil, err
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return -1, nil, os.NewSyscallError("pipe2", err)
	}
	if err := syscall.SetNonblock(p[0], true); err != nil {
		syscall.Close(p[0])
		syscall.Close(p[1])
		return -1, nil, os.NewSyscallError("fcntl", err)
	}
	return outputEnd(p[0]), os.NewFile(uintptr(p[1]), "|1"), nil
}

// close closes an end the loop was never given.
func (e outputEnd) close() { _ = syscall.Close(int(e)) }

// readOutputs hands ends, named by streams, to the output loop, which
// sends their lines to out and calls finished (in the loop: it must not
// block) once every one has ended. The function it returns is called when
// the process has exited: the pipes are then read for as long as output
// keeps coming (quiet for less than drainQuiet), at most drainMax, and
// closed.
func readOutputs(out *processOutput, streams []string, ends []outputEnd, finished func()) (exited func()) {
	pl, _ := outputLoop() // newOutputPipe made it
	p := &outProc{out: out, open: len(ends), finished: finished}
	p.wake = func() { pl.do(p.resume) }
	for i, e := range ends {
		p.streams = append(p.streams, &outStream{pl: pl, proc: p, fd: int(e), stream: streams[i]})
	}
	pl.do(func() {
		for _, s := range p.streams {
			pl.streams[int32(s.fd)] = s
			s.arm()
		}
	})
	return func() { pl.do(p.exited) }
}

// outputPoller is the output loop. Other goroutines hand it work with do;
// everything else belongs to the loop's goroutine.
type outputPoller struct {
	epfd         int
	wakeR, wakeW int // a pipe: a byte in it says that cmds has work

	mu    sync.Mutex
	cmds  []func()
	woken bool // a byte is in the wake pipe

	streams  map[int32]*outStream // by descriptor, while it is open
	draining []*outStream         // streams of exited processes
	buf      []byte
}

// outputLoop starts the output loop on first use.
var outputLoop = sync.OnceValues(func() (*outputPoller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	var w [2]int
	if err := syscall.Pipe2(w[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return nil, os.NewSyscallError("pipe2", err)
	}
	pl := &outputPoller{epfd: epfd, wakeR: w[0], wakeW: w[1], streams: map[int32]*outStream{}, buf: make([]byte, 32<<10)}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(w[0])}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, w[0], &ev); err != nil {
		syscall.Close(epfd)
		syscall.Close(w[0])
		syscall.Close(w[1])
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	go pl.run()
	return pl, nil
})

// do runs f in the loop.
func (pl *outputPoller) do(f func()) {
	pl.mu.Lock()
	pl.cmds = append(pl.cmds, f)
	wake := !pl.woken
	pl.woken = true
	pl.mu.Unlock()
	if wake {
		for {
			if _, err := syscall.Write(pl.wakeW, []byte{1}); err != syscall.EINTR {
				break
			}
		}
	}
}

func (pl *outputPoller) run() {
	events := make([]syscall.EpollEvent, 128)
	for {
		n, err := syscall.EpollWait(pl.epfd, events, pl.timeout())
		if err != nil {
			if err != syscall.EINTR {
				time.Sleep(10 * time.Millisecond) // not expected: do not spin
			}
			n = 0
		}
		for _, ev := range events[:n] {
			if ev.Fd == int32(pl.wakeR) {
				pl.runCommands()
			} else if s := pl.streams[ev.Fd]; s != nil {
				s.readable()
			}
		}
		pl.checkDrains()
	}
}

func (pl *outputPoller) runCommands() {
	var b [64]byte
	for {
		if n, err := syscall.Read(pl.wakeR, b[:]); n <= 0 && err != syscall.EINTR {
			break
		}
	}
	pl.mu.Lock()
	cmds := pl.cmds
	pl.cmds, pl.woken = nil, false
	pl.mu.Unlock()
	for _, f := range cmds {
		f()
	}
}

// timeout is how long the loop may wait, in milliseconds (-1: for ever):
// until the first deadline of a draining stream.
func (pl *outputPoller) timeout() int {
	var first time.Time
	for _, s := range pl.draining {
		at := s.proc.hardEnd
		if s.armed && s.quiet.Before(at) {
			at = s.quiet
		}
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	if first.IsZero() {
		return -1
	}
	d := time.Until(first)
	if d <= 0 {
		return 0
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// checkDrains ends the streams of exited processes that have been quiet
// for drainQuiet, or read for drainMax.
func (pl *outputPoller) checkDrains() {
	if len(pl.draining) == 0 {
		return
	}
	now := time.Now()
	kept := pl.draining[:0]
	for _, s := range pl.draining {
		if !s.eof && s.armed && !now.Before(s.quiet) && now.Before(s.proc.hardEnd) {
			// Quiet means nothing came for drainQuiet, not that the
			// loop was too busy to look: read what waits in the pipe
			// (or its end) before calling it quiet.
			s.readable()
		}
		switch {
		case s.eof:
		case !now.Before(s.proc.hardEnd), s.armed && !now.Before(s.quiet):
			s.end()
		default:
			kept = append(kept, s)
		}
	}
	clear(pl.draining[len(kept):])
	pl.draining = kept
}

// outProc is one process's output streams.
type outProc struct {
	out      *processOutput
	streams  []*outStream
	open     int    // streams not yet done
	finished func() // called once all are done
	wake     func() // resume in the loop (the window has room again)
	hardEnd  time.Time
}

// exited starts draining: the process is gone.
func (p *outProc) exited() {
	now := time.Now()
	p.hardEnd = now.Add(drainMax)
	for _, s := range p.streams {
		if !s.eof {
			s.draining, s.quiet = true, now.Add(drainQuiet)
			s.pl.draining = append(s.pl.draining, s)
		}
	}
}

func (p *outProc) resume() {
	for _, s := range p.streams {
		s.resume()
	}
}

// outStream is one output pipe of a process.
type outStream struct {
	pl     *outputPoller
	proc   *outProc
	fd     int
	stream string
	lines  lineState

	held    string // a line the window has not taken yet
	holding bool
	rest    []byte // bytes read after it, not yet split into lines

	armed    bool // in the epoll set
	eof      bool // reading is over (end of file, an error, or the drain)
	done     bool // and every line is sent
	draining bool // the process has exited
	quiet    time.Time
}

func (s *outStream) arm() {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(s.fd)}
	if err := syscall.EpollCtl(s.pl.epfd, syscall.EPOLL_CTL_ADD, s.fd, &ev); err != nil {
		s.end()
		return
	}
	s.armed = true
}

func (s *outStream) disarm() {
	_ = syscall.EpollCtl(s.pl.epfd, syscall.EPOLL_CTL_DEL, s.fd, nil)
	s.armed = false
}

// readable reads what the pipe holds.
func (s *outStream) readable() {
	if !s.armed {
		return
	}
	n, err := syscall.Read(s.fd, s.pl.buf)
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
		return
	}
	if n <= 0 {
		s.end() // end of file, or an error
		return
	}
	if s.draining {
		s.quiet = time.Now().Add(drainQuiet)
	}
	if s.feed(s.pl.buf[:n], true) {
		s.disarm() // the window is full: read on once it has room
	}
}

// end stops reading and closes the pipe; the lines read are still sent.
func (s *outStream) end() {
	if s.eof {
		return
	}
	if s.armed {
		s.disarm()
	}
	delete(s.pl.streams, int32(s.fd))
	_ = syscall.Close(s.fd)
	s.eof = true
	s.resume()
}

// feed splits data into lines and sends them; true if the window filled
// first (what is left is kept: data may be the shared buffer).
func (s *outStream) feed(data []byte, shared bool) bool {
	for len(data) > 0 {
		line, used, ok := s.lines.next(data)
		data = data[used:]
		if ok && !s.offer(line) {
			s.held, s.holding = line, true
			if shared {
				s.rest = append([]byte(nil), data...)
			} else {
				s.rest = data
			}
			return true
		}
	}
	s.rest = nil
	return false
}

// offer sends line if the window has room for it (or drops it if nobody
// listens); false if it must wait.
func (s *outStream) offer(line string) bool {
	switch s.proc.out.win.admit(len(line), s.proc.wake) {
	case admitFull:
		return false
	case admitted:
		s.proc.out.emit(s.stream, line)
	}
	return true
}

// resume sends what was held back, then reads on, or, at the end, sends the
// last line and reports the stream done.
func (s *outStream) resume() {
	if s.done {
		return
	}
	if s.holding {
		if !s.offer(s.held) {
			return
		}
		s.held, s.holding = "", false
	}
	if len(s.rest) > 0 && s.feed(s.rest, false) {
		return
	}
	if !s.eof {
		if !s.armed {
			s.arm()
			s.quiet = time.Now().Add(drainQuiet)
		}
		return
	}
	if line, ok := s.lines.flush(); ok && !s.offer(line) {
		s.held, s.holding = line, true
		return
	}
	s.done = true
	if s.proc.open--; s.proc.open == 0 {
		s.proc.finished()
	}
}
