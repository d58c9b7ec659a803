package faulttest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/testenv"
)

const (
	adminUser     = "admin"
	adminPassword = "Bootstrap-admin-pw-7Q"
	userPassword  = "Fault-user-pw-31x"
	realmName     = "faults"
)

// server is the whole app served by App.Serve on a loopback port.
type server struct {
	t    *testing.T
	URL  string
	Logs *testenv.LogBuffer
}

// startServer runs start-dev with cfg changed by opts (the database).
func startServer(t *testing.T, opts ...func(*config.Config)) *server {
	t.Helper()
	cfg := config.Default(config.Dev)
	cfg.DataDir = t.TempDir()
	cfg.BootstrapAdminUsername = adminUser
	cfg.BootstrapAdminPassword = adminPassword
	cfg.ShutdownTimeout = 2 * time.Second
	for _, o := range opts {
		o(&cfg)
	}
	sv := testenv.Serve(t, cfg, slog.LevelInfo)
	return &server{t: t, URL: sv.URL, Logs: sv.Logs}
}

// response is a read answer and how long it took.
type response struct {
	Status int
	Header http.Header
	Body   string
	Sent   time.Time // when the request was sent
	Took   time.Duration
}

// client's timeout only guards against a hang; the bounds the tests
// promise are checked on response.Took.
var client = &http.Client{Timeout: 60 * time.Second}

// send does req; it reports a transport error instead of failing, so that
// load goroutines can use it.
func send(req *http.Request) (response, error) {
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: string(b), Sent: start, Took: time.Since(start)}, nil
}

func (s *server) request(method, path, tok string, body any) *http.Request {
	var r io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		panic(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return req
}

// call is request and send, failing the test on a transport error (test
// goroutine only).
func (s *server) call(method, path, tok string, body any) response {
	s.t.Helper()
	r, err := send(s.request(method, path, tok, body))
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// passwordGrant asks the token endpoint of realm for a token of user
// through admin-cli.
func (s *server) passwordGrant(realm, user, pass string) (response, error) {
	form := url.Values{"grant_type": {"password"}, "client_id": {"admin-cli"}, "username": {user}, "password": {pass}}
	req, err := http.NewRequest(http.MethodPost, s.URL+"/realms/"+realm+"/protocol/openid-connect/token",
		strings.NewReader(form.Encode()))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(req)
}

// adminToken is the bootstrap admin's access token.
func (s *server) adminToken() string {
	s.t.Helper()
	r, err := s.passwordGrant("master", adminUser, adminPassword)
	if err != nil || r.Status != http.StatusOK {
		s.t.Fatalf("admin token: %v %d %s", err, r.Status, r.Body)
	}
	var m struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil || m.AccessToken == "" {
		s.t.Fatalf("admin token: %v %s", err, r.Body)
	}
	return m.AccessToken
}

// createUser asks the admin API to create username with a password.
func (s *server) createUser(tok, username string) (response, error) {
	return send(s.request(http.MethodPost, "/admin/realms/"+realmName+"/users", tok, map[string]any{
		"username": username, "enabled": true,
		"credentials": []map[string]any{{"type": "password", "value": userPassword, "temporary": false}},
	}))
}

// setup creates the realm the tests write users into.
func (s *server) setup(tok string) {
	s.t.Helper()
	r := s.call(http.MethodPost, "/admin/realms", tok, map[string]any{"realm": realmName, "enabled": true})
	if r.Status != http.StatusCreated {
		s.t.Fatalf("create realm: %d %s", r.Status, r.Body)
	}
}

// leaks are fragments a 503 body must never hold: driver and network
// text, the store's error prefix, addresses.
var leaks = []string{"database is locked", "SQLITE", "sqlite", "pgx", "postgres", "dial", "127.0.0.1", "store:",
	"connection", "timeout", "i/o", "EOF", "giving up"}

// checkUnavailable fails unless r is the 503 the promise describes, in the
// OAuth error shape every endpoint uses for it, within bound.
func checkUnavailable(t *testing.T, what string, r response, bound time.Duration) {
	t.Helper()
	if r.Status != http.StatusServiceUnavailable {
		t.Errorf("%s: %d, want 503: %.300s", what, r.Status, r.Body)
		return
	}
	var b map[string]string
	if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
		t.Errorf("%s: 503 body is not an error object: %v %.300s", what, err, r.Body)
		return
	}
	if b["error"] != "temporarily_unavailable" || b["error_description"] == "" || len(b) != 2 {
		t.Errorf("%s: 503 body %s, want {error: temporarily_unavailable, error_description}", what, r.Body)
	}
	for _, l := range leaks {
		if strings.Contains(r.Body, l) {
			t.Errorf("%s: 503 body leaks %q: %s", what, l, r.Body)
		}
	}
	if r.Took > bound {
		t.Errorf("%s: answered after %s, promised within %s", what, r.Took.Round(time.Millisecond), bound)
	}
}

// ready reports /health/ready's status and its "status" field.
func (s *server) ready() (int, string) {
	r, err := send(s.request(http.MethodGet, "/health/ready", "", nil))
	if err != nil {
		return 0, err.Error()
	}
	var b struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal([]byte(r.Body), &b)
	return r.Status, b.Status
}

// waitReady polls /health/ready until it says UP; it fails after limit.
func (s *server) waitReady(limit time.Duration) time.Duration {
	s.t.Helper()
	start := time.Now()
	for {
		code, status := s.ready()
		if code == http.StatusOK && status == "UP" {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			s.t.Fatalf("not ready %s after the database came back: %d %s", limit, code, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// metric returns the sum of the samples of the metric named name whose
// labels contain every one of labels (`kind="unavailable"`).
func (s *server) metric(name string, labels ...string) float64 {
	s.t.Helper()
	r := s.call(http.MethodGet, "/metrics", "", nil)
	var sum float64
	for _, line := range strings.Split(r.Body, "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(line, l)
		}
		if !ok {
			continue
		}
		var v float64
		if _, err := fmt.Sscanf(line[strings.LastIndexByte(line, ' ')+1:], "%g", &v); err == nil {
			sum += v
		}
	}
	return sum
}
