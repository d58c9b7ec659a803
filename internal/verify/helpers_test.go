package verify_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/internal/verify"
)

const password = "Secret-pw-1"

// env is a latchkey server with realm "demo" that verifies email and sends
// its mails to a loopback SMTP server.
type env struct {
	t    *testing.T
	s    *testenv.Server
	smtp *smtpServer
}

// realmJSON is a realm that verifies email, with registration and events
// on, rate limits off unless attrs set them, a public client "app" with
// direct grants and redirect URIs under https://app.test/, and a client
// "other" redirecting to https://other.test/cb. extra is spliced into the
// realm object.
func realmJSON(name string, smtpJSON, extra string, attrs map[string]string) string {
	a := map[string]string{"registrationRateLimitPerAddress": "0", "registrationRateLimitPerRealm": "0",
		"verifyRateLimitPerAddress": "0"}
	for k, v := range attrs {
		a[k] = v
	}
	aj, _ := json.Marshal(a)
	return fmt.Sprintf(`{
  "realm": %q, "enabled": true, "registrationAllowed": true, "verifyEmail": true,
  "eventsEnabled": true, %s
  "smtpServer": %s,
  "attributes": %s,
  "clients": [
    {"clientId": "app", "publicClient": true, "directAccessGrantsEnabled": true,
     "redirectUris": ["https://app.test/*"], "webOrigins": ["+"]},
    {"clientId": "other", "publicClient": true, "directAccessGrantsEnabled": true,
     "redirectUris": ["https://other.test/cb"]}
  ]
}`, name, extra, smtpJSON, aj)
}

// newEnv starts a server (SQLite unless opts say otherwise) with realm
// "demo" built by realmJSON.
func newEnv(t *testing.T, extra string, attrs map[string]string, opts ...func(*config.Config)) *env {
	t.Helper()
	m := startSMTP(t)
	s := testenv.NewServer(t, opts...)
	s.ImportRealm(realmJSON("demo", m.settingsJSON(), extra, attrs))
	return &env{t: t, s: s, smtp: m}
}

// response is a read answer.
type response struct {
	Status int
	Header http.Header
	Body   string
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("status %d, body is not a JSON object: %v\n%s", r.Status, err, r.Body)
	}
	return m
}

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := noRedirects.Do(req)
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

func (e *env) get(rawURL string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return do(e.t, req)
}

// postJSON posts body to path (under the server's URL); tok, if any, is a
// bearer token.
func (e *env) call(method, path, tok string, body any) response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = strings.NewReader(string(j))
	}
	req, err := http.NewRequest(method, e.s.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return do(e.t, req)
}

// register creates jdoe (or the fields given) through the registration
// endpoint of realm and expects 201.
func (e *env) register(realm string, fields map[string]any) map[string]any {
	e.t.Helper()
	m := map[string]any{"username": "jdoe", "email": "jdoe@example.com", "firstName": "John",
		"lastName": "Doe", "password": password}
	for k, v := range fields {
		m[k] = v
	}
	r := e.call(http.MethodPost, "/realms/"+realm+"/protocol/openid-connect/registrations", "", m)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("registration: %d %s", r.Status, r.Body)
	}
	return r.json(e.t)
}

