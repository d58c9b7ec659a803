package crashtest_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	adminUser     = "admin"
	adminPassword = "Crash-admin-pw-4R"
	realmName     = "shop"
)

// process runs the latchkey binary with `start`, one run after another on
// the same database and port. Only the test's goroutine starts and stops
// it; the workers read up and base.
type process struct {
	t    *testing.T
	args []string
	dir  string // logs, one file per run
	base string // http://127.0.0.1:port

	runs    int
	started time.Time // when the current run was launched
	cmd     *exec.Cmd
	done    chan struct{} // closed when the current run has exited
	log     string        // the current run's log file

	// epoch counts runs; up is the epoch the workers may send to, 0 while
	// the server is down or not ready.
	up atomic.Int64
}

// newProcess prepares `latchkey start` on db ("sqlite" or "postgres") and
// dbURL, importing realmFile, on a loopback port chosen now and kept for
// every run.
func newProcess(t *testing.T, db, dbURL, realmFile string) *process {
	t.Helper()
	port := freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	dir := t.TempDir()
	p := &process{t: t, dir: dir, base: base, args: []string{"start",
		"--http-host", "127.0.0.1",
		"--http-port", strconv.Itoa(port),
		"--hostname", base,
		"--db", db,
		"--db-url", dbURL,
		"--data-dir", filepath.Join(dir, "data"),
		"--import-realm", realmFile,
		"--bootstrap-admin-username", adminUser,
		"--bootstrap-admin-password", adminPassword,
		"--log-level", "info",
		"--shutdown-timeout", "5s",
	}}
	t.Cleanup(func() {
		if p.cmd != nil {
			p.kill()
		}
	})
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start launches a run; it does not wait for it to be ready.
func (p *process) start() {
	p.t.Helper()
	if p.cmd != nil {
		p.t.Fatal("crashtest: start while a run is alive")
	}
	p.runs++
	p.log = filepath.Join(p.dir, fmt.Sprintf("run-%03d.log", p.runs))
	f, err := os.Create(p.log)
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(binary, p.args...)
	cmd.Env = cleanEnv()
	p.started = time.Now()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		p.t.Fatalf("starting latchkey: %v", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(done)
	}()
	p.cmd, p.done = cmd, done
}

// cleanEnv is the test's environment without LATCHKEY_ variables, which
// would set the server's options behind the test's back.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LATCHKEY_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady waits until the run answers /health/ready, then lets the
// workers in. It fails the test when the run exits or takes over a
// generous bound.
func (p *process) waitReady() {
	p.t.Helper()
	if !p.poll(60 * time.Second) {
		p.t.Fatalf("latchkey run %d did not become ready\n%s", p.runs, p.tail())
	}
	p.up.Store(int64(p.runs))
}

// poll reports whether the run answered /health/ready within d; false as
// soon as it has exited.
func (p *process) poll(d time.Duration) bool {
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return false
		default:
		}
		resp, err := c.Get(p.base + "/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// exited reports whether the current run has ended on its own.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL to the run and waits for it to be gone.
func (p *process) kill() {
	p.up.Store(0)
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	p.cmd = nil
}

// stop ends the run with SIGTERM (a graceful shutdown) and fails the test
// when it does not exit cleanly within a generous bound.
func (p *process) stop() {
	p.t.Helper()
	p.up.Store(0)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	select {
	case <-p.done:
	case <-ctx.Done():
		p.kill()
		p.t.Fatalf("latchkey run %d did not stop on SIGTERM\n%s", p.runs, p.tail())
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		p.t.Errorf("latchkey run %d exited with %d on SIGTERM\n%s", p.runs, code, p.tail())
	}
	p.cmd = nil
}

// tail is the end of the current run's log.
func (p *process) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// logged reports whether the current run's log holds s.
func (p *process) logged(s string) bool {
	b, _ := os.ReadFile(p.log)
	return strings.Contains(string(b), s)
}

// logs is every run's log, for the checks that look for errors in them.
func (p *process) logs() string {
	var sb strings.Builder
	for i := 1; i <= p.runs; i++ {
		b, _ := os.ReadFile(filepath.Join(p.dir, fmt.Sprintf("run-%03d.log", i)))
		fmt.Fprintf(&sb, "--- run %d\n%s", i, b)
	}
	return sb.String()
}
