package multiproc_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store/dbtest"
)

// binary is the latchkey command, built once by TestMain when PostgreSQL
// is configured (without it every test skips, so nothing is built).
var binary string

func TestMain(m *testing.M) {
	if os.Getenv(dbtest.PostgresEnv) == "" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "latchkey-multiproc")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "latchkey")
	out, err := exec.Command("go", "build", "-o", binary, "github.com/latchkey/latchkey/cmd/latchkey").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/latchkey: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// hostname is every process's --hostname: one public URL, as behind a load
// balancer, so a token issued by one process names the issuer the others
// expect.
const hostname = "https://id.multiproc.test"

// adminPassword is the bootstrap admin's password (a test value).
const adminPassword = "multiproc-admin-pw"

// proc is one running latchkey process.
type proc struct {
	name string
	base string // http://127.0.0.1:port
	cmd  *exec.Cmd
	done chan struct{}

	mu   sync.Mutex
	logs strings.Builder
}

var readyLine = regexp.MustCompile(`latchkey ready.*address=(\S+)`)

// serverFaults finds what no check here may cause: an error logged, or an
// answer with a 5xx status.
var serverFaults = regexp.MustCompile(`(?m)^.*(level=ERROR|status=5\d\d ).*$`)

// withoutRequests drops the access log's lines at INFO.
func withoutRequests(logs string) string {
	var b strings.Builder
	for line := range strings.Lines(logs) {
		if !strings.Contains(line, "level=INFO msg=request ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// startProc runs `latchkey start` on PostgreSQL and waits until it logs
// that it is ready. It does not call t.Fatal, so several can start at once.
func startProc(name, dbURL, importDir string) (*proc, error) {
	args := []string{"start", "--db", "postgres", "--hostname", hostname,
		"--http-host", "127.0.0.1", "--http-port", "0", "--import-realm", importDir}
	p := &proc{name: name, cmd: exec.Command(binary, args...), done: make(chan struct{})}
	dataDir, err := os.MkdirTemp("", "latchkey-multiproc-data")
	if err != nil {
		return nil, err
	}
	// The database URL and the password go through the environment, as a
	// deployment would pass them, not on the command line.
	p.cmd.Env = append(os.Environ(), "LATCHKEY_DB_URL="+dbURL,
		"LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD="+adminPassword, "LATCHKEY_DATA_DIR="+dataDir)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	addr := make(chan string, 1)
	go func() {
		defer close(p.done)
		defer os.RemoveAll(dataDir)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			if m := readyLine.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case a := <-addr:
		p.base = "http://" + a
		return p, nil
	case <-p.done:
		err := p.cmd.Wait()
		return nil, fmt.Errorf("%s exited before ready (%v):\n%s", name, err, p.log())
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		_ = p.cmd.Wait()
		return nil, fmt.Errorf("%s not ready after 30s:\n%s", name, p.log())
	}
}

// stop sends SIGTERM and reports an unclean exit.
func (p *proc) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		_ = p.cmd.Wait()
		return fmt.Errorf("%s did not stop within 20s of SIGTERM", p.name)
	}
	if err := p.cmd.Wait(); err != nil {
		return fmt.Errorf("%s: exit after SIGTERM: %v", p.name, err)
	}
	return nil
}

// cluster is three processes on one database.
type cluster struct {
	a, b, c *proc
}

func (c *cluster) all() []*proc { return []*proc{c.a, c.b, c.c} }

// startCluster writes the realm files and starts three processes at once
// on an empty schema, with the same configuration (as replicas of one
// deployment are): they race to migrate, to bootstrap master and to import
// the realms, and exactly one of them must do each.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	dbURL := dbtest.PostgresURL(t)
	importDir := t.TempDir()
	for name, body := range realmFiles {
		if err := os.WriteFile(filepath.Join(importDir, name+".json"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	names := []string{"A", "B", "C"}
	procs := make([]*proc, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() { procs[i], errs[i] = startProc(name, dbURL, importDir) })
	}
	wg.Wait()
	for i, p := range procs {
		if p == nil {
			continue
		}
		// Registered after the schema's cleanup, so the processes stop
		// before their schema is dropped.
		t.Cleanup(func() {
			if err := p.stop(); err != nil {
				t.Errorf("%v\n%s", err, p.log())
			}
			logs := p.log()
			if bad := serverFaults.FindAllString(logs, 5); len(bad) > 0 {
				t.Errorf("%s logged errors or answered 5xx: %q", names[i], bad)
			}
			if t.Failed() {
				t.Logf("log of %s, without its request lines:\n%s", names[i], withoutRequests(logs))
			}
		})
	}
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c := &cluster{a: procs[0], b: procs[1], c: procs[2]}
	created, imported := 0, 0
	for _, p := range c.all() {
		logs := p.log()
		created += strings.Count(logs, "created master realm")
		imported += strings.Count(logs, "import: realm created")
	}
	if created != 1 {
		t.Errorf("master was created %d times by three processes starting together, want once", created)
	}
	if imported != len(realmFiles) {
		t.Errorf("%d realm imports logged by three processes starting together, want %d (one per realm)", imported, len(realmFiles))
	}
	return c
}
