package adminapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

func TestAdminAuthentication(t *testing.T) {
	s := testenv.NewServer(t)
	s.ImportRealm(`{"realm":"other","enabled":true,
	  "users":[{"username":"local-admin","enabled":true,"credentials":[{"type":"password","value":"pw-local"}],
	            "clientRoles":{"realm-management":["realm-admin"]}}]}`)
	s.ImportRealm(`{"realm":"shop","enabled":true}`)

	r := call(t, s, "GET", "/admin/realms/shop", "", nil)
	expect(t, "no token", r, 401, body401)
	if r.header.Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
	}
	expect(t, "garbage token", call(t, s, "GET", "/admin/realms/shop", "not.a.token", nil), 401, body401)

	local := token(t, s, "other", "admin-cli", "local-admin", "pw-local")
	expect(t, "token of another realm", call(t, s, "GET", "/admin/realms/shop", local, nil), 403, body403)
	expect(t, "realm-local admin on its realm", call(t, s, "GET", "/admin/realms/other", local, nil), 200, "")
	expect(t, "unknown realm", call(t, s, "GET", "/admin/realms/nope", local, nil), 404,
		`{"error":"Realm not found.","error_description":"For more on this error consult the server log at the debug level."}`)

	var listed []map[string]any
	call(t, s, "GET", "/admin/realms", local, nil).json(t, &listed)
	if len(listed) != 1 || listed[0]["realm"] != "other" {
		t.Errorf("a realm-local admin lists %v", listed)
	}
	expect(t, "realm-local admin cannot create realms", call(t, s, "POST", "/admin/realms", local, map[string]any{"realm": "x"}), 403, body403)

	// A token whose user was disabled since is refused.
	ctx := context.Background()
	other := s.Realm("other")
	u, _ := s.Store.GetUserByUsername(ctx, other.ID, "local-admin")
	u.Enabled = false
	if err := s.Store.UpdateUser(ctx, u, true); err != nil {
		t.Fatal(err)
	}
	expect(t, "disabled user's token", call(t, s, "GET", "/admin/realms/other", local, nil), 401, body401)
}

func TestRealmLifecycle(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		tok := masterToken(t, s)
		r := call(t, s, "POST", "/admin/realms", tok, map[string]any{
			"realm": "shop", "enabled": true, "passwordPolicy": "length(8)", "adminEventsEnabled": true,
			"adminEventsDetailsEnabled": true})
		expect(t, "create", r, 201, "")
		if loc := r.header.Get("Location"); loc != s.URL+"/admin/realms/shop" {
			t.Errorf("Location %q", loc)
		}
		expect(t, "create again", call(t, s, "POST", "/admin/realms", tok, map[string]any{"realm": "shop", "enabled": true}),
			409, `{"errorMessage":"Conflict detected. See logs for details"}`)
		expect(t, "bad policy on create", call(t, s, "POST", "/admin/realms", tok, map[string]any{"realm": "p", "passwordPolicy": "nope"}),
			400, `{"errorMessage":"Password policy not found"}`)
		expect(t, "malformed JSON", call(t, s, "POST", "/admin/realms", tok, `{"realm":`),
			400, `{"error":"invalid_request","error_description":"Cannot parse the JSON"}`)

		var got map[string]any
		call(t, s, "GET", "/admin/realms/shop", tok, nil).json(t, &got)
		dr, _ := got["defaultRole"].(map[string]any)
		if got["realm"] != "shop" || got["passwordPolicy"] != "length(8)" || got["accessTokenLifespan"] != 300.0 ||
			dr["name"] != "default-roles-shop" || got["defaultRoleId"] != nil {
			t.Errorf("GET realm = %v", got)
		}

		// PUT changes only what it carries.
		expect(t, "update", call(t, s, "PUT", "/admin/realms/shop", tok, map[string]any{"registrationAllowed": true}), 204, "")
		got = nil
		call(t, s, "GET", "/admin/realms/shop", tok, nil).json(t, &got)
		if got["registrationAllowed"] != true || got["passwordPolicy"] != "length(8)" {
			t.Errorf("after partial update: %v", got)
		}
		expect(t, "bad policy", call(t, s, "PUT", "/admin/realms/shop", tok, map[string]any{"passwordPolicy": "length(x)"}),
			400, `{"errorMessage":"Invalid config for length: Not a valid number"}`)
		expect(t, "clear policy", call(t, s, "PUT", "/admin/realms/shop", tok, map[string]any{"passwordPolicy": ""}), 204, "")
		got = nil
		call(t, s, "GET", "/admin/realms/shop", tok, nil).json(t, &got)
		if _, ok := got["passwordPolicy"]; ok {
			t.Errorf("policy not cleared: %v", got["passwordPolicy"])
		}

		// Rename: the realm and its master client move together.
		expect(t, "rename", call(t, s, "PUT", "/admin/realms/shop", tok, map[string]any{"realm": "store"}), 204, "")
		expect(t, "old name", call(t, s, "GET", "/admin/realms/shop", tok, nil), 404, "")
		expect(t, "new name", call(t, s, "GET", "/admin/realms/store", tok, nil), 200, "")
		master := s.Realm("master")
		if _, err := s.Store.GetClientByClientID(context.Background(), master.ID, "store-realm"); err != nil {
			t.Errorf("store-realm client in master: %v", err)
		}
		expect(t, "rename onto master", call(t, s, "PUT", "/admin/realms/store", tok, map[string]any{"realm": "master"}),
			409, `{"errorMessage":"Realm with same name exists"}`)
		expect(t, "rename master", call(t, s, "PUT", "/admin/realms/master", tok, map[string]any{"realm": "boss"}),
			400, `{"errorMessage":"Can't rename master realm"}`)
		expect(t, "delete master", call(t, s, "DELETE", "/admin/realms/master", tok, nil),
			400, `{"errorMessage":"Can't remove master realm"}`)

		// Admin events were recorded with the representation.
		store_ := s.Realm("store")
		evs, err := s.Store.ListAdminEvents(context.Background(), store_.ID, store.AdminEventQuery{})
		if err != nil || len(evs) < 4 || evs[len(evs)-1].OperationType != "CREATE" || evs[0].ResourceType != "REALM" || evs[0].OperationType != "UPDATE" ||
			!strings.Contains(evs[0].Representation, `"realm":"store"`) {
			t.Errorf("admin events: %+v %v", evs, err)
		}

		expect(t, "delete", call(t, s, "DELETE", "/admin/realms/store", tok, nil), 204, "")
		expect(t, "deleted", call(t, s, "GET", "/admin/realms/store", tok, nil), 404, "")
		if _, err := s.Store.GetClientByClientID(context.Background(), master.ID, "store-realm"); err == nil {
			t.Error("store-realm client survives its realm")
		}
	})
}

