package adminapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/adminapi"
	"github.com/latchkey/latchkey/internal/testenv"
)

// The permission matrix: every admin route x every kind of caller gives
// the status Keycloak 26 gives (RBAC, fine-grained permissions off), plus
// latchkey's create-users. Keycloak's checks are written here from its
// sources (services/.../admin/permissions, the admin resources), apart
// from the code under test: a new route without a row fails.

// row is one request per caller. allow is Keycloak's check on the
// caller's expanded realm-management roles; a permitted call answers ok.
type row struct {
	route string // the pattern in adminapi.Routes(); "" for an extra row
	what  string // for extra rows
	path  func(f *fixtures) string
	body  func(f *fixtures) any
	allow func(c callerKind) bool
	ok    int
	// other is the status for an admin of another realm (403 unless set).
	other int
}

func hasAny(roles ...string) func(c callerKind) bool {
	return func(c callerKind) bool {
		for _, r := range roles {
			if c.roles[r] {
				return true
			}
		}
		return false
	}
}

func both(a, b func(callerKind) bool) func(callerKind) bool {
	return func(c callerKind) bool { return a(c) && b(c) }
}

// Keycloak's checks (UserPermissions, ClientPermissions, RealmPermissions,
// RolePermissions).
var (
	anyAdmin      = hasAny(kcAdminRoles...) // MgmtPermissions.hasAnyAdminRole; not create-users
	queryUsers    = hasAny("query-users", "view-users", "manage-users")
	viewUsers     = hasAny("view-users", "manage-users")
	manageUsers   = hasAny("manage-users")
	createUsers   = hasAny("manage-users", "create-users")
	listClients   = hasAny("query-clients", "view-clients", "manage-clients", "query-users")
	viewClients   = hasAny("view-clients", "manage-clients")
	manageClients = hasAny("manage-clients")
	viewRealm     = hasAny("view-realm", "manage-realm")
	manageRealm   = hasAny("manage-realm")
	masterOnly    = func(c callerKind) bool { return c.name == "master-admin" }
	everyone      = func(callerKind) bool { return true }
)

func fixed(p string) func(*fixtures) string { return func(*fixtures) string { return p } }

