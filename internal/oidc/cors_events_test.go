package oidc_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestCORS: the token endpoint echoes an Origin of the client's resolved
// webOrigins ("+" = its redirect URIs' origins) and nothing else; the
// token carries them as allowed-origins; preflights are answered.
func TestCORS(t *testing.T) {
	s := newRealm(t, "", "")
	tokenURL := oidcURL(s, "demo", "token")
	good := form("grant_type", "password", "client_id", "app", "username", "alice", "password", alicePW)
	wrongPW := form("grant_type", "password", "client_id", "app", "username", "alice", "password", "nope")
	for _, tc := range []struct {
		name, origin string
		form         url.Values
		status       int
		echoed       bool
	}{
		{"allowed origin", "https://app.test", good, 200, true},
		{"other origin", "https://evil.test", good, 200, false},
		{"allowed origin, failed login", "https://app.test", wrongPW, 401, true},
		{"other origin, failed login", "https://evil.test", wrongPW, 401, false},
		// Before the client is known every origin may read the error.
		{"other origin, no grant_type", "https://evil.test", form("client_id", "app"), 400, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := postForm(t, tokenURL, tc.form, "Origin", tc.origin)
			if r.Status != tc.status {
				t.Fatalf("status %d %s", r.Status, r.Raw)
			}
			got := r.Header.Get("Access-Control-Allow-Origin")
			if tc.echoed && (got != tc.origin || r.Header.Get("Access-Control-Allow-Credentials") != "true") {
				t.Errorf("Access-Control-Allow-Origin %q, want %q with credentials", got, tc.origin)
			}
			if !tc.echoed && (got != "" || r.Header.Get("Access-Control-Allow-Credentials") != "") {
				t.Errorf("CORS headers for %s: %v", tc.origin, r.Header)
			}
			if tc.status == 200 {
				c := testenv.Claims(t, r.str("access_token"))
				if o, _ := c["allowed-origins"].([]any); !slices.Equal(o, []any{"https://app.test"}) {
					t.Errorf("allowed-origins %v", c["allowed-origins"])
				}
			}
		})
	}

	// userinfo follows the token's client.
	at := login(t, s, "demo", "client_id", "app", "username", "alice", "password", alicePW).str("access_token")
	for origin, want := range map[string]string{"https://app.test": "https://app.test", "https://evil.test": ""} {
		req, _ := http.NewRequest(http.MethodGet, oidcURL(s, "demo", "userinfo"), nil)
		req.Header.Set("Authorization", "Bearer "+at)
		req.Header.Set("Origin", origin)
		if r := do(t, req); r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != want {
			t.Errorf("userinfo from %s: %d, Access-Control-Allow-Origin %q", origin, r.Status, r.Header.Get("Access-Control-Allow-Origin"))
		}
	}

	// Revocation and logout answer the client's origins too, on success.
	for _, ep := range []string{"revoke", "logout"} {
		rt := login(t, s, "demo", "client_id", "app", "username", "alice", "password", alicePW).str("refresh_token")
		f := form("client_id", "app", "token", rt)
		if ep == "logout" {
			f = form("client_id", "app", "refresh_token", rt)
		}
		r := postForm(t, oidcURL(s, "demo", ep), f, "Origin", "https://app.test")
		if r.Status >= 300 || r.Header.Get("Access-Control-Allow-Origin") != "https://app.test" {
			t.Errorf("%s from https://app.test: %d, Access-Control-Allow-Origin %q", ep, r.Status, r.Header.Get("Access-Control-Allow-Origin"))
		}
	}

	// Preflights: the origin is not checked; methods are the endpoint's.
	for ep, methods := range map[string]string{"token": "POST, OPTIONS", "userinfo": "GET, POST, OPTIONS",
		"revoke": "POST, OPTIONS", "logout": "POST, OPTIONS", "certs": "GET, OPTIONS"} {
		req, _ := http.NewRequest(http.MethodOptions, oidcURL(s, "demo", ep), nil)
		req.Header.Set("Origin", "https://app.test")
		req.Header.Set("Access-Control-Request-Method", "POST")
		r := do(t, req)
		h := r.Header
		if r.Status != 200 || h.Get("Access-Control-Allow-Origin") != "https://app.test" ||
			h.Get("Access-Control-Allow-Methods") != methods || h.Get("Access-Control-Max-Age") != "3600" ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Content-Type") ||
			strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") == (ep == "certs") {
			t.Errorf("preflight of %s: %d %v", ep, r.Status, h)
		}
	}

	// Public documents: any origin.
	for _, u := range []string{s.URL + "/realms/demo/.well-known/openid-configuration", oidcURL(s, "demo", "certs")} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Origin", "https://evil.test")
		if r := do(t, req); r.Header.Get("Access-Control-Allow-Origin") != "https://evil.test" {
			t.Errorf("%s: Access-Control-Allow-Origin %q", u, r.Header.Get("Access-Control-Allow-Origin"))
		}
	}
}

