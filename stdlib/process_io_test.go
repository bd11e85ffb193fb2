package stdlib

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// collector is a processOutput that keeps the lines it is sent, releasing
// each at once.
func collector(got *[]string) *processOutput {
	o := &processOutput{win: newWindow()}
	o.emit = func(_, line string) {
		*got = append(*got, line)
		o.win.release(len(line))
	}
	return o
}

// readAll runs readLines over text and returns the lines it emits.
func readAll(text string) []string {
	var got []string
	readLines(strings.NewReader(text), collector(&got), "stdout")
	return got
}

// splitAll runs a lineState over text given in chunks of n bytes, as reads
// of a pipe would, and returns the lines.
func splitAll(text string, n int) []string {
	var got []string
	var ls lineState
	for b := []byte(text); len(b) > 0; {
		chunk := b[:min(n, len(b))]
		b = b[len(chunk):]
		for len(chunk) > 0 {
			line, used, ok := ls.next(chunk)
			chunk = chunk[used:]
			if ok {
				got = append(got, line)
			}
		}
	}
	if line, ok := ls.flush(); ok {
		got = append(got, line)
	}
	return got
}

func TestReadLines(t *testing.T) {
	long := strings.Repeat("x", MaxLine+10)
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"lines keep their newline", "a\nbb\n", []string{"a\n", "bb\n"}},
		{"the last line may lack one", "a\nno newline", []string{"a\n", "no newline"}},
		{"empty lines count", "\n\n", []string{"\n", "\n"}},
		{"a line longer than the buffer", strings.Repeat("y", 5000) + "\nz\n", []string{strings.Repeat("y", 5000) + "\n", "z\n"}},
		{"an over-long line is cut and marked", long + "\ndone\n",
			[]string{strings.Repeat("x", MaxLine) + "… [line cut at 1048576 bytes: 11 more left out]\n", "done\n"}},
		{"a line of exactly MaxLine bytes is whole", strings.Repeat("w", MaxLine-1) + "\n", []string{strings.Repeat("w", MaxLine-1) + "\n"}},
		{"an over-long last line without a newline is cut", "a\n" + strings.Repeat("v", MaxLine+3), []string{"a\n", strings.Repeat("v", MaxLine) + "… [line cut at 1048576 bytes: 3 more left out]\n"}},
		{"lines after a cut one are whole", long + "\n" + long + "\nend\n", []string{
			strings.Repeat("x", MaxLine) + "… [line cut at 1048576 bytes: 11 more left out]\n",
			strings.Repeat("x", MaxLine) + "… [line cut at 1048576 bytes: 11 more left out]\n", "end\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(how string, got []string) {
				require.Equal(t, len(tc.want), len(got), how)
				for i := range got {
					assert.Equal(t, tc.want[i], got[i], how)
				}
			}
			check("readLines", readAll(tc.in))
			// However the reads cut the bytes, the lines are the same.
			for _, n := range []int{1, 3, 512, 32 << 10, len(tc.in)} {
				check(fmt.Sprintf("chunks of %d", n), splitAll(tc.in, n))
			}
		})
	}
}

// Reading pauses while the window is full and goes on once lines are
// consumed; a closed window drops lines and keeps draining the pipe.
func TestReadLinesBackpressure(t *testing.T) {
	pr, pw := io.Pipe()
	win := newWindow()
	var releases []func()
	emitted := make(chan struct{}, 2*maxUnconsumedLines)
	done := make(chan struct{})
	out := &processOutput{win: win, emit: func(_, line string) {
		releases = append(releases, func() { win.release(len(line)) })
		emitted <- struct{}{}
	}}
	go func() {
		readLines(pr, out, "stdout")
		close(done)
	}()
	go func() {
		for range 2 * maxUnconsumedLines {
			_, _ = pw.Write([]byte("y\n"))
		}
		pw.Close()
	}()
	for range maxUnconsumedLines {
		<-emitted
	}
	select {
	case <-emitted:
		t.Fatal("read past the window while nothing was consumed")
	case <-time.After(50 * time.Millisecond):
	}
	// The reader is blocked: the channel receives above order its appends
	// before this read.
	for _, r := range releases[:10] {
		r()
	}
	for range 10 {
		<-emitted
	}
	win.close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a closed window should drain the pipe to its end")
	}
}
