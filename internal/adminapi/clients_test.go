package adminapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

const clientAdmins = `{"realm":"apps","enabled":true,
  "users":[
    {"username":"viewer","enabled":true,"credentials":[{"type":"password","value":"pw-viewer"}],
     "clientRoles":{"realm-management":["view-clients"]}},
    {"username":"manager","enabled":true,"credentials":[{"type":"password","value":"pw-manager"}],
     "clientRoles":{"realm-management":["manage-clients"]}},
    {"username":"nobody","enabled":true,"credentials":[{"type":"password","value":"pw-nobody"}]}]}`

func TestClients(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(clientAdmins)
		manager := token(t, s, "apps", "admin-cli", "manager", "pw-manager")
		viewer := token(t, s, "apps", "admin-cli", "viewer", "pw-viewer")
		nobody := token(t, s, "apps", "admin-cli", "nobody", "pw-nobody")
		base := "/admin/realms/apps/clients"

		expect(t, "viewer cannot create", call(t, s, "POST", base, viewer, map[string]any{"clientId": "x"}), 403, body403)
		r := call(t, s, "POST", base, manager, map[string]any{"clientId": "backend", "publicClient": false,
			"serviceAccountsEnabled": true, "webOrigins": []string{"+"}, "redirectUris": []string{"https://app.test/*"}})
		expect(t, "create", r, 201, "")
		loc := r.header.Get("Location")
		id := loc[strings.LastIndex(loc, "/")+1:]
		if !strings.HasPrefix(loc, s.URL+base+"/") || id == "" {
			t.Fatalf("Location %q", loc)
		}
		expect(t, "duplicate", call(t, s, "POST", base, manager, map[string]any{"clientId": "backend"}),
			409, `{"errorMessage":"Client backend already exists"}`)
		expect(t, "missing clientId", call(t, s, "POST", base, manager, map[string]any{"name": "x"}),
			400, `{"errorMessage":"Client id is missing"}`)
		expect(t, "wrong content type", call(t, s, "POST", base, manager, nil), 415, "")

		var got map[string]any
		call(t, s, "GET", base+"/"+id, viewer, nil).json(t, &got)
		if got["clientId"] != "backend" || got["publicClient"] != false || got["standardFlowEnabled"] != true ||
			got["serviceAccountsEnabled"] != true {
			t.Errorf("GET client = %v", got)
		}
		// Keycloak 26.8: a viewer sees the secret masked and may not read
		// it; a manager sees it.
		if got["secret"] != "**********" {
			t.Errorf("the viewer's client representation has secret %v", got["secret"])
		}
		expect(t, "viewer cannot read the secret", call(t, s, "GET", base+"/"+id+"/client-secret", viewer, nil), 403, body403)
		var secret struct{ Type, Value string }
		call(t, s, "GET", base+"/"+id+"/client-secret", manager, nil).json(t, &secret)
		if secret.Type != "secret" || len(secret.Value) != 32 {
			t.Errorf("client-secret = %+v", secret)
		}
		got = nil
		call(t, s, "GET", base+"/"+id, manager, nil).json(t, &got)
		if got["secret"] != secret.Value {
			t.Errorf("the manager's client representation has secret %v", got["secret"])
		}
		// The secret works at the token endpoint; a regenerated one replaces it.
		serviceToken(t, s, "apps", "backend", secret.Value)
		expect(t, "viewer cannot regenerate", call(t, s, "POST", base+"/"+id+"/client-secret", viewer, nil), 403, body403)
		var fresh struct{ Value string }
		call(t, s, "POST", base+"/"+id+"/client-secret", manager, nil).json(t, &fresh)
		if fresh.Value == secret.Value || len(fresh.Value) != 32 {
			t.Errorf("regenerated secret %q", fresh.Value)
		}
		serviceToken(t, s, "apps", "backend", fresh.Value)

		var sa map[string]any
		call(t, s, "GET", base+"/"+id+"/service-account-user", viewer, nil).json(t, &sa)
		if sa["username"] != "service-account-backend" {
			t.Errorf("service-account-user = %v", sa)
		}

		var list []map[string]any
		call(t, s, "GET", base+"?clientId=backend", viewer, nil).json(t, &list)
		if len(list) != 1 || list[0]["id"] != id {
			t.Errorf("list by clientId = %v", list)
		}
		list = nil
		call(t, s, "GET", base+"?clientId=BACK&search=true", viewer, nil).json(t, &list)
		if len(list) != 1 {
			t.Errorf("search = %v", list)
		}

		expect(t, "partial update", call(t, s, "PUT", base+"/"+id, manager, map[string]any{"directAccessGrantsEnabled": false}), 204, "")
		got = nil
		call(t, s, "GET", base+"/"+id, viewer, nil).json(t, &got)
		if got["directAccessGrantsEnabled"] != false || got["serviceAccountsEnabled"] != true {
			t.Errorf("after update: %v", got)
		}

		expect(t, "unknown client, may list", call(t, s, "GET", base+"/nope", viewer, nil), 404,
			`{"error":"Could not find client","error_description":"For more on this error consult the server log at the debug level."}`)
		expect(t, "unknown client, may not list", call(t, s, "GET", base+"/nope", nobody, nil), 403, body403)
		expect(t, "list without a role", call(t, s, "GET", base, nobody, nil), 403, body403)

		expect(t, "viewer cannot delete", call(t, s, "DELETE", base+"/"+id, viewer, nil), 403, body403)
		expect(t, "delete", call(t, s, "DELETE", base+"/"+id, manager, nil), 204, "")
		apps := s.Realm("apps")
		if _, err := s.Store.GetUserByUsername(context.Background(), apps.ID, "service-account-backend"); err == nil {
			t.Error("the service-account user survives its client")
		}
	})
}

