package adminapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// The rows of the events, sessions, keys, server-info and credential-extra
// routes (RealmAdminResource, UserResource, ClientResource, KeyResource,
// ServerInfoAdminResource with FGAP off): events need view-events or
// manage-events to read, manage-events to change; sessions view-users or
// view-clients to read and manage-users to end; keys and the credential
// registrators view-realm; the caches manage-realm; server info any admin
// role of any realm.

var (
	viewEvents   = hasAny("view-events", "manage-events")
	manageEvents = hasAny("manage-events")
)

// loginSession logs a user in with admin-cli's password grant and returns
// the session's id.
func loginSession(t *testing.T, s *testenv.Server, realm, user, pass string) string {
	t.Helper()
	resp, err := http.PostForm(s.URL+"/realms/"+realm+"/protocol/openid-connect/token", url.Values{
		"grant_type": {"password"}, "client_id": {"admin-cli"}, "username": {user}, "password": {pass}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		SessionState string `json:"session_state"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil || out.SessionState == "" {
		t.Fatalf("login %s in %s: %d %s", user, realm, resp.StatusCode, b)
	}
	return out.SessionState
}

func extraRows() []row {
	const rb = "/admin/realms/perm"
	const r = "/admin/realms/{realm}"
	users := func(suffix string) func(f *fixtures) string {
		return func(f *fixtures) string { return rb + "/users/" + f.user + suffix }
	}
	cred := func(suffix string) func(f *fixtures) string {
		return func(f *fixtures) string { return rb + "/users/" + f.suser + "/credentials/" + f.scred + suffix }
	}
	clientPath := func(suffix string) func(f *fixtures) string {
		return func(f *fixtures) string { return rb + "/clients/" + f.client + suffix }
	}
	return []row{
		{route: "GET " + r + "/events", path: fixed(rb + "/events"), allow: viewEvents, ok: 200},
		{route: "DELETE " + r + "/events", path: fixed(rb + "/events"), allow: manageEvents, ok: 204},
		{route: "GET " + r + "/admin-events", path: fixed(rb + "/admin-events"), allow: viewEvents, ok: 200},
		{route: "DELETE " + r + "/admin-events", path: fixed(rb + "/admin-events"), allow: manageEvents, ok: 204},
		{route: "GET " + r + "/events/config", path: fixed(rb + "/events/config"), allow: viewEvents, ok: 200},
		{route: "PUT " + r + "/events/config", path: fixed(rb + "/events/config"), allow: manageEvents, ok: 204,
			body: func(*fixtures) any { return map[string]any{"eventsEnabled": true, "eventsExpiration": 3600} }},

		{route: "GET " + r + "/keys", path: fixed(rb + "/keys"), allow: viewRealm, ok: 200},
		{route: "POST " + r + "/clear-realm-cache", path: fixed(rb + "/clear-realm-cache"), allow: manageRealm, ok: 204},
		{route: "POST " + r + "/clear-user-cache", path: fixed(rb + "/clear-user-cache"), allow: manageRealm, ok: 204},
		{route: "POST " + r + "/clear-keys-cache", path: fixed(rb + "/clear-keys-cache"), allow: manageRealm, ok: 204},
		{route: "GET " + r + "/credential-registrators", path: fixed(rb + "/credential-registrators"), allow: viewRealm, ok: 200},
		// UserProfileResource: any admin role reads, manage-realm writes.
		{route: "GET " + r + "/users/profile", path: fixed(rb + "/users/profile"), allow: anyAdmin, ok: 200},
		{route: "GET " + r + "/users/profile/metadata", path: fixed(rb + "/users/profile/metadata"), allow: anyAdmin, ok: 200},
		{route: "PUT " + r + "/users/profile", path: fixed(rb + "/users/profile"), allow: manageRealm, ok: 200,
			body: func(*fixtures) any { return json.RawMessage(defaultProfileJSON) }},
		// An admin of another realm is an admin too.
		{route: "GET /admin/serverinfo", path: fixed("/admin/serverinfo"), allow: anyAdmin, ok: 200, other: 200},

		{route: "PUT " + r + "/users/{id}/disable-credential-types", path: users("/disable-credential-types"),
			allow: manageUsers, ok: 204, body: func(*fixtures) any { return []string{"otp"} }},
		{route: "PUT " + r + "/users/{id}/credentials/{credId}/userLabel", path: cred("/userLabel"),
			allow: manageUsers, ok: 204, body: func(*fixtures) any { return plainText("My password") }},
		{route: "POST " + r + "/users/{id}/credentials/{credId}/moveToFirst", path: cred("/moveToFirst"),
			allow: manageUsers, ok: 204},
		{route: "POST " + r + "/users/{id}/credentials/{credId}/moveAfter/{prevId}", allow: manageUsers, ok: 204,
			path: func(f *fixtures) string { return cred("/moveAfter/")(f) + f.scred }},
		{route: "GET " + r + "/users/{id}/configured-user-storage-credential-types",
			path: users("/configured-user-storage-credential-types"), allow: viewUsers, ok: 200},

		{route: "GET " + r + "/users/{id}/sessions", path: users("/sessions"), allow: viewUsers, ok: 200},
		{route: "GET " + r + "/clients/{id}/user-sessions", path: clientPath("/user-sessions"), allow: viewClients, ok: 200},
		{route: "GET " + r + "/clients/{id}/session-count", path: clientPath("/session-count"), allow: viewClients, ok: 200},
		{route: "DELETE " + r + "/sessions/{session}", allow: manageUsers, ok: 204,
			path: func(f *fixtures) string { return rb + "/sessions/" + f.newSession() }},
		{what: "DELETE an unknown session", path: fixed(rb + "/sessions/no-such-session"), allow: manageUsers, ok: 404},
		{route: "POST " + r + "/users/{id}/logout", path: users("/logout"), allow: manageUsers, ok: 204},
		{route: "POST " + r + "/logout-all", path: fixed(rb + "/logout-all"), allow: manageUsers, ok: 200},
	}
}
