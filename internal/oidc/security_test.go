package oidc_test

import (
	"net/http"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

func userinfoGET(t testing.TB, s *testenv.Server, realm, token string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, oidcURL(s, realm, "userinfo"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return do(t, req)
}

func introspect(t testing.TB, s *testenv.Server, realm, token string, kv ...string) response {
	t.Helper()
	r := postForm(t, oidcURL(s, realm, "token/introspect"),
		form(append([]string{"client_id", "confidential", "client_secret", appSecret, "token", token}, kv...)...))
	if r.Status != http.StatusOK {
		t.Fatalf("introspect: %d %s", r.Status, r.Raw)
	}
	return r
}

func wantInactive(t testing.TB, r response) {
	t.Helper()
	if len(r.JSON) != 1 || r.JSON["active"] != false {
		t.Errorf("introspection %s, want exactly {\"active\":false}", r.Raw)
	}
}

// TestRealmIsolation: a token of realm A is worth nothing in realm B,
// even where B has a client and user of the same names.
func TestRealmIsolation(t *testing.T) {
	s := testenv.NewServer(t)
	s.ImportRealm(realmJSON("a", "", ""))
	s.ImportRealm(realmJSON("b", "", ""))
	r := login(t, s, "a", "client_id", "confidential", "client_secret", appSecret,
		"username", "alice", "password", alicePW, "scope", "openid")
	at, rt := r.str("access_token"), r.str("refresh_token")
	if u := userinfoGET(t, s, "a", at); u.Status != http.StatusOK || u.str("preferred_username") != "alice" {
		t.Fatalf("userinfo in its own realm: %d %s", u.Status, u.Raw)
	}
	if got := introspect(t, s, "a", at); got.JSON["active"] != true || got.str("username") != "alice" ||
		got.str("client_id") != "confidential" || got.str("token_type") != "Bearer" {
		t.Errorf("introspection in its own realm: %s", got.Raw)
	}
	wantOAuthError(t, userinfoGET(t, s, "b", at), 401, "invalid_token", "Token verification failed")
	wantInactive(t, introspect(t, s, "b", at))
	wantInactive(t, introspect(t, s, "b", rt, "token_type_hint", "refresh_token"))
	wantOAuthError(t, refresh(t, s, "b", rt, "confidential", appSecret), 400, "invalid_grant", "Invalid refresh token")
}

// TestForgedTokens: tokens signed with an unknown key, with alg none,
// expired, altered, or signed with the RSA public key as an HMAC secret
// are refused by userinfo, introspection and the refresh grant.
func TestForgedTokens(t *testing.T) {
	for _, alg := range []string{"", "ES256", "EdDSA"} {
		t.Run("realm alg "+alg, func(t *testing.T) {
			s := newRealm(t, alg, "")
			r := aliceLogin(t, s)
			at, rt := r.str("access_token"), r.str("refresh_token")
			for name, tok := range testenv.Forgeries(t, s, "demo", at) {
				t.Run("access/"+name, func(t *testing.T) {
					wantOAuthError(t, userinfoGET(t, s, "demo", tok), 401, "invalid_token", "Token verification failed")
					wantInactive(t, introspect(t, s, "demo", tok))
				})
			}
			for name, tok := range testenv.Forgeries(t, s, "demo", rt) {
				t.Run("refresh/"+name, func(t *testing.T) {
					wantOAuthError(t, refresh(t, s, "demo", tok, "confidential", appSecret), 400, "invalid_grant", "Invalid refresh token")
					wantInactive(t, introspect(t, s, "demo", tok, "token_type_hint", "refresh_token"))
				})
			}
			// Expired refresh tokens have their own answer.
			expired := testenv.Resign(t, s, "demo", "HS512", testenv.Claims(t, rt), map[string]any{"exp": 1})
			wantOAuthError(t, refresh(t, s, "demo", expired, "confidential", appSecret), 400, "invalid_grant", "Token is not active")
			wantInactive(t, introspect(t, s, "demo", expired, "token_type_hint", "refresh_token"))
			// The genuine ones still work.
			if u := userinfoGET(t, s, "demo", at); u.Status != http.StatusOK {
				t.Errorf("genuine access token: %d %s", u.Status, u.Raw)
			}
			if r := refresh(t, s, "demo", rt, "confidential", appSecret); r.Status != http.StatusOK {
				t.Errorf("genuine refresh token: %d %s", r.Status, r.Raw)
			}
		})
	}
}

// TestSessionEnd: logout and revocation end sessions; disabling a user
// stops their refresh; a required action blocks the password grant.
func TestSessionEnd(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(realmJSON("demo", "", ""))
		conf := []string{"confidential", appSecret}

		// Logout ends the session: every refresh token of it stops.
		first := aliceLogin(t, s)
		second := refresh(t, s, "demo", first.str("refresh_token"), conf...)
		if second.Status != http.StatusOK || second.str("session_state") != first.str("session_state") {
			t.Fatalf("refresh: %d %s", second.Status, second.Raw)
		}
		lo := postForm(t, oidcURL(s, "demo", "logout"), form("client_id", "confidential", "client_secret", appSecret,
			"refresh_token", second.str("refresh_token")))
		if lo.Status != http.StatusNoContent || len(lo.Raw) != 0 {
			t.Fatalf("logout: %d %s", lo.Status, lo.Raw)
		}
		for _, rt := range []string{first.str("refresh_token"), second.str("refresh_token")} {
			wantOAuthError(t, refresh(t, s, "demo", rt, conf...), 400, "invalid_grant", "Session not active")
		}
		wantOAuthError(t, userinfoGET(t, s, "demo", second.str("access_token")), 401, "invalid_token", "Session expired")
		wantInactive(t, introspect(t, s, "demo", second.str("access_token")))
		if _, err := s.Store.GetSession(ctx(), s.Realm("demo").ID, first.str("session_state")); err == nil {
			t.Errorf("session still stored after logout")
		}

		// Revoking a refresh token ends the client's session.
		r := aliceLogin(t, s)
		rv := postForm(t, oidcURL(s, "demo", "revoke"), form("client_id", "confidential", "client_secret", appSecret,
			"token", r.str("refresh_token"), "token_type_hint", "refresh_token"))
		if rv.Status != http.StatusOK || len(rv.Raw) != 0 {
			t.Fatalf("revoke: %d %q", rv.Status, rv.Raw)
		}
		wantOAuthError(t, refresh(t, s, "demo", r.str("refresh_token"), conf...), 400, "invalid_grant", "Session not active")

		// A disabled user's refresh fails.
		r = aliceLogin(t, s)
		demo := s.Realm("demo")
		alice, err := s.Store.GetUserByUsername(ctx(), demo.ID, "alice")
		if err != nil {
			t.Fatal(err)
		}
		alice.Enabled = false
		if err := s.Store.UpdateUser(ctx(), alice, true); err != nil {
			t.Fatal(err)
		}
		wantOAuthError(t, refresh(t, s, "demo", r.str("refresh_token"), conf...), 400, "invalid_grant", "User disabled")
		wantInactive(t, introspect(t, s, "demo", r.str("access_token")))

		// A pending required action blocks the password grant, also after
		// the right password.
		dave, err := s.Store.GetUserByUsername(ctx(), demo.ID, "dave")
		if err != nil {
			t.Fatal(err)
		}
		dave.RequiredActions = []string{"VERIFY_EMAIL"}
		if err := s.Store.UpdateUser(ctx(), dave, true); err != nil {
			t.Fatal(err)
		}
		got := postForm(t, oidcURL(s, "demo", "token"), form("grant_type", "password", "client_id", "app",
			"username", "dave", "password", "dave-pw-1"))
		wantOAuthError(t, got, 400, "invalid_grant", "Account is not fully set up")
	})
}