func TestRoles(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(`{"realm":"r","enabled":true,"clients":[{"clientId":"api"}],
		  "users":[{"username":"u1","enabled":true}]}`)
		tok := masterToken(t, s)
		base := "/admin/realms/r/roles"
		r := call(t, s, "POST", base, tok, map[string]any{"name": "editor", "description": "edits",
			"attributes": map[string][]string{"level": {"2"}}})
		expect(t, "create", r, 201, "")
		if r.header.Get("Location") != s.URL+base+"/editor" {
			t.Errorf("Location %q", r.header.Get("Location"))
		}
		expect(t, "duplicate", call(t, s, "POST", base, tok, map[string]any{"name": "editor"}),
			409, `{"errorMessage":"Role with name editor already exists"}`)
		expect(t, "create reader", call(t, s, "POST", base, tok, map[string]any{"name": "reader"}), 201, "")

		var role map[string]any
		call(t, s, "GET", base+"/editor", tok, nil).json(t, &role)
		if role["name"] != "editor" || role["description"] != "edits" || role["clientRole"] != false || role["composite"] != false {
			t.Errorf("role = %v", role)
		}
		var reader map[string]any
		call(t, s, "GET", base+"/reader", tok, nil).json(t, &reader)
		expect(t, "add composite", call(t, s, "POST", base+"/editor/composites", tok, []map[string]any{{"id": reader["id"]}}), 204, "")
		var comps []map[string]any
		call(t, s, "GET", base+"/editor/composites", tok, nil).json(t, &comps)
		if len(comps) != 1 || comps[0]["name"] != "reader" {
			t.Errorf("composites = %v", comps)
		}
		role = nil
		call(t, s, "GET", "/admin/realms/r/roles-by-id/"+reader["id"].(string), tok, nil).json(t, &role)
		if role["name"] != "reader" {
			t.Errorf("roles-by-id = %v", role)
		}
		expect(t, "unknown role", call(t, s, "GET", base+"/ghost", tok, nil), 404,
			`{"error":"Could not find role","error_description":"For more on this error consult the server log at the debug level."}`)
		expect(t, "delete default role", call(t, s, "DELETE", base+"/default-roles-r", tok, nil), 400,
			`{"errorMessage":"default-roles-r is default role of the realm and cannot be removed."}`)

		// Client roles live under the client.
		var clients []map[string]any
		call(t, s, "GET", "/admin/realms/r/clients?clientId=api", tok, nil).json(t, &clients)
		cbase := "/admin/realms/r/clients/" + clients[0]["id"].(string) + "/roles"
		expect(t, "client role", call(t, s, "POST", cbase, tok, map[string]any{"name": "read"}), 201, "")
		expect(t, "same name as a realm role is fine", call(t, s, "POST", cbase, tok, map[string]any{"name": "editor"}), 201, "")
		var croles []map[string]any
		call(t, s, "GET", cbase, tok, nil).json(t, &croles)
		if len(croles) != 2 || croles[0]["clientRole"] != true {
			t.Errorf("client roles = %v", croles)
		}

		// Users in a role; the users of default-roles-r include u1.
		var members []map[string]any
		call(t, s, "GET", base+"/default-roles-r/users", tok, nil).json(t, &members)
		if len(members) != 1 || members[0]["username"] != "u1" {
			t.Errorf("members = %v", members)
		}
		expect(t, "delete", call(t, s, "DELETE", base+"/editor", tok, nil), 204, "")
		expect(t, "deleted", call(t, s, "GET", base+"/editor", tok, nil), 404, "")
	})
}