func matrixRows() []row {
	const rb = "/admin/realms/perm"
	users := func(suffix string) func(f *fixtures) string {
		return func(f *fixtures) string { return rb + "/users/" + f.user + suffix }
	}
	clientPath := func(suffix string) func(f *fixtures) string {
		return func(f *fixtures) string { return rb + "/clients/" + f.client + suffix }
	}
	realmRoleBody := func(f *fixtures) any { return []map[string]string{{"id": f.realmRoleID, "name": f.realmRole}} }
	clientRoleBody := func(f *fixtures) any { return []map[string]string{{"id": f.clientRole, "name": "cr"}} }
	rows := []row{
		{route: "OPTIONS /admin/", path: fixed(rb + "/users"), allow: everyone, ok: 200, other: 200},
		{route: "GET /admin/realms", path: fixed("/admin/realms"), allow: anyAdmin, ok: 200, other: 200},
		{route: "POST /admin/realms", path: fixed("/admin/realms"), allow: masterOnly, ok: 201,
			body: func(f *fixtures) any { return map[string]any{"realm": f.unique, "enabled": true} }},
		{route: "GET /admin/realms/{realm}", path: fixed(rb), allow: anyAdmin, ok: 200},
		{route: "PUT /admin/realms/{realm}", path: fixed(rb), allow: manageRealm, ok: 204,
			body: func(*fixtures) any { return map[string]any{"displayName": "Permissions"} }},
		// The realm deleted is one of the caller's own when it may.
		{route: "DELETE /admin/realms/{realm}", path: func(f *fixtures) string { return "/admin/realms/" + f.doomed },
			allow: manageRealm, ok: 204},

		{route: "POST /admin/realms/{realm}/users", path: fixed(rb + "/users"), allow: createUsers, ok: 201,
			body: func(f *fixtures) any {
				return map[string]any{"username": f.unique, "enabled": true,
					"credentials": []map[string]any{{"type": "password", "value": "S3cret!pass"}}}
			}},
		{route: "GET /admin/realms/{realm}/users", path: fixed(rb + "/users"), allow: queryUsers, ok: 200},
		{route: "GET /admin/realms/{realm}/users/count", path: fixed(rb + "/users/count"), allow: queryUsers, ok: 200},
		{route: "GET /admin/realms/{realm}/users/{id}", path: users(""), allow: viewUsers, ok: 200},
		{what: "GET unknown user", path: fixed(rb + "/users/no-such-user"), allow: queryUsers, ok: 404},
		{route: "PUT /admin/realms/{realm}/users/{id}", path: users(""), allow: manageUsers, ok: 204,
			body: func(*fixtures) any { return map[string]any{"firstName": "Changed"} }},
		{route: "DELETE /admin/realms/{realm}/users/{id}", allow: manageUsers, ok: 204,
			path: func(f *fixtures) string { return rb + "/users/" + f.delUser }},
		{route: "GET /admin/realms/{realm}/users/{id}/credentials", path: users("/credentials"), allow: viewUsers, ok: 200},
		{route: "DELETE /admin/realms/{realm}/users/{id}/credentials/{credId}", allow: manageUsers, ok: 204,
			path: func(f *fixtures) string { return rb + "/users/" + f.user + "/credentials/" + f.cred }},
		{route: "PUT /admin/realms/{realm}/users/{id}/reset-password", path: users("/reset-password"), allow: manageUsers, ok: 204,
			body: func(*fixtures) any {
				return map[string]any{"type": "password", "value": "Another!pass", "temporary": false}
			}},
		// The mail goes to the outbox (start-dev delivers it to a file).
		{route: "PUT /admin/realms/{realm}/users/{id}/send-verify-email", path: users("/send-verify-email"), allow: manageUsers, ok: 204},
		{route: "PUT /admin/realms/{realm}/users/{id}/execute-actions-email", path: users("/execute-actions-email"),
			allow: manageUsers, ok: 204, body: func(*fixtures) any { return []string{"UPDATE_PASSWORD"} }},

		{route: "GET /admin/realms/{realm}/users/{id}/role-mappings", path: users("/role-mappings"), allow: viewUsers, ok: 200},
		{route: "GET /admin/realms/{realm}/users/{id}/role-mappings/realm", path: users("/role-mappings/realm"), allow: viewUsers, ok: 200},
		{route: "GET /admin/realms/{realm}/users/{id}/role-mappings/realm/composite", path: users("/role-mappings/realm/composite"), allow: viewUsers, ok: 200},
		{route: "GET /admin/realms/{realm}/users/{id}/role-mappings/realm/available", path: users("/role-mappings/realm/available"), allow: viewUsers, ok: 200},
		{route: "POST /admin/realms/{realm}/users/{id}/role-mappings/realm", path: users("/role-mappings/realm"), allow: manageUsers, ok: 204, body: realmRoleBody},
		{route: "DELETE /admin/realms/{realm}/users/{id}/role-mappings/realm", path: users("/role-mappings/realm"), allow: manageUsers, ok: 204, body: realmRoleBody},
		{route: "GET /admin/realms/{realm}/users/{id}/role-mappings/clients/{client}", path: userClientMappings(""), allow: viewUsers, ok: 200},
		{route: "GET /admin/realms/{realm}/users/{id}/role-mappings/clients/{client}/composite", path: userClientMappings("/composite"), allow: viewUsers, ok: 200},
		{route: "GET /admin/realms/{realm}/users/{id}/role-mappings/clients/{client}/available", path: userClientMappings("/available"), allow: viewUsers, ok: 200},
		{route: "POST /admin/realms/{realm}/users/{id}/role-mappings/clients/{client}", path: userClientMappings(""), allow: manageUsers, ok: 204, body: clientRoleBody},
		{route: "DELETE /admin/realms/{realm}/users/{id}/role-mappings/clients/{client}", path: userClientMappings(""), allow: manageUsers, ok: 204, body: clientRoleBody},

		{route: "GET /admin/realms/{realm}/clients", path: fixed(rb + "/clients"), allow: listClients, ok: 200},
		{route: "POST /admin/realms/{realm}/clients", path: fixed(rb + "/clients"), allow: manageClients, ok: 201,
			body: func(f *fixtures) any { return map[string]any{"clientId": f.unique} }},
		{route: "GET /admin/realms/{realm}/clients/{id}", path: clientPath(""), allow: viewClients, ok: 200},
		{what: "GET unknown client", path: fixed(rb + "/clients/no-such-client"), allow: listClients, ok: 404},
		{route: "PUT /admin/realms/{realm}/clients/{id}", path: clientPath(""), allow: manageClients, ok: 204,
			body: func(*fixtures) any { return map[string]any{"description": "changed"} }},
		{route: "DELETE /admin/realms/{realm}/clients/{id}", allow: manageClients, ok: 204,
			path: func(f *fixtures) string { return rb + "/clients/" + f.delClient }},
		// manage-clients since Keycloak 26.8 (#49220).
		{route: "GET /admin/realms/{realm}/clients/{id}/client-secret", path: clientPath("/client-secret"), allow: manageClients, ok: 200},
		{route: "POST /admin/realms/{realm}/clients/{id}/client-secret", path: clientPath("/client-secret"), allow: manageClients, ok: 200},
		{route: "GET /admin/realms/{realm}/clients/{id}/service-account-user", path: clientPath("/service-account-user"), allow: viewClients, ok: 200},
	}
	rows = append(rows, groupRows()...)
	rows = append(rows, roleRows("/admin/realms/{realm}/roles", func(f *fixtures) string { return rb + "/roles" },
		viewRealm, manageRealm,
		func(f *fixtures) (string, string, string, string) {
			return f.realmRole, f.delRole, f.roleName, f.realmRoleID
		})...)
	rows = append(rows, roleRows("/admin/realms/{realm}/clients/{id}/roles", clientPath("/roles"),
		viewClients, manageClients,
		func(f *fixtures) (string, string, string, string) { return "cr", "crdel", "crcomp", f.clientRole })...)
	byID := func(suffix string, id func(f *fixtures) string) func(f *fixtures) string {
		return func(f *fixtures) string { return rb + "/roles-by-id/" + id(f) + suffix }
	}
	comp := func(f *fixtures) string { return f.roleID }
	// An admin role goes into a composite only from a caller who may
	// manage its client and grant it (RolePermissions.canMapComposite),
	// and a client role only from one who may manage clients.
	rows = append(rows,
		row{what: "POST an admin role into a realm role's composites", path: byID("/composites", comp), ok: 204,
			allow: func(c callerKind) bool { return manageRealm(c) && manageClients(c) && manageUsers(c) },
			body:  func(f *fixtures) any { return []map[string]string{{"id": f.manageUsers}} }},
		row{what: "POST a client role into a realm role's composites", path: byID("/composites", comp), ok: 204,
			allow: both(manageRealm, manageClients), body: clientRoleBody})
	rows = append(rows,
		row{route: "GET /admin/realms/{realm}/roles-by-id/{id}", path: byID("", comp), allow: viewRealm, ok: 200},
		row{route: "PUT /admin/realms/{realm}/roles-by-id/{id}", path: byID("", comp), allow: manageRealm, ok: 204,
			body: func(f *fixtures) any { return map[string]any{"name": f.roleName, "description": "changed"} }},
		row{route: "DELETE /admin/realms/{realm}/roles-by-id/{id}", allow: manageRealm, ok: 204,
			path: byID("", func(f *fixtures) string { return f.delRoleID })},
		row{route: "GET /admin/realms/{realm}/roles-by-id/{id}/composites", path: byID("/composites", comp), allow: viewRealm, ok: 200},
		row{route: "POST /admin/realms/{realm}/roles-by-id/{id}/composites", path: byID("/composites", comp), allow: manageRealm, ok: 204, body: realmRoleBody},
		row{route: "DELETE /admin/realms/{realm}/roles-by-id/{id}/composites", path: byID("/composites", comp), allow: manageRealm, ok: 204, body: realmRoleBody},
	)
	// Last: they hold logout-all, after which the caller's token is stale.
	rows = append(rows, partialRows()...)
	rows = append(rows, bruteForceRows()...)
	return append(rows, extraRows()...)
}

