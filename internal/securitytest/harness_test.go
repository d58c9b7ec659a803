package securitytest_test

import (
	"bytes"
	"encoding/json"
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
)

// server is the whole app served by App.Serve (the real http.Server with
// its timeouts, the outbox and the session sweeper) on a loopback port.
type server struct {
	t    *testing.T
	URL  string
	Addr string
	Cfg  config.Config
	Logs *testenv.LogBuffer
}

// startServer runs latchkey start-dev on SQLite in a temporary directory,
// logging at debug into a buffer. opts change the configuration.
func startServer(t *testing.T, opts ...func(*config.Config)) *server {
	t.Helper()
	cfg := config.Default(config.Dev)
	cfg.DataDir = t.TempDir()
	cfg.BootstrapAdminUsername = adminUser
	cfg.BootstrapAdminPassword = adminPassword
	cfg.LogLevel = "debug"
	cfg.ShutdownTimeout = 2 * time.Second
	for _, o := range opts {
		o(&cfg)
	}
	sv := testenv.Serve(t, cfg, slog.LevelDebug)
	return &server{t: t, URL: sv.URL, Addr: sv.Addr, Cfg: cfg, Logs: sv.Logs}
}

// response is a read answer.
type response struct {
	Status int
	Header http.Header
	Body   string
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("status %d, body is not JSON: %v\n%.500s", r.Status, err, r.Body)
	}
}

func (r response) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

var client = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// call sends body (nil, a string sent as is, or a value sent as JSON) to
// path under the server's URL, with tok as bearer token when given.
func (s *server) call(method, path, tok string, body any) response {
	s.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return do(s.t, req)
}

// form posts form to path; user and pass, when user is not empty, go as
// HTTP Basic client authentication.
func (s *server) form(path string, form url.Values, user, pass string) response {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return do(s.t, req)
}

// token is a token endpoint answer that must be 200.
func (s *server) token(realm string, form url.Values, user, pass string) map[string]any {
	s.t.Helper()
	r := s.form("/realms/"+realm+"/protocol/openid-connect/token", form, user, pass)
	if r.Status != http.StatusOK {
		s.t.Fatalf("token %s %v: %d %s", realm, form.Get("grant_type"), r.Status, r.Body)
	}
	return r.obj(s.t)
}

// adminToken is the bootstrap admin's access token.
func (s *server) adminToken() string {
	s.t.Helper()
	m := s.token("master", url.Values{"grant_type": {"password"}, "client_id": {"admin-cli"},
		"username": {adminUser}, "password": {adminPassword}}, "", "")
	return m["access_token"].(string)
}

// want fails unless r has status code.
func want(t *testing.T, what string, r response, code int) {
	t.Helper()
	if r.Status != code {
		t.Fatalf("%s: %d, want %d: %.500s", what, r.Status, code, r.Body)
	}
}

// createdID is the last segment of a 201's Location.
func createdID(t *testing.T, what string, r response) string {
	t.Helper()
	want(t, what, r, http.StatusCreated)
	loc := r.Header.Get("Location")
	if loc == "" {
		t.Fatalf("%s: no Location", what)
	}
	return loc[strings.LastIndex(loc, "/")+1:]
}
