package adminapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

func TestUserRoleMappings(t *testing.T) {
	s := testenv.NewServer(t)
	sh := newShop(t, s)
	id := sh.create(t, sh.manager, map[string]any{"username": "mapped", "enabled": true})
	base := sh.base + "/" + id + "/role-mappings"
	role := func(path, name string) map[string]any {
		var roles []map[string]any
		call(t, s, "GET", path, sh.boss, nil).json(t, &roles)
		for _, r := range roles {
			if r["name"] == name {
				return map[string]any{"id": r["id"], "name": name}
			}
		}
		t.Fatalf("no role %s in %s", name, path)
		return nil
	}
	names := func(path, tok string) string {
		t.Helper()
		var roles []map[string]any
		r := call(t, s, "GET", path, tok, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		r.json(t, &roles)
		var out []string
		for _, r := range roles {
			out = append(out, r["name"].(string))
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	vip := role(base+"/realm/available", "vip")

	expect(t, "viewer maps", call(t, s, "POST", base+"/realm", sh.viewer, []any{vip}), 403, body403)
	expect(t, "creator maps", call(t, s, "POST", base+"/realm", sh.creator, []any{vip}), 403, body403)
	expect(t, "wrong id", call(t, s, "POST", base+"/realm", sh.manager, []any{map[string]any{"id": "x", "name": "vip"}}), 404,
		`{"error":"Role not found",`+hint+`}`)
	expect(t, "unknown role", call(t, s, "POST", base+"/realm", sh.manager, []any{map[string]any{"id": vip["id"], "name": "nope"}}), 404, "")
	expect(t, "grant", call(t, s, "POST", base+"/realm", sh.manager, []any{vip}), 204, "")
	if got := names(base+"/realm", sh.viewer); got != "default-roles-shop vip" {
		t.Errorf("realm mappings = %q", got)
	}
	if got := names(base+"/realm/composite", sh.viewer); got != "default-roles-shop offline_access uma_authorization vip" {
		t.Errorf("effective realm roles = %q", got)
	}
	if got := names(base+"/realm/available", sh.manager); strings.Contains(got, "vip") || !strings.Contains(got, "shopper") {
		t.Errorf("available = %q", got)
	}
	if got := names(base+"/realm/available", sh.viewer); got != "" {
		t.Errorf("available to a viewer = %q (only what it may map)", got)
	}

	// Client roles, by the client's internal id.
	var clients []map[string]any
	call(t, s, "GET", "/admin/realms/shop/clients?clientId=app", sh.boss, nil).json(t, &clients)
	app := clients[0]["id"].(string)
	clients = nil
	call(t, s, "GET", "/admin/realms/shop/clients?clientId=realm-management", sh.boss, nil).json(t, &clients)
	rm := clients[0]["id"].(string)
	reader := role(base+"/clients/"+app+"/available", "reader")
	expect(t, "unknown client", call(t, s, "GET", base+"/clients/nope", sh.viewer, nil), 404, `{"error":"Client not found",`+hint+`}`)
	expect(t, "client by clientId", call(t, s, "GET", base+"/clients/app", sh.viewer, nil), 404, "")
	expect(t, "grant client role", call(t, s, "POST", base+"/clients/"+app, sh.manager, []any{reader}), 204, "")
	if got := names(base+"/clients/"+app, sh.viewer); got != "reader" {
		t.Errorf("client mappings = %q", got)
	}
	if got := names(base+"/clients/"+app+"/composite", sh.viewer); got != "reader" {
		t.Errorf("effective client roles = %q", got)
	}
	var all struct {
		RealmMappings  []map[string]any
		ClientMappings map[string]struct {
			ID, Client string
			Mappings   []map[string]any
		}
	}
	call(t, s, "GET", base, sh.viewer, nil).json(t, &all)
	if len(all.RealmMappings) != 2 || all.ClientMappings["app"].ID != app || len(all.ClientMappings["app"].Mappings) != 1 {
		t.Errorf("role-mappings = %+v", all)
	}

	// Admin roles: granted only with the matching capability.
	realmAdmin := role(base+"/clients/"+rm+"/available", "realm-admin")
	manageClients := role(base+"/clients/"+rm+"/available", "manage-clients")
	queryClients := role(base+"/clients/"+rm+"/available", "query-clients")
	viewUsers := role(base+"/clients/"+rm+"/available", "view-users")
	expect(t, "manage-users grants realm-admin", call(t, s, "POST", base+"/clients/"+rm, sh.mu, []any{realmAdmin}), 403, body403)
	expect(t, "manage-users grants manage-clients", call(t, s, "POST", base+"/clients/"+rm, sh.mu, []any{manageClients}), 403, body403)
	expect(t, "all or nothing", call(t, s, "POST", base+"/clients/"+rm, sh.mu, []any{queryClients, manageClients}), 403, body403)
	if got := names(base+"/clients/"+rm, sh.viewer); got != "" {
		t.Errorf("a refused grant mapped %q", got)
	}
	expect(t, "manage-users grants query-clients", call(t, s, "POST", base+"/clients/"+rm, sh.mu, []any{queryClients}), 204, "")
	expect(t, "manage-users grants view-users", call(t, s, "POST", base+"/clients/"+rm, sh.mu, []any{viewUsers}), 204, "")
	if got := names(base+"/clients/"+rm+"/available", sh.mu); strings.Contains(got, "realm-admin") || strings.Contains(got, "manage-clients") {
		t.Errorf("available to manage-users = %q", got)
	}
	// Keycloak's RolePermissions.checkAdminRoles: a caller may grant an admin
	// role it holds itself, so the realm's own realm-admin may grant it.
	expect(t, "realm-admin grants realm-admin", call(t, s, "POST", base+"/clients/"+rm, sh.boss, []any{realmAdmin}), 204, "")
	expect(t, "manage-users revokes realm-admin", call(t, s, "DELETE", base+"/clients/"+rm, sh.mu, []any{realmAdmin}), 403, body403)
	expect(t, "master admin revokes realm-admin", call(t, s, "DELETE", base+"/clients/"+rm, sh.master, []any{realmAdmin}), 204, "")

	// DELETE with a list, then without a body (every realm mapping).
	expect(t, "revoke", call(t, s, "DELETE", base+"/realm", sh.manager, []any{vip}), 204, "")
	if got := names(base+"/realm", sh.viewer); got != "default-roles-shop" {
		t.Errorf("after revoke = %q", got)
	}
	expect(t, "revoke all", call(t, s, "DELETE", base+"/realm", sh.manager, nil), 204, "")
	if got := names(base+"/realm", sh.viewer); got != "" {
		t.Errorf("after revoke all = %q", got)
	}
	expect(t, "unknown user", call(t, s, "GET", sh.base+"/nope/role-mappings/realm", sh.viewer, nil), 404, "")
	expect(t, "unknown user, creator", call(t, s, "GET", sh.base+"/nope/role-mappings/realm", sh.creator, nil), 403, body403)
}