// TestEvents: with eventsEnabled the token service stores Keycloak's user
// events, and /metrics counts them.
func TestEvents(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(realmJSON("demo", "", `"eventsEnabled": true,`))
		realm := s.Realm("demo")
		pw := func(user, password string) response {
			return postForm(t, oidcURL(s, "demo", "token"), form("grant_type", "password", "client_id", "confidential",
				"client_secret", appSecret, "username", user, "password", password))
		}
		ok := pw("alice", alicePW)
		pw("alice", "wrong")
		pw("nobody", "x")
		pw("bob", "bob-pw-1")
		postForm(t, oidcURL(s, "demo", "token"), form("grant_type", "client_credentials", "client_id", "svc", "client_secret", svcSecret))
		rt := refresh(t, s, "demo", ok.str("refresh_token"), "confidential", appSecret).str("refresh_token")
		if lo := postForm(t, oidcURL(s, "demo", "logout"), form("client_id", "confidential", "client_secret", appSecret,
			"refresh_token", rt)); lo.Status != http.StatusNoContent {
			t.Fatalf("logout %d %s", lo.Status, lo.Raw)
		}

		events, err := s.Store.ListEvents(ctx(), realm.ID, store.EventQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			got = append(got, e.Type+"/"+e.Error)
		}
		slices.Reverse(got) // newest first
		want := []string{"LOGIN/", "LOGIN_ERROR/invalid_user_credentials", "LOGIN_ERROR/user_not_found",
			"LOGIN_ERROR/user_disabled", "CLIENT_LOGIN/", "REFRESH_TOKEN/", "LOGOUT/"}
		if !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		alice, err := s.Store.GetUserByUsername(ctx(), realm.ID, "alice")
		if err != nil {
			t.Fatal(err)
		}
		byType := map[string]model.Event{}
		for _, e := range events {
			byType[e.Type] = e
		}
		for _, typ := range []string{"LOGIN", "REFRESH_TOKEN", "LOGOUT"} {
			e := byType[typ]
			if e.UserID != alice.ID || e.SessionID != ok.str("session_state") || e.ClientID != "confidential" || e.IPAddress != "127.0.0.1" {
				t.Errorf("%s event %+v", typ, e)
			}
		}
		if e := byType["CLIENT_LOGIN"]; e.ClientID != "svc" || e.Details["username"] != "service-account-svc" {
			t.Errorf("CLIENT_LOGIN event %+v", e)
		}

		res, err := http.Get(s.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, line := range []string{
			`latchkey_user_events_total{error="",event="LOGIN",realm="demo"} 1`,
			`latchkey_user_events_total{error="invalid_user_credentials",event="LOGIN_ERROR",realm="demo"} 1`,
			`latchkey_user_events_total{error="user_not_found",event="LOGIN_ERROR",realm="demo"} 1`,
			`latchkey_user_events_total{error="user_disabled",event="LOGIN_ERROR",realm="demo"} 1`,
			`latchkey_user_events_total{error="",event="CLIENT_LOGIN",realm="demo"} 1`,
			`latchkey_user_events_total{error="",event="REFRESH_TOKEN",realm="demo"} 1`,
			`latchkey_user_events_total{error="",event="LOGOUT",realm="demo"} 1`,
		} {
			if !strings.Contains(string(body), line+"\n") {
				t.Errorf("/metrics lacks %s", line)
			}
		}
	})
}

// TestSessionsAcrossProcesses: two servers on one PostgreSQL database
// share sessions: a refresh token from one refreshes on the other, and a
// logout on one ends the session for both.
func TestSessionsAcrossProcesses(t *testing.T) {
	dbURL := testenv.PostgresURL(t)
	shared := func(c *config.Config) {
		c.DB, c.DBURL = config.DBPostgres, dbURL
		c.Hostname = "https://id.example.test" // one issuer for both processes
	}
	one := testenv.NewServer(t, shared)
	two := testenv.NewServer(t, shared)
	one.ImportRealm(realmJSON("demo", "", ""))

	r := aliceLogin(t, one)
	onTwo := refresh(t, two, "demo", r.str("refresh_token"), "confidential", appSecret)
	if onTwo.Status != http.StatusOK || onTwo.str("session_state") != r.str("session_state") {
		t.Fatalf("refresh on the other process: %d %s", onTwo.Status, onTwo.Raw)
	}
	if c := testenv.Claims(t, onTwo.str("access_token")); c["iss"] != "https://id.example.test/realms/demo" {
		t.Errorf("iss %v", c["iss"])
	}
	if u := userinfoGET(t, one, "demo", onTwo.str("access_token")); u.Status != http.StatusOK {
		t.Errorf("userinfo on the first process with the second's token: %d %s", u.Status, u.Raw)
	}
	back := refresh(t, one, "demo", onTwo.str("refresh_token"), "confidential", appSecret)
	if back.Status != http.StatusOK {
		t.Fatalf("refresh back on the first process: %d %s", back.Status, back.Raw)
	}
	if lo := postForm(t, oidcURL(two, "demo", "logout"), form("client_id", "confidential", "client_secret", appSecret,
		"refresh_token", back.str("refresh_token"))); lo.Status != http.StatusNoContent {
		t.Fatalf("logout on the second process: %d %s", lo.Status, lo.Raw)
	}
	wantOAuthError(t, refresh(t, one, "demo", back.str("refresh_token"), "confidential", appSecret),
		400, "invalid_grant", "Session not active")
}