func userClientMappings(suffix string) func(f *fixtures) string {
	return func(f *fixtures) string {
		return "/admin/realms/perm/users/" + f.user + "/role-mappings/clients/" + f.client + suffix
	}
}

// roleRows are the rows of one role container (RoleContainerResource):
// listing takes any admin role; reading the container's view right;
// changing its manage right; the users in a role also query-users.
func roleRows(prefix string, base func(*fixtures) string, view, manage func(callerKind) bool,
	names func(f *fixtures) (role, del, comp, childID string)) []row {
	at := func(pick func(role, del, comp string) string, suffix string) func(f *fixtures) string {
		return func(f *fixtures) string {
			r, d, c, _ := names(f)
			return base(f) + "/" + pick(r, d, c) + suffix
		}
	}
	role := func(r, _, _ string) string { return r }
	comp := func(_, _, c string) string { return c }
	child := func(f *fixtures) any {
		r, _, _, id := names(f)
		return []map[string]string{{"id": id, "name": r}}
	}
	return []row{
		{route: "GET " + prefix, path: base, allow: anyAdmin, ok: 200},
		{route: "POST " + prefix, path: base, allow: manage, ok: 201,
			body: func(f *fixtures) any { return map[string]any{"name": f.unique} }},
		{route: "GET " + prefix + "/{role}", path: at(role, ""), allow: view, ok: 200},
		{what: "GET unknown role under " + prefix, path: at(func(string, string, string) string { return "no-such-role" }, ""),
			allow: view, ok: 404},
		{route: "PUT " + prefix + "/{role}", path: at(role, ""), allow: manage, ok: 204,
			body: func(f *fixtures) any {
				r, _, _, _ := names(f)
				return map[string]any{"name": r, "description": "changed"}
			}},
		{route: "DELETE " + prefix + "/{role}", path: at(func(_, d, _ string) string { return d }, ""), allow: manage, ok: 204},
		{route: "GET " + prefix + "/{role}/composites", path: at(comp, "/composites"), allow: view, ok: 200},
		{route: "POST " + prefix + "/{role}/composites", path: at(comp, "/composites"), allow: manage, ok: 204, body: child},
		{route: "DELETE " + prefix + "/{role}/composites", path: at(comp, "/composites"), allow: manage, ok: 204, body: child},
		{route: "GET " + prefix + "/{role}/composites/realm", path: at(comp, "/composites/realm"), allow: view, ok: 200},
		{route: "GET " + prefix + "/{role}/composites/clients/{client}", allow: view, ok: 200,
			path: func(f *fixtures) string { return at(comp, "/composites/clients/")(f) + f.client }},
		{route: "GET " + prefix + "/{role}/users", path: at(role, "/users"), allow: both(view, queryUsers), ok: 200},
		{route: "GET " + prefix + "/{role}/groups", path: at(role, "/groups"), allow: view, ok: 200},
	}
}

