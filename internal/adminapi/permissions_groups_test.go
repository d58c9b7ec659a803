package adminapi_test

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// The group rows of the permission matrix (GroupPermissions with FGAP
// off): listing takes view-users, manage-users or query-groups; reading a
// group view-users or manage-users; changing it, its members and its role
// mappings manage-users; default groups view-realm / manage-realm.

var listGroups = hasAny("view-users", "manage-users", "query-groups")

func groupRows() []row {
	const rb = "/admin/realms/perm"
	group := func(suffix string) func(f *fixtures) string {
		return func(f *fixtures) string { return rb + "/groups/" + f.group + suffix }
	}
	userGroup := func(f *fixtures) string { return rb + "/users/" + f.user + "/groups/" + f.group }
	gm := func(suffix string) func(f *fixtures) string {
		return func(f *fixtures) string { return rb + "/groups/" + f.group + "/role-mappings" + suffix }
	}
	gcm := func(suffix string) func(f *fixtures) string {
		return func(f *fixtures) string {
			return rb + "/groups/" + f.group + "/role-mappings/clients/" + f.client + suffix
		}
	}
	realmRoleBody := func(f *fixtures) any { return []map[string]string{{"id": f.realmRoleID, "name": f.realmRole}} }
	clientRoleBody := func(f *fixtures) any { return []map[string]string{{"id": f.clientRole, "name": "cr"}} }
	const gr = "/admin/realms/{realm}/groups"
	return []row{
		{route: "GET " + gr, path: fixed(rb + "/groups"), allow: listGroups, ok: 200},
		{route: "POST " + gr, path: fixed(rb + "/groups"), allow: manageUsers, ok: 201,
			body: func(f *fixtures) any { return map[string]any{"name": f.unique} }},
		{route: "GET " + gr + "/count", path: fixed(rb + "/groups/count"), allow: listGroups, ok: 200},
		{route: "GET " + gr + "/{id}", path: group(""), allow: viewUsers, ok: 200},
		// Keycloak looks the group up before any permission check.
		{what: "GET unknown group", path: fixed(rb + "/groups/no-such-group"), allow: everyone, ok: 404},
		{route: "PUT " + gr + "/{id}", path: group(""), allow: manageUsers, ok: 204,
			body: func(f *fixtures) any {
				return map[string]any{"name": "g-" + strings.TrimPrefix(f.unique, "new-"), "description": "changed"}
			}},
		{route: "DELETE " + gr + "/{id}", allow: manageUsers, ok: 204,
			path: func(f *fixtures) string { return rb + "/groups/" + f.delGroup }},
		{route: "GET " + gr + "/{id}/children", path: group("/children"), allow: viewUsers, ok: 200},
		{route: "POST " + gr + "/{id}/children", path: group("/children"), allow: manageUsers, ok: 201,
			body: func(f *fixtures) any { return map[string]any{"name": f.unique} }},
		{route: "GET " + gr + "/{id}/members", path: group("/members"), allow: viewUsers, ok: 200},
		{route: "GET /admin/realms/{realm}/group-by-path/{path...}", allow: viewUsers, ok: 200,
			path: func(f *fixtures) string { return rb + "/group-by-path/g-" + strings.TrimPrefix(f.unique, "new-") }},

		{route: "GET " + gr + "/{id}/role-mappings", path: gm(""), allow: viewUsers, ok: 200},
		{route: "GET " + gr + "/{id}/role-mappings/realm", path: gm("/realm"), allow: viewUsers, ok: 200},
		{route: "GET " + gr + "/{id}/role-mappings/realm/composite", path: gm("/realm/composite"), allow: viewUsers, ok: 200},
		{route: "GET " + gr + "/{id}/role-mappings/realm/available", path: gm("/realm/available"), allow: viewUsers, ok: 200},
		{route: "POST " + gr + "/{id}/role-mappings/realm", path: gm("/realm"), allow: manageUsers, ok: 204, body: realmRoleBody},
		{route: "DELETE " + gr + "/{id}/role-mappings/realm", path: gm("/realm"), allow: manageUsers, ok: 204, body: realmRoleBody},
		{route: "GET " + gr + "/{id}/role-mappings/clients/{client}", path: gcm(""), allow: viewUsers, ok: 200},
		{route: "GET " + gr + "/{id}/role-mappings/clients/{client}/composite", path: gcm("/composite"), allow: viewUsers, ok: 200},
		{route: "GET " + gr + "/{id}/role-mappings/clients/{client}/available", path: gcm("/available"), allow: viewUsers, ok: 200},
		{route: "POST " + gr + "/{id}/role-mappings/clients/{client}", path: gcm(""), allow: manageUsers, ok: 204, body: clientRoleBody},
		{route: "DELETE " + gr + "/{id}/role-mappings/clients/{client}", path: gcm(""), allow: manageUsers, ok: 204, body: clientRoleBody},

		{route: "GET /admin/realms/{realm}/users/{id}/groups", allow: viewUsers, ok: 200,
			path: func(f *fixtures) string { return rb + "/users/" + f.user + "/groups" }},
		{route: "GET /admin/realms/{realm}/users/{id}/groups/count", allow: viewUsers, ok: 200,
			path: func(f *fixtures) string { return rb + "/users/" + f.user + "/groups/count" }},
		{route: "PUT /admin/realms/{realm}/users/{id}/groups/{groupId}", path: userGroup, allow: manageUsers, ok: 204},
		{route: "DELETE /admin/realms/{realm}/users/{id}/groups/{groupId}", path: userGroup, allow: manageUsers, ok: 204},

		{route: "GET /admin/realms/{realm}/default-groups", path: fixed(rb + "/default-groups"), allow: viewRealm, ok: 200},
		{route: "PUT /admin/realms/{realm}/default-groups/{groupId}", allow: manageRealm, ok: 204,
			path: func(f *fixtures) string { return rb + "/default-groups/" + f.group }},
		{route: "DELETE /admin/realms/{realm}/default-groups/{groupId}", allow: manageRealm, ok: 204,
			path: func(f *fixtures) string { return rb + "/default-groups/" + f.group }},
	}
}

// newGroupID creates a top-level group of "perm" through the API and
// returns its id.
func newGroupID(t *testing.T, s *testenv.Server, tok, name string) string {
	t.Helper()
	r := call(t, s, "POST", "/admin/realms/perm/groups", tok, map[string]any{"name": name})
	loc := r.header.Get("Location")
	if r.status != 201 || !strings.Contains(loc, "/groups/") {
		t.Fatalf("creating group %s: %d %s", name, r.status, r.body)
	}
	return loc[strings.LastIndex(loc, "/")+1:]
}