// The SMTP password never leaves the server: GET shows Keycloak's mask,
// and sending the mask back keeps the stored password.
func TestRealmSMTPPasswordMasked(t *testing.T) {
	s := testenv.NewServer(t)
	tok := masterToken(t, s)
	expect(t, "create", call(t, s, "POST", "/admin/realms", tok, map[string]any{"realm": "mail", "enabled": true,
		"adminEventsEnabled": true, "adminEventsDetailsEnabled": true,
		"smtpServer": map[string]string{"host": "127.0.0.1", "port": "2525", "from": "a@b.test", "auth": "true",
			"user": "u", "password": "smtp-secret-1"}}), 201, "")
	r := call(t, s, "GET", "/admin/realms/mail", tok, nil)
	if strings.Contains(string(r.body), "smtp-secret-1") || !strings.Contains(string(r.body), `"password":"**********"`) {
		t.Fatalf("GET realm shows %s", r.body)
	}
	var got map[string]any
	r.json(t, &got)
	smtp := got["smtpServer"].(map[string]any)
	smtp["port"] = "2526"
	expect(t, "put back with the mask", call(t, s, "PUT", "/admin/realms/mail", tok, map[string]any{"smtpServer": smtp}), 204, "")
	stored := s.Realm("mail").SMTPServer
	if stored["password"] != "smtp-secret-1" || stored["port"] != "2526" {
		t.Errorf("stored smtpServer = %v", stored)
	}
	expect(t, "change it", call(t, s, "PUT", "/admin/realms/mail", tok, map[string]any{"smtpServer": map[string]string{
		"host": "127.0.0.1", "port": "2526", "from": "a@b.test", "password": "smtp-secret-2"}}), 204, "")
	if s.Realm("mail").SMTPServer["password"] != "smtp-secret-2" {
		t.Error("a new password was not stored")
	}
	evs, _ := s.Store.ListAdminEvents(context.Background(), s.Realm("mail").ID, store.AdminEventQuery{})
	for _, e := range evs {
		if strings.Contains(e.Representation, "smtp-secret") {
			t.Errorf("an admin event holds the SMTP password: %s", e.Representation)
		}
	}
	var list []map[string]any
	call(t, s, "GET", "/admin/realms", tok, nil).json(t, &list)
	for _, rl := range list {
		if sm, ok := rl["smtpServer"].(map[string]any); ok && sm["password"] != nil && sm["password"] != "**********" {
			t.Errorf("realm list shows an SMTP password: %v", sm)
		}
	}
}
