package oidc_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/testenv"
)

// errCase is one refused request and Keycloak's answer to it.
type errCase struct {
	name     string
	endpoint string // token, userinfo, token/introspect, revoke, logout
	realm    string // "demo" when empty
	form     url.Values
	headers  []string
	status   int
	code     string
	desc     string
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// errorFixture is a server with the test realm, a disabled realm, and the
// tokens the error cases refer to.
type errorFixture struct {
	s                      *testenv.Server
	rt, at, idToken        string // alice's, from "confidential"
	expiredRT, otherRT     string
	loggedOutRT, bobRT     string
	svcGoneClientID        string
	daveAT, loggedOutAT    string
	publicAT, publicClient string
}

func newErrorFixture(t *testing.T) *errorFixture {
	s := newRealm(t, "", "")
	s.ImportRealm(`{"realm":"closed","enabled":false}`)
	f := &errorFixture{s: s}
	demo := s.Realm("demo")

	r := aliceLogin(t, s)
	f.rt, f.at, f.idToken = r.str("refresh_token"), r.str("access_token"), r.str("id_token")
	f.expiredRT = testenv.Resign(t, s, "demo", "HS512", testenv.Claims(t, f.rt),
		map[string]any{"exp": time.Now().Add(-time.Second).Unix()})
	f.otherRT = login(t, s, "demo", "client_id", "app", "username", "alice", "password", alicePW).str("refresh_token")

	// A session ended by logout.
	r = login(t, s, "demo", "client_id", "confidential", "client_secret", appSecret, "username", "dave", "password", "dave-pw-1")
	f.loggedOutRT, f.loggedOutAT = r.str("refresh_token"), r.str("access_token")
	if lo := postForm(t, oidcURL(s, "demo", "logout"), form("client_id", "confidential", "client_secret", appSecret,
		"refresh_token", f.loggedOutRT)); lo.Status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", lo.Status, lo.Raw)
	}
	f.daveAT = login(t, s, "demo", "client_id", "confidential", "client_secret", appSecret,
		"username", "dave", "password", "dave-pw-1").str("access_token")

	// A refresh token whose user is disabled afterwards: a copy of alice's
	// token naming bob (disabled) as its subject and alice's live session.
	bob, err := s.Store.GetUserByUsername(ctx(), demo.ID, "bob")
	if err != nil {
		t.Fatal(err)
	}
	f.bobRT = testenv.Resign(t, s, "demo", "HS512", testenv.Claims(t, f.rt), map[string]any{"sub": bob.ID})

	// svc-gone loses its service-account user.
	c, err := s.Store.GetClientByClientID(ctx(), demo.ID, "svc-gone")
	if err != nil {
		t.Fatal(err)
	}
	sa, err := s.Store.GetServiceAccountUser(ctx(), demo.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store.DeleteUser(ctx(), demo.ID, sa.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestErrorAnswers covers every error row of Keycloak's token endpoint,
// userinfo, introspection, revocation and logout tables: status, error
// and error_description.
func TestErrorAnswers(t *testing.T) {
	f := newErrorFixture(t)
	conf := []string{"client_id", "confidential", "client_secret", appSecret}
	pw := func(kv ...string) url.Values {
		return form(append(append([]string{"grant_type", "password"}, conf...), kv...)...)
	}
	withClient := func(client, secret string, kv ...string) url.Values {
		v := form(kv...)
		v.Set("client_id", client)
		if secret != "" {
			v.Set("client_secret", secret)
		}
		return v
	}
	const bad = "Invalid client or Invalid client credentials"
	cases := []errCase{
		// The pipeline.
		{name: "unknown realm", endpoint: "token", realm: "nowhere", form: pw(), status: 404, code: "Realm does not exist"},
		{name: "realm not enabled", endpoint: "token", realm: "closed", form: pw(), status: 403, code: "access_denied", desc: "Realm not enabled"},
		{name: "missing grant_type", endpoint: "token", form: form(conf...), status: 400, code: "invalid_request", desc: "Missing form parameter: grant_type"},
		{name: "unknown grant_type", endpoint: "token", form: form(append([]string{"grant_type", "implicit"}, conf...)...), status: 400, code: "unsupported_grant_type", desc: "Unsupported grant_type"},
		{name: "duplicated parameter", endpoint: "token", form: pw("username", "alice", "username", "bob", "password", alicePW), status: 400, code: "invalid_request", desc: "duplicated parameter"},
		{name: "bearer-only", endpoint: "token", form: withClient("bearer", svcSecret, "grant_type", "password", "username", "alice", "password", alicePW), status: 400, code: "invalid_client", desc: "Bearer-only not allowed"},
		// Keycloak's TokenEndpoint refuses bearer-only clients before the
		// grant, so client_credentials' own bearer-only row never shows.
		{name: "bearer-only client_credentials", endpoint: "token", form: withClient("bearer", svcSecret, "grant_type", "client_credentials"), status: 400, code: "invalid_client", desc: "Bearer-only not allowed"},
		// Client authentication.
		{name: "no client_id", endpoint: "token", form: form("grant_type", "password", "username", "alice", "password", alicePW), status: 400, code: "invalid_client", desc: "Missing client_id parameter"},
		{name: "unknown client", endpoint: "token", form: withClient("nobody", "x", "grant_type", "password"), status: 401, code: "invalid_client", desc: bad},
		{name: "disabled client", endpoint: "token", form: withClient("off", svcSecret, "grant_type", "password"), status: 401, code: "invalid_client", desc: bad},
		{name: "authenticator type not supported", endpoint: "token", form: withClient("jwt", svcSecret, "grant_type", "password"), status: 401, code: "invalid_client", desc: bad},
		{name: "secret missing", endpoint: "token", form: withClient("confidential", "", "grant_type", "password"), status: 401, code: "unauthorized_client", desc: bad},
		{name: "wrong secret", endpoint: "token", form: withClient("confidential", "nope", "grant_type", "password"), status: 401, code: "unauthorized_client", desc: bad},
		{name: "wrong secret, basic", endpoint: "token", form: form("grant_type", "password"), headers: []string{"Authorization", basic("confidential", "nope")}, status: 401, code: "unauthorized_client", desc: bad},
		{name: "unknown client, basic", endpoint: "token", form: form("grant_type", "password"), headers: []string{"Authorization", basic("nobody", "x")}, status: 401, code: "invalid_client", desc: bad},
		// password
		{name: "direct grants off", endpoint: "token", form: withClient("nodirect", svcSecret, "grant_type", "password", "username", "alice", "password", alicePW), status: 400, code: "unauthorized_client", desc: "Client not allowed for direct access grants"},
		{name: "consent required", endpoint: "token", form: withClient("consent", svcSecret, "grant_type", "password", "username", "alice", "password", alicePW), status: 400, code: "invalid_client", desc: "Client requires user consent"},
		{name: "username missing", endpoint: "token", form: pw("password", alicePW), status: 401, code: "invalid_request", desc: "Missing parameter: username"},
		{name: "unknown user", endpoint: "token", form: pw("username", "zed", "password", alicePW), status: 401, code: "invalid_grant", desc: "Invalid user credentials"},
		{name: "wrong password", endpoint: "token", form: pw("username", "alice", "password", "wrong"), status: 401, code: "invalid_grant", desc: "Invalid user credentials"},
		{name: "password missing", endpoint: "token", form: pw("username", "alice"), status: 401, code: "invalid_grant", desc: "Invalid user credentials"},
		{name: "service account cannot log in", endpoint: "token", form: pw("username", "service-account-svc", "password", ""), status: 401, code: "invalid_grant", desc: "Invalid user credentials"},
		{name: "user disabled", endpoint: "token", form: pw("username", "bob", "password", "bob-pw-1"), status: 400, code: "invalid_grant", desc: "Account disabled"},
		{name: "required action", endpoint: "token", form: pw("username", "carol", "password", "carol-pw-1"), status: 400, code: "invalid_grant", desc: "Account is not fully set up"},
		// client_credentials
		{name: "public client", endpoint: "token", form: withClient("pub-sa", "", "grant_type", "client_credentials"), status: 401, code: "unauthorized_client", desc: "Public client not allowed to retrieve service account"},
		{name: "service accounts off", endpoint: "token", form: withClient("nosa", svcSecret, "grant_type", "client_credentials"), status: 401, code: "unauthorized_client", desc: "Client not enabled to retrieve service account"},
		{name: "service account missing", endpoint: "token", form: withClient("svc-gone", svcSecret, "grant_type", "client_credentials"), status: 401, code: "invalid_request", desc: "The associated service account for the client does not exist"},
		{name: "service account disabled", endpoint: "token", form: withClient("svc-off", svcSecret, "grant_type", "client_credentials"), status: 401, code: "invalid_request", desc: "User 'service-account-svc-off' disabled"},
		// refresh_token
		{name: "no refresh token", endpoint: "token", form: form(append([]string{"grant_type", "refresh_token"}, conf...)...), status: 400, code: "invalid_request", desc: "No refresh token"},
		{name: "garbage refresh token", endpoint: "token", form: form(append([]string{"grant_type", "refresh_token", "refresh_token", "abc.def.ghi"}, conf...)...), status: 400, code: "invalid_grant", desc: "Invalid refresh token"},
		{name: "access token as refresh token", endpoint: "token", form: form(append([]string{"grant_type", "refresh_token", "refresh_token", f.at}, conf...)...), status: 400, code: "invalid_grant", desc: "Invalid refresh token"},
		{name: "ID token as refresh token", endpoint: "token", form: form(append([]string{"grant_type", "refresh_token", "refresh_token", f.idToken}, conf...)...), status: 400, code: "invalid_grant", desc: "Invalid refresh token"},
		{name: "expired refresh token", endpoint: "token", form: form(append([]string{"grant_type", "refresh_token", "refresh_token", f.expiredRT}, conf...)...), status: 400, code: "invalid_grant", desc: "Token is not active"},
		{name: "refresh token of another client", endpoint: "token", form: form(append([]string{"grant_type", "refresh_token", "refresh_token", f.otherRT}, conf...)...), status: 400, code: "invalid_grant", desc: "Invalid refresh token. Token client and authorized client don't match"},
		{name: "session gone", endpoint: "token", form: form(append([]string{"grant_type", "refresh_token", "refresh_token", f.loggedOutRT}, conf...)...), status: 400, code: "invalid_grant", desc: "Session not active"},
		{name: "refresh of a disabled user", endpoint: "token", form: form(append([]string{"grant_type", "refresh_token", "refresh_token", f.bobRT}, conf...)...), status: 400, code: "invalid_grant", desc: "User disabled"},
		// userinfo (POST form; the GET and header forms are tested apart)
		{name: "userinfo without token", endpoint: "userinfo", form: form(), status: 400, code: "invalid_request", desc: "Token not provided"},
		{name: "userinfo bad token", endpoint: "userinfo", form: form("access_token", "abc.def.ghi"), status: 401, code: "invalid_token", desc: "Token verification failed"},
		{name: "userinfo refresh token", endpoint: "userinfo", form: form("access_token", f.rt), status: 401, code: "invalid_token", desc: "Token verification failed"},
		{name: "userinfo session gone", endpoint: "userinfo", form: form("access_token", f.loggedOutAT), status: 401, code: "invalid_token", desc: "Session expired"},
		{name: "userinfo unknown realm", endpoint: "userinfo", realm: "nowhere", form: form("access_token", f.at), status: 404, code: "Realm does not exist"},
		// introspection
		{name: "introspect public client", endpoint: "token/introspect", form: withClient("app", "", "token", f.at), status: 403, code: "invalid_request", desc: "Client not allowed."},
		{name: "introspect wrong secret", endpoint: "token/introspect", form: withClient("confidential", "nope", "token", f.at), status: 401, code: "invalid_request", desc: "Authentication failed."},
		{name: "introspect no client", endpoint: "token/introspect", form: form("token", f.at), status: 401, code: "invalid_request", desc: "Authentication failed."},
		{name: "introspect no token", endpoint: "token/introspect", form: withClient("confidential", appSecret), status: 400, code: "invalid_request", desc: "Token not provided."},
		{name: "introspect bad hint", endpoint: "token/introspect", form: withClient("confidential", appSecret, "token", f.at, "token_type_hint", "id_token"), status: 400, code: "invalid_request", desc: "Unsupported token type [id_token]."},
		{name: "introspect duplicated", endpoint: "token/introspect", form: withClient("confidential", appSecret, "token", f.at, "token", f.rt), status: 400, code: "invalid_request", desc: "duplicated parameter"},
		// revocation
		{name: "revoke no token", endpoint: "revoke", form: withClient("confidential", appSecret), status: 400, code: "invalid_request", desc: "Token not provided"},
		{name: "revoke other client's token", endpoint: "revoke", form: withClient("app", "", "token", f.rt), status: 400, code: "invalid_request", desc: "Unmatching clients"},
		{name: "revoke ID token", endpoint: "revoke", form: withClient("confidential", appSecret, "token", f.idToken), status: 400, code: "unsupported_token_type", desc: "Unsupported token type"},
		{name: "revoke garbage", endpoint: "revoke", form: withClient("confidential", appSecret, "token", "abc.def.ghi"), status: 200, code: "invalid_token", desc: "Invalid token"},
		{name: "revoke expired token", endpoint: "revoke", form: withClient("app", "", "token", f.expiredRT), status: 200, code: "invalid_token", desc: "Invalid token"},
		{name: "revoke wrong secret", endpoint: "revoke", form: withClient("confidential", "nope", "token", f.rt), status: 401, code: "unauthorized_client", desc: bad},
		{name: "revoke duplicated", endpoint: "revoke", form: withClient("confidential", appSecret, "token", f.rt, "token", f.at), status: 400, code: "invalid_request", desc: "duplicated parameter"},
		// logout
		{name: "logout no refresh token", endpoint: "logout", form: withClient("confidential", appSecret), status: 400, code: "invalid_request", desc: "No refresh token"},
		{name: "logout bad refresh token", endpoint: "logout", form: withClient("confidential", appSecret, "refresh_token", "abc.def.ghi"), status: 400, code: "invalid_grant", desc: "Invalid refresh token"},
		{name: "logout other client's token", endpoint: "logout", form: withClient("app", "", "refresh_token", f.rt), status: 400, code: "invalid_grant", desc: "Invalid refresh token"},
		{name: "logout ended session", endpoint: "logout", form: withClient("confidential", appSecret, "refresh_token", f.loggedOutRT), status: 400, code: "invalid_grant", desc: "Invalid refresh token"},
		{name: "logout bearer-only", endpoint: "logout", form: withClient("bearer", svcSecret, "refresh_token", f.rt), status: 400, code: "invalid_client", desc: "Bearer-only not allowed"},
		{name: "logout wrong secret", endpoint: "logout", form: withClient("confidential", "nope", "refresh_token", f.rt), status: 401, code: "unauthorized_client", desc: bad},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			realm := tc.realm
			if realm == "" {
				realm = "demo"
			}
			r := postForm(t, oidcURL(f.s, realm, tc.endpoint), tc.form, tc.headers...)
			wantOAuthError(t, r, tc.status, tc.code, tc.desc)
			if tc.endpoint == "token" && r.Header.Get("Cache-Control") != "no-store" && tc.realm != "nowhere" {
				t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
			}
			if tc.endpoint == "userinfo" && tc.status == 401 {
				want := `Bearer realm="demo", error="invalid_token", error_description="` + tc.desc + `"`
				if got := r.Header.Get("WWW-Authenticate"); got != want {
					t.Errorf("WWW-Authenticate %q, want %q", got, want)
				}
			}
		})
	}

	// Still valid after all of the above: nothing was revoked by mistake.
	if r := refresh(t, f.s, "demo", f.rt, "confidential", appSecret); r.Status != http.StatusOK {
		t.Errorf("alice's refresh token after the error cases: %d %s", r.Status, r.Raw)
	}
}

// TestUnparseableBasicHeader: Keycloak answers 401 with an empty body and
// a Basic challenge when the header cannot be read and no client_id is
// in the form.
func TestUnparseableBasicHeader(t *testing.T) {
	s := newRealm(t, "", "")
	r := postForm(t, oidcURL(s, "demo", "token"), form("grant_type", "client_credentials"), "Authorization", "Basic !!!")
	if r.Status != http.StatusUnauthorized || len(strings.TrimSpace(string(r.Raw))) != 0 ||
		r.Header.Get("WWW-Authenticate") != `Basic realm="demo"` {
		t.Errorf("got %d %q %q", r.Status, r.Header.Get("WWW-Authenticate"), r.Raw)
	}
}

// TestBadRequestBodies: every form endpoint answers a body it cannot read
// with 400 in the OAuth shape, never 500.
func TestBadRequestBodies(t *testing.T) {
	s := newRealm(t, "", "")
	valid := form("grant_type", "client_credentials", "client_id", "svc", "client_secret", svcSecret).Encode()
	bodies := []struct {
		name, contentType, body string
	}{
		{"wrong content type", "application/json", `{"grant_type":"client_credentials"}`},
		{"no content type", "", valid},
		{"malformed content type", "application/x-www-form-urlencoded; =;", valid},
		{"malformed form", "application/x-www-form-urlencoded", "grant_type=%zz&client_id=svc"},
		{"oversized", "application/x-www-form-urlencoded", valid + "&pad=" + strings.Repeat("a", 65<<10)},
	}
	for _, ep := range []string{"token", "token/introspect", "revoke", "logout", "userinfo"} {
		for _, b := range bodies {
			t.Run(ep+"/"+b.name, func(t *testing.T) {
				req, err := http.NewRequest(http.MethodPost, oidcURL(s, "demo", ep), strings.NewReader(b.body))
				if err != nil {
					t.Fatal(err)
				}
				if b.contentType != "" {
					req.Header.Set("Content-Type", b.contentType)
				}
				r := do(t, req)
				if ep == "userinfo" {
					// No readable token anywhere.
					wantOAuthError(t, r, 400, "invalid_request", "Token not provided")
					return
				}
				if r.Status != http.StatusBadRequest || r.str("error") != "invalid_request" || r.str("error_description") == "" {
					t.Errorf("got %d %s, want 400 invalid_request", r.Status, r.Raw)
				}
			})
		}
	}
}