// login is the password grant of client "app".
func (e *env) login(realm, username, pw string) response {
	e.t.Helper()
	form := url.Values{"grant_type": {"password"}, "client_id": {"app"}, "username": {username}, "password": {pw}}
	req, err := http.NewRequest(http.MethodPost, e.s.URL+"/realms/"+realm+"/protocol/openid-connect/token",
		strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(e.t, req)
}

// wantNotSetUp expects the password grant's refusal of a user with a
// pending required action, in Keycloak's words.
func (e *env) wantNotSetUp(realm, username string) {
	e.t.Helper()
	r := e.login(realm, username, password)
	m := r.json(e.t)
	if r.Status != http.StatusBadRequest || m["error"] != "invalid_grant" ||
		m["error_description"] != "Account is not fully set up" || len(m) != 2 {
		e.t.Fatalf("login before verification: %d %s", r.Status, r.Body)
	}
}

func (e *env) wantLogin(realm, username string) {
	e.t.Helper()
	r := e.login(realm, username, password)
	if r.Status != http.StatusOK || r.json(e.t)["access_token"] == nil {
		e.t.Fatalf("login after verification: %d %s", r.Status, r.Body)
	}
}

// verifyCode posts to the code endpoint.
func (e *env) verifyCode(realm string, body map[string]any) response {
	e.t.Helper()
	return e.call(http.MethodPost, "/realms/"+realm+"/protocol/openid-connect/registrations/verify", "", body)
}

func (e *env) resend(realm string, body map[string]any) response {
	e.t.Helper()
	return e.call(http.MethodPost, "/realms/"+realm+"/protocol/openid-connect/registrations/verify/resend", "", body)
}

// wantBadCode expects the code endpoint's one answer to every failure.
func wantBadCode(t *testing.T, r response) {
	t.Helper()
	if r.Status != http.StatusBadRequest ||
		strings.TrimSpace(r.Body) != `{"error":"invalid_code","error_description":"Invalid or expired code"}` {
		t.Fatalf("code: %d %s, want 400 invalid_code", r.Status, r.Body)
	}
}

// user loads a user of realm by username.
func (e *env) user(realm, username string) *model.User {
	e.t.Helper()
	u, err := e.s.Store.GetUserByUsername(context.Background(), e.s.Realm(realm).ID, username)
	if err != nil {
		e.t.Fatalf("user %s: %v", username, err)
	}
	return u
}

func hasAction(u *model.User, a string) bool {
	for _, x := range u.RequiredActions {
		if x == a {
			return true
		}
	}
	return false
}

// wantVerified checks the user's record after a verification.
func (e *env) wantVerified(realm, username string, want bool) {
	e.t.Helper()
	u := e.user(realm, username)
	if u.EmailVerified != want || hasAction(u, "VERIFY_EMAIL") == want {
		e.t.Fatalf("%s: emailVerified %v, required actions %v; want verified %v", username, u.EmailVerified,
			u.RequiredActions, want)
	}
}

// events lists the realm's stored events of one type, newest first.
func (e *env) events(realm, typ string) []model.Event {
	e.t.Helper()
	evs, err := e.s.Store.ListEvents(context.Background(), e.s.Realm(realm).ID, store.EventQuery{Types: []string{typ}})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// page expects the HTML result page with status and message.
func wantPage(t *testing.T, r response, status int, msg string) {
	t.Helper()
	if r.Status != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(r.Body, "<p>"+msg+"</p>") {
		t.Fatalf("page: %d %s\n%s\nwant %d with %q", r.Status, r.Header.Get("Content-Type"), r.Body, status, msg)
	}
}

// Keycloak's messages on the result page.
const (
	msgVerified        = "Your email address has been verified."
	msgAlreadyVerified = "Your email address has been verified already."
	msgExpired         = "Action expired. Please continue with login now."
	msgStale           = "The link you clicked is an old stale link or is no longer valid. Maybe you have already verified your email."
)

// claimsOf decodes the payload of the link's action token.
func claimsOf(t *testing.T, link string) verify.ActionClaims {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(u.Query().Get("key"), ".")
	if len(parts) != 3 {
		t.Fatalf("the link's key is not a JWS: %s", link)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c verify.ActionClaims
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// sign makes an action token with the realm's own HS512 key, as the
// server would, so that tests can build the tokens it would not issue.
func (e *env) sign(realm string, c verify.ActionClaims) string {
	e.t.Helper()
	r := e.s.Realm(realm)
	keys, err := e.s.Store.ListKeys(context.Background(), r.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	ks, err := signing.NewKeySet(r.ID, keys)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	tok, err := ks.Sign(signing.HS512, b)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *env) linkFor(realm, token string) string {
	return e.s.URL + "/realms/" + realm + "/login-actions/action-token?key=" + token
}

// adminToken is the bootstrap admin's token from admin-cli.
func (e *env) adminToken() string {
	e.t.Helper()
	form := url.Values{"grant_type": {"password"}, "client_id": {"admin-cli"},
		"username": {testenv.AdminUser}, "password": {testenv.AdminPassword}}
	req, _ := http.NewRequest(http.MethodPost, e.s.URL+"/realms/master/protocol/openid-connect/token",
		strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := do(e.t, req)
	tok, _ := r.json(e.t)["access_token"].(string)
	if r.Status != http.StatusOK || tok == "" {
		e.t.Fatalf("admin token: %d %s", r.Status, r.Body)
	}
	return tok
}
