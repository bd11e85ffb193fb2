package stdlib

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readAll runs readLines over text and returns the lines it emits,
// releasing each at once.
func readAll(text string) []string {
	var got []string
	readLines(strings.NewReader(text), newWindow(), func(line string, release func()) {
		got = append(got, line)
		release()
	})
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := readAll(tc.in)
			require.Equal(t, len(tc.want), len(got))
			for i := range got {
				assert.Equal(t, tc.want[i], got[i])
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
	go func() {
		readLines(pr, win, func(_ string, release func()) {
			releases = append(releases, release)
			emitted <- struct{}{}
		})
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
