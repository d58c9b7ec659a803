package multiproc_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// invalidationBound is how long a change made through one process may take
// to be enforced by the others. Every cross-process check polls for the
// expected behaviour every pollEvery and fails when it has not seen it
// within the bound.
const invalidationBound = 2 * time.Second

const pollEvery = 50 * time.Millisecond

// httpc bounds every request against a hung process; it is not a timing
// assertion.
var httpc = &http.Client{Timeout: 20 * time.Second}

// reply is an HTTP answer with its body decoded when it is a JSON object.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r reply) String() string {
	s := string(r.raw)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return fmt.Sprintf("%d %s", r.status, s)
}

// str returns a string field of the JSON body, "" when absent.
func (r reply) str(field string) string {
	s, _ := r.body[field].(string)
	return s
}

func (p *proc) send(t *testing.T, method, path, bearer, contentType string, body io.Reader) reply {
	t.Helper()
	req, err := http.NewRequest(method, p.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := httpc.Do(req)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", method, path, p.name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s on %s: reading the body: %v", method, path, p.name, err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// form POSTs an urlencoded form.
func (p *proc) form(t *testing.T, path string, v url.Values) reply {
	t.Helper()
	return p.send(t, http.MethodPost, path, "", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

// call sends body (nil for none) as JSON with a bearer token.
func (p *proc) call(t *testing.T, method, path, bearer string, body any) reply {
	t.Helper()
	var rd io.Reader
	ct := ""
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd, ct = bytes.NewReader(b), "application/json"
	}
	return p.send(t, method, path, bearer, ct, rd)
}

// mustCall is call expecting status want.
func (p *proc) mustCall(t *testing.T, want int, method, path, bearer string, body any) reply {
	t.Helper()
	r := p.call(t, method, path, bearer, body)
	if r.status != want {
		t.Fatalf("%s %s on %s: %v, want %d", method, path, p.name, r, want)
	}
	return r
}

func oidcPath(realm, endpoint string) string {
	return "/realms/" + realm + "/protocol/openid-connect/" + endpoint
}

// client is a confidential client's credentials, sent in the form
// (client_secret_post).
type client struct{ id, secret string }

func (c client) form(v url.Values) url.Values {
	v.Set("client_id", c.id)
	v.Set("client_secret", c.secret)
	return v
}

// login is a password grant.
func (p *proc) login(t *testing.T, realm string, c client, username, password string) reply {
	t.Helper()
	return p.form(t, oidcPath(realm, "token"), c.form(url.Values{"grant_type": {"password"},
		"username": {username}, "password": {password}}))
}

// mustLogin is a password grant that must succeed; it returns the answer.
func (p *proc) mustLogin(t *testing.T, realm string, c client, username, password string) reply {
	t.Helper()
	r := p.login(t, realm, c, username, password)
	if r.status != http.StatusOK || r.str("access_token") == "" {
		t.Fatalf("password grant for %s on %s: %v", username, p.name, r)
	}
	return r
}

func (p *proc) refresh(t *testing.T, realm string, c client, refreshToken string) reply {
	t.Helper()
	return p.form(t, oidcPath(realm, "token"), c.form(url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {refreshToken}}))
}

func (p *proc) serviceToken(t *testing.T, realm string, c client) reply {
	t.Helper()
	return p.form(t, oidcPath(realm, "token"), c.form(url.Values{"grant_type": {"client_credentials"}}))
}

func (p *proc) introspect(t *testing.T, realm string, c client, token string) reply {
	t.Helper()
	return p.form(t, oidcPath(realm, "token/introspect"), c.form(url.Values{"token": {token}}))
}

func (p *proc) userinfo(t *testing.T, realm, token string) reply {
	t.Helper()
	return p.call(t, http.MethodGet, oidcPath(realm, "userinfo"), token, nil)
}

// register is the JSON self-registration endpoint.
func (p *proc) register(t *testing.T, realm string, body map[string]any) reply {
	t.Helper()
	return p.call(t, http.MethodPost, oidcPath(realm, "registrations"), "", body)
}

// adminToken logs the bootstrap admin in to master through p (master's
// tokens live 60 s, so each step asks for a fresh one).
func (p *proc) adminToken(t *testing.T) string {
	t.Helper()
	r := p.form(t, oidcPath("master", "token"), url.Values{"grant_type": {"password"},
		"client_id": {"admin-cli"}, "username": {"admin"}, "password": {adminPassword}})
	if r.status != http.StatusOK || r.str("access_token") == "" {
		t.Fatalf("admin login on %s: %v", p.name, r)
	}
	return r.str("access_token")
}

// claims decodes a JWT's payload without checking it (the servers check).
func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	return m
}

// kid reads a JWT's key id from its header.
func kid(t *testing.T, token string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.SplitN(token, ".", 2)[0])
	if err != nil {
		t.Fatalf("JWT header: %v", err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatalf("JWT header: %v", err)
	}
	return h.Kid
}

// realmRoles lists the realm_access.roles claim of an access token.
func realmRoles(t *testing.T, token string) []string {
	t.Helper()
	var out []string
	access, _ := claims(t, token)["realm_access"].(map[string]any)
	roles, _ := access["roles"].([]any)
	for _, r := range roles {
		s, _ := r.(string)
		out = append(out, s)
	}
	return out
}

// delay is how long one cross-process check took to see the change.
type delay struct {
	check string
	took  time.Duration
}

var (
	delaysMu sync.Mutex
	delays   []delay
)

// check is one expected behaviour: probe returns nil once it is seen.
type check struct {
	name  string
	probe func() error
}

// eventually polls the checks of one change in turn, every pollEvery,
// until each has seen its expected behaviour, and fails every check for
// which no probe started within invalidationBound of since (the moment the
// change's answer arrived) succeeded. The delay recorded for a check is
// from since to the end of its first successful probe.
func eventually(t *testing.T, since time.Time, checks ...check) {
	t.Helper()
	pending := slices.Clone(checks)
	last := make(map[string]error)
	for len(pending) > 0 {
		var next []check
		for _, c := range pending {
			if time.Since(since) > invalidationBound {
				t.Errorf("%s: not seen within %v of the change; last probe: %v", c.name, invalidationBound, last[c.name])
				record(c.name, -1)
				continue
			}
			if err := c.probe(); err != nil {
				last[c.name] = err
				next = append(next, c)
				continue
			}
			took := time.Since(since)
			t.Logf("%s: seen after %v", c.name, took.Round(time.Millisecond))
			record(c.name, took)
		}
		if pending = next; len(pending) > 0 {
			time.Sleep(pollEvery)
		}
	}
}

// onEach makes one check per process: name with %s for the process.
func onEach(procs []*proc, name string, probe func(p *proc) error) []check {
	var out []check
	for _, p := range procs {
		out = append(out, check{fmt.Sprintf(name, p.name), func() error { return probe(p) }})
	}
	return out
}

func record(check string, took time.Duration) {
	delaysMu.Lock()
	delays = append(delays, delay{check, took})
	delaysMu.Unlock()
}
