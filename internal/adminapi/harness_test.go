package adminapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// Shared by the admin API tests: tokens from the real token endpoint and
// JSON calls against a real server.

// token gets an access token with the password grant.
func token(t testing.TB, s *testenv.Server, realm, clientID, user, pass string) string {
	t.Helper()
	return tokenFor(t, s, realm, url.Values{"grant_type": {"password"}, "client_id": {clientID},
		"username": {user}, "password": {pass}})
}

// serviceToken gets a service-account token with client_credentials.
func serviceToken(t *testing.T, s *testenv.Server, realm, clientID, secret string) string {
	t.Helper()
	return tokenFor(t, s, realm, url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID},
		"client_secret": {secret}})
}

func tokenFor(t testing.TB, s *testenv.Server, realm string, form url.Values) string {
	t.Helper()
	resp, err := http.PostForm(s.URL+"/realms/"+realm+"/protocol/openid-connect/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
		t.Fatalf("token for %s in %s: %d %s", form.Get("client_id"), realm, resp.StatusCode, b)
	}
	return out.AccessToken
}

// masterToken is the bootstrap admin's token from admin-cli.
func masterToken(t *testing.T, s *testenv.Server) string {
	return token(t, s, "master", "admin-cli", testenv.AdminUser, testenv.AdminPassword)
}

// plainText is a request body sent as text/plain.
type plainText string

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
}

// call sends an admin request. body is marshalled as JSON unless it is a
// string (sent as it is).
func call(t *testing.T, s *testenv.Server, method, path, tok string, body any) response {
	t.Helper()
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case plainText:
		rd, contentType = strings.NewReader(string(b)), "text/plain; charset=utf-8"
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// expect asserts status and, when want is not "", the exact JSON body.
func expect(t *testing.T, what string, r response, status int, want string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d; body %s", what, r.status, status, r.body)
		return
	}
	if want == "" {
		return
	}
	var got, exp any
	if json.Unmarshal(r.body, &got) != nil || json.Unmarshal([]byte(want), &exp) != nil || !equalJSON(got, exp) {
		t.Errorf("%s: body %s\nwant %s", what, r.body, want)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

const (
	body401 = `{"error":"HTTP 401 Unauthorized","error_description":"For more on this error consult the server log at the debug level."}`
	body403 = `{"error":"HTTP 403 Forbidden","error_description":"For more on this error consult the server log at the debug level."}`
)
