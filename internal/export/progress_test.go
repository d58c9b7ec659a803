package export

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// The progress line shows users done, the rate and, with a known total,
// the time left; End clears it. The clock is the test's.
func TestProgressLine(t *testing.T) {
	var out bytes.Buffer
	clock := time.Unix(1000, 0)
	p := &Progress{w: &out, now: func() time.Time { return clock }}
	p.Begin("import shop", 1000)
	clock = clock.Add(2 * time.Second)
	p.Add(200)
	if got := out.String(); !strings.Contains(got, "import shop: 200/1000 users (20%), 100/s, 8s left") {
		t.Errorf("progress line %q", got)
	}
	out.Reset()
	clock = clock.Add(50 * time.Millisecond)
	p.Add(1)
	if out.Len() != 0 {
		t.Errorf("redrawn within 200 ms: %q", out.String())
	}
	p.End()
	if out.String() != "\r\x1b[K" {
		t.Errorf("End wrote %q", out.String())
	}
	p.Begin("export shop", 0)
	clock = clock.Add(time.Second)
	p.Add(10)
	if !strings.Contains(out.String(), "export shop: 10 users, 10/s") || strings.Contains(out.String(), "left") {
		t.Errorf("unknown total: %q", out.String())
	}

	silent := NewProgress(nil)
	silent.Begin("x", 5)
	silent.Add(5)
	silent.End()
	if silent.Done() != 5 {
		t.Errorf("Done = %d", silent.Done())
	}
}
