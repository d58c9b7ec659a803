package securitytest_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
)

// The profiler is off by default and never on the public port; with
// --debug-pprof-addr it answers on its own loopback listener only.
func TestPprofOnlyBehindItsOption(t *testing.T) {
	off := startServer(t)
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline"} {
		if r := off.call(http.MethodGet, p, "", nil); r.Status != http.StatusNotFound {
			t.Errorf("default server GET %s: %d, want 404", p, r.Status)
		}
	}
	if regexp.MustCompile(`profiler`).MatchString(off.Logs.String()) {
		t.Errorf("profiler started without its option:\n%s", off.Logs.String())
	}

	on := startServer(t, func(c *config.Config) { c.PprofAddr = "127.0.0.1:0" })
	// Serve starts the profiler as it starts serving: wait for its line.
	var m []string
	for deadline := time.Now().Add(10 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		m = regexp.MustCompile(`profiler listening.*address=(127\.0\.0\.1:\d+)`).FindStringSubmatch(on.Logs.String())
	}
	if m == nil {
		t.Fatalf("no profiler address logged:\n%s", on.Logs.String())
	}
	if r := on.call(http.MethodGet, "/debug/pprof/", "", nil); r.Status != http.StatusNotFound {
		t.Errorf("public port GET /debug/pprof/ with the option: %d, want 404", r.Status)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+m[1]+"/debug/pprof/goroutine?debug=1", nil)
	if r := do(t, req); r.Status != http.StatusOK || !regexp.MustCompile(`goroutine profile: total \d+`).MatchString(r.Body) {
		t.Errorf("profiler listener: %d %.200s", r.Status, r.Body)
	}
}
