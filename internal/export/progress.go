package export

import (
	"fmt"
	"io"
	"time"
)

// Progress reports users done on a terminal: count, rate and, when the
// total is known, time left. A Progress with a nil writer only counts.
// It is not safe for concurrent use.
type Progress struct {
	w     io.Writer
	now   func() time.Time
	label string
	total int
	done  int
	start time.Time
	last  time.Time
	shown bool
}

// NewProgress reports to w, which should be a terminal; nil counts only.
func NewProgress(w io.Writer) *Progress {
	return &Progress{w: w, now: time.Now}
}

// Begin starts counting the users of one realm; total <= 0 is unknown.
func (p *Progress) Begin(label string, total int) {
	if p == nil {
		return
	}
	p.label, p.total, p.done = label, total, 0
	p.start = p.now()
	p.last = time.Time{}
	p.shown = false
}

// Add counts n more users and redraws the line at most every 200 ms.
func (p *Progress) Add(n int) {
	if p == nil {
		return
	}
	p.done += n
	if p.w == nil {
		return
	}
	if t := p.now(); t.Sub(p.last) >= 200*time.Millisecond {
		p.last = t
		p.draw()
	}
}

// Done is the number of users counted since Begin.
func (p *Progress) Done() int {
	if p == nil {
		return 0
	}
	return p.done
}

// Rate is users per second since Begin.
func (p *Progress) Rate() float64 {
	if p == nil {
		return 0
	}
	el := p.now().Sub(p.start).Seconds()
	if el <= 0 {
		return 0
	}
	return float64(p.done) / el
}

// Elapsed is the time since Begin.
func (p *Progress) Elapsed() time.Duration {
	if p == nil {
		return 0
	}
	return p.now().Sub(p.start)
}

func (p *Progress) draw() {
	line := fmt.Sprintf("%s: %d users", p.label, p.done)
	if p.total > 0 {
		line = fmt.Sprintf("%s: %d/%d users (%d%%)", p.label, p.done, p.total, p.done*100/p.total)
	}
	rate := p.Rate()
	line += fmt.Sprintf(", %.0f/s", rate)
	if p.total > 0 && rate > 0 && p.done < p.total {
		left := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
		line += ", " + left.Round(time.Second).String() + " left"
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
}

// End clears the progress line so that a summary can follow.
func (p *Progress) End() {
	if p == nil || p.w == nil || !p.shown {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
	p.shown = false
}
