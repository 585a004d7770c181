package review

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/qreview/qreview/explain/seed"
	"github.com/qreview/qreview/internal/format"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"
)

// newProgress shows seeding live on a terminal (a bar per table with
// rows/s and ETA, from mpb, which draws several bars at once without
// garbling them) and one line per finished table anywhere else, so CI
// logs stay short.
// The returned func waits until the bars are drawn for the last time.
func newProgress(w io.Writer) (seed.Progress, func()) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b := &barProgress{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(32)), bars: map[string]*mpb.Bar{}}
		return b, b.wait
	}
	return lineProgress{w: w}, func() {}
}

type lineProgress struct{ w io.Writer }

func (lineProgress) Start(string, int64)   {}
func (lineProgress) Advance(string, int64) {}
func (l lineProgress) Done(r seed.Loaded) {
	fmt.Fprintf(l.w, "qreview: seeded %s\n", loadedLine(r))
}

func loadedLine(r seed.Loaded) string {
	rate := float64(r.Rows) / max(r.Took.Seconds(), 1e-9)
	return fmt.Sprintf("%s: %s rows in %s (%s rows/s)", r.Table, format.Count(float64(r.Rows)), r.Took.Round(time.Millisecond), format.Count(rate))
}

type barProgress struct {
	p    *mpb.Progress
	mu   sync.Mutex
	bars map[string]*mpb.Bar
}

func (b *barProgress) Start(table string, rows int64) {
	bar := b.p.AddBar(rows,
		mpb.PrependDecorators(decor.Name("qreview: seeding "+table, decor.WCSyncSpaceR), decor.CountersNoUnit("%d/%d", decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.AverageSpeed(0, "%.0f rows/s", decor.WCSyncSpace), decor.AverageETA(decor.ET_STYLE_GO, decor.WCSyncSpace)),
		mpb.BarRemoveOnComplete())
	b.mu.Lock()
	b.bars[table] = bar
	b.mu.Unlock()
}

func (b *barProgress) Advance(table string, rows int64) {
	b.mu.Lock()
	bar := b.bars[table]
	b.mu.Unlock()
	bar.EwmaIncrInt64(rows, 0)
}

// wait ends the display; bars of a cancelled load are aborted first.
func (b *barProgress) wait() {
	b.mu.Lock()
	for _, bar := range b.bars {
		bar.Abort(true)
	}
	b.mu.Unlock()
	b.p.Wait()
}

func (b *barProgress) Done(r seed.Loaded) {
	b.mu.Lock()
	bar := b.bars[r.Table]
	b.mu.Unlock()
	bar.SetTotal(-1, true)
	b.p.Write([]byte("qreview: seeded " + loadedLine(r) + "\n"))
}

// peakMemory notes qreview's own peak resident memory (Linux), which must
// stay flat however many rows are seeded. The server's memory is not in it.
func peakMemory() string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return fmt.Sprintf(" (qreview's peak memory %d MB)", kb>>10)
		}
	}
	return ""
}