func TestPermissionMatrix(t *testing.T) {
	rows := matrixRows()
	// Every route has a row, and every row a route.
	var covered []string
	for _, r := range rows {
		if r.route != "" {
			covered = append(covered, r.route)
		}
	}
	for _, p := range adminapi.Routes() {
		if !slices.Contains(covered, p) {
			t.Errorf("route %q has no row in the permission matrix", p)
		}
	}
	for _, c := range covered {
		if !slices.Contains(adminapi.Routes(), c) {
			t.Errorf("row %q matches no route", c)
		}
	}
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		m := newMatrix(t, s)
		cells := 0
		for _, k := range m.kinds {
			f := m.fixtures[k.name]
			if k.role != "" {
				// A fresh token: an earlier caller's logout-all set the
				// realm's notBefore.
				f.token = serviceToken(t, s, "perm", saClient(k.name), saSecret)
			}
			for _, r := range rows {
				want := r.ok
				switch {
				case r.route == "OPTIONS /admin/":
				case k.name == "no-token":
					want = 401
				case k.name == "other-realm":
					want = cmp(r.other, 403)
				case !r.allow(k):
					want = 403
				}
				method, what := methodOf(r), cmpStr(r.route, r.what)
				path, tok := r.path(f), f.token
				if r.route == "DELETE /admin/realms/{realm}" && f.doomedToken != "" {
					tok = f.doomedToken
				}
				var body any
				if r.body != nil {
					body = r.body(f)
				}
				resp := m.do(method, path, tok, body)
				cells++
				label := fmt.Sprintf("%s as %s (%s)", what, k.name, path)
				switch want {
				case 401:
					expect(t, label, resp, 401, body401)
				case 403:
					expect(t, label, resp, 403, body403)
				default:
					expect(t, label, resp, want, "")
				}
			}
		}
		t.Logf("%d routes, %d rows, %d callers: %d cells", len(adminapi.Routes()), len(rows), len(m.kinds), cells)
	})
}

func cmp(v, def int) int {
	if v != 0 {
		return v
	}
	return def
}

func cmpStr(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

func methodOf(r row) string {
	m, _, _ := strings.Cut(cmpStr(r.route, r.what), " ")
	return m
}
