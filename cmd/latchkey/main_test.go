package main_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the latchkey command built once for these tests, so they
// exercise the real process: flags, environment, signals, exit codes.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "latchkey-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "latchkey")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type server struct {
	cmd  *exec.Cmd
	base string
	mu   sync.Mutex
	logs strings.Builder
	done chan struct{}
}

var readyLine = regexp.MustCompile(`latchkey ready.*address=(\S+)`)

// start runs the binary with args and waits until it logs that it is ready.
func start(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	s := &server{cmd: exec.Command(binary, args...), done: make(chan struct{})}
	s.cmd.Env = append(os.Environ(), env...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.logs.WriteString(line + "\n")
			s.mu.Unlock()
			if m := readyLine.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
	}()
	t.Cleanup(func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() })
	select {
	case a := <-addr:
		s.base = "http://" + a
	case <-s.done:
		_ = s.cmd.Wait()
		t.Fatalf("server exited before ready:\n%s", s.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("server not ready after 30s:\n%s", s.log())
	}
	return s
}

func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

// stop sends SIGTERM and expects a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-s.done
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, s.log())
	}
}

func (s *server) get(t *testing.T, path string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(s.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func devArgs(dataDir string, extra ...string) []string {
	return append([]string{"start-dev", "--data-dir", dataDir, "--http-host", "127.0.0.1", "--http-port", "0"}, extra...)
}

const realmFile = `{
  "realm": "shop", "enabled": true, "registrationAllowed": true,
  "clients": [{"clientId": "shop-api", "publicClient": false, "secret": "${SHOP_SECRET}", "serviceAccountsEnabled": true}],
  "users": [{"username": "alice", "email": "alice@shop.test", "enabled": true,
             "credentials": [{"type": "password", "value": "alice-pw"}]}],
  "authenticationFlows": [{"alias": "browser"}]
}`

func TestStartDevServesPersistsAndStops(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "shop-realm.json")
	if err := os.WriteFile(file, []byte(realmFile), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"SHOP_SECRET=from-env"}

	s := start(t, env, devArgs(data, "--import-realm", file)...)
	if code, body := s.get(t, "/health/ready"); code != 200 || body["status"] != "UP" {
		t.Errorf("ready: %d %v", code, body)
	}
	code, master := s.get(t, "/realms/master")
	if code != 200 || master["realm"] != "master" || master["token-service"] != s.base+"/realms/master/protocol/openid-connect" ||
		master["account-service"] != s.base+"/realms/master/account" || master["tokens-not-before"] != 0.0 {
		t.Errorf("master: %d %v", code, master)
	}
	if pk, _ := master["public_key"].(string); !strings.HasPrefix(pk, "MIIBIjANBgkq") {
		t.Errorf("public_key %q is not a base64 RSA SubjectPublicKeyInfo", pk)
	}
	if code, _ := s.get(t, "/realms/shop"); code != 200 {
		t.Errorf("imported realm: %d", code)
	}
	if code, body := s.get(t, "/realms/nope"); code != 404 || body["error"] != "Realm not found." {
		t.Errorf("unknown realm: %d %v", code, body)
	}
	logs := s.log()
	for _, want := range []string{"admin/admin", "created master realm", "import: realm created", "authenticationFlows"} {
		if !strings.Contains(logs, want) && !strings.Contains(logs, strings.ReplaceAll(want, "admin/admin", `password is \"admin\"`)) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "alice-pw") || strings.Contains(logs, "from-env") {
		t.Error("a password or secret reached the log")
	}
	_, firstKey := s.get(t, "/realms/master")
	s.stop(t)

	// Same data directory, same import: everything is still there, the
	// realm is skipped, and the keys did not change.
	s = start(t, env, devArgs(data, "--import-realm", file)...)
	if code, _ := s.get(t, "/realms/shop"); code != 200 {
		t.Errorf("realm lost across restart: %d", code)
	}
	if _, again := s.get(t, "/realms/master"); again["public_key"] != firstKey["public_key"] {
		t.Error("master's signing key changed across restart")
	}
	if logs := s.log(); !strings.Contains(logs, "realm exists, skipped") || strings.Contains(logs, "created master realm") {
		t.Errorf("second start was not a no-op:\n%s", logs)
	}
	s.stop(t)
}

func TestImportErrorStopsStartAndWritesNothing(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "bad-realm.json")
	if err := os.WriteFile(file, []byte(`{"realm":"bad","enabled":true,"clients":[{"clientId":"a","redirectUris":"not-a-list"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, devArgs(data, "--import-realm", file)...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("start with a bad realm file succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), file) || !strings.Contains(string(out), "clients[0].redirectUris") {
		t.Errorf("error does not name the file and the JSON location:\n%s", out)
	}
	s := start(t, nil, devArgs(data)...)
	if code, _ := s.get(t, "/realms/bad"); code != 404 {
		t.Errorf("a refused import wrote its realm: %d", code)
	}
	s.stop(t)
}
