package adminapi_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/Nerzal/gocloak/v13"

	"github.com/latchkey/latchkey/internal/testenv"
)

// Groups driven by gocloak: a tree, members, role mappings on a parent
// group reaching a member's token, default groups reaching a
// self-registered user, and an admin role given through a group.

type tokenRoles struct {
	RealmAccess    struct{ Roles []string }            `json:"realm_access"`
	ResourceAccess map[string]struct{ Roles []string } `json:"resource_access"`
}

// userRoles signs the user in with the password grant (admin-cli of the
// realm) and decodes the access token's roles.
func userRoles(t *testing.T, s *testenv.Server, realm, user, pass string) tokenRoles {
	t.Helper()
	tok := token(t, s, realm, "admin-cli", user, pass)
	parts := strings.Split(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var out tokenRoles
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func groupNamesOf(gs []*gocloak.Group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, gocloak.PString(g.Name))
	}
	return out
}

func TestGocloakGroups(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		g := newGC(t, s, "teams")
		ctx, c, admin, realm := g.ctx, g.c, g.admin, g.realm

		// Roles: a realm role for the parent group, a client role for the
		// grandchild.
		_, err := c.CreateRealmRole(ctx, admin, realm, gocloak.Role{Name: gocloak.StringP("reader")})
		g.ok("CreateRealmRole", err)
		appID, err := c.CreateClient(ctx, admin, realm, gocloak.Client{ClientID: gocloak.StringP("app")})
		g.ok("CreateClient app", err)
		_, err = c.CreateClientRole(ctx, admin, realm, appID, gocloak.Role{Name: gocloak.StringP("editor")})
		g.ok("CreateClientRole", err)

		// The tree: /staff/engineers/backend.
		staff, err := c.CreateGroup(ctx, admin, realm, gocloak.Group{Name: gocloak.StringP("staff"),
			Attributes: &map[string][]string{"site": {"paris"}}})
		g.ok("CreateGroup", err)
		engineers, err := c.CreateChildGroup(ctx, admin, realm, staff, gocloak.Group{Name: gocloak.StringP("engineers")})
		g.ok("CreateChildGroup", err)
		backend, err := c.CreateChildGroup(ctx, admin, realm, engineers, gocloak.Group{Name: gocloak.StringP("backend")})
		g.ok("CreateChildGroup backend", err)
		if len(staff) != 36 || len(engineers) != 36 || len(backend) != 36 {
			t.Fatalf("group ids from Location: %q %q %q", staff, engineers, backend)
		}
		_, err = c.CreateGroup(ctx, admin, realm, gocloak.Group{Name: gocloak.StringP("staff")})
		g.status("CreateGroup duplicate", err, 409)
		_, err = c.CreateChildGroup(ctx, admin, realm, staff, gocloak.Group{Name: gocloak.StringP("engineers")})
		g.status("CreateChildGroup duplicate", err, 409)
		_, err = c.CreateGroup(ctx, admin, realm, gocloak.Group{Name: gocloak.StringP("other")})
		g.ok("CreateGroup other", err)

		top, err := c.GetGroups(ctx, admin, realm, gocloak.GetGroupsParams{})
		g.ok("GetGroups", err)
		if got := groupNamesOf(top); !slices.Equal(got, []string{"other", "staff"}) {
			t.Errorf("GetGroups = %v", got)
		}
		found, err := c.GetGroups(ctx, admin, realm, gocloak.GetGroupsParams{Search: gocloak.StringP("BACK")})
		g.ok("GetGroups search", err)
		if len(found) != 1 || *found[0].Name != "staff" || len(*found[0].SubGroups) != 1 ||
			*(*found[0].SubGroups)[0].Name != "engineers" || *(*(*found[0].SubGroups)[0].SubGroups)[0].Path != "/staff/engineers/backend" {
			t.Errorf("GetGroups search = %s", mustJSON(found))
		}
		n, err := c.GetGroupsCount(ctx, admin, realm, gocloak.GetGroupsParams{})
		g.ok("GetGroupsCount", err)
		if n != 4 {
			t.Errorf("GetGroupsCount = %d, want 4", n)
		}
		eng, err := c.GetGroup(ctx, admin, realm, engineers)
		g.ok("GetGroup", err)
		if *eng.Path != "/staff/engineers" || (*eng.Access)["manage"] != true {
			t.Errorf("GetGroup = %s", mustJSON(eng))
		}
		byPath, err := c.GetGroupByPath(ctx, admin, realm, "/staff/engineers/backend")
		g.ok("GetGroupByPath", err)
		if *byPath.ID != backend {
			t.Errorf("GetGroupByPath = %s", mustJSON(byPath))
		}
		eng.Attributes = &map[string][]string{"floor": {"2"}}
		g.ok("UpdateGroup", c.UpdateGroup(ctx, admin, realm, *eng))
		eng, err = c.GetGroup(ctx, admin, realm, engineers)
		g.ok("GetGroup after update", err)
		if (*eng.Attributes)["floor"][0] != "2" {
			t.Errorf("attributes after update: %s", mustJSON(eng))
		}

		// Role mappings on the parent and the grandchild.
		reader, err := c.GetRealmRole(ctx, admin, realm, "reader")
		g.ok("GetRealmRole", err)
		g.ok("AddRealmRoleToGroup", c.AddRealmRoleToGroup(ctx, admin, realm, staff, []gocloak.Role{*reader}))
		editor, err := c.GetClientRole(ctx, admin, realm, appID, "editor")
		g.ok("GetClientRole", err)
		g.ok("AddClientRolesToGroup", c.AddClientRolesToGroup(ctx, admin, realm, appID, backend, []gocloak.Role{*editor}))
		direct, err := c.GetRealmRolesByGroupID(ctx, admin, realm, backend)
		g.ok("GetRealmRolesByGroupID", err)
		if len(direct) != 0 {
			t.Errorf("backend's direct realm roles: %d", len(direct))
		}
		composite, err := c.GetCompositeRealmRolesByGroupID(ctx, admin, realm, backend)
		g.ok("GetCompositeRealmRolesByGroupID", err)
		if !slices.ContainsFunc(composite, func(r *gocloak.Role) bool { return *r.Name == "reader" }) {
			t.Errorf("backend's effective realm roles lack the parent's reader")
		}

		// A member of the grandchild.
		uid, err := g.newUser(admin, "ada")
		g.ok("CreateUser", err)
		g.ok("AddUserToGroup", c.AddUserToGroup(ctx, admin, realm, uid, backend))
		g.ok("AddUserToGroup again", c.AddUserToGroup(ctx, admin, realm, uid, backend))
		members, err := c.GetGroupMembers(ctx, admin, realm, backend, gocloak.GetGroupsParams{})
		g.ok("GetGroupMembers", err)
		if len(members) != 1 || *members[0].ID != uid {
			t.Errorf("GetGroupMembers: %d members", len(members))
		}
		ug, err := c.GetUserGroups(ctx, admin, realm, uid, gocloak.GetGroupsParams{})
		g.ok("GetUserGroups", err)
		if len(ug) != 1 || *ug[0].Path != "/staff/engineers/backend" {
			t.Errorf("GetUserGroups = %s", mustJSON(ug))
		}
		eff, err := c.GetCompositeRealmRolesByUserID(ctx, admin, realm, uid)
		g.ok("GetCompositeRealmRolesByUserID", err)
		if !slices.ContainsFunc(eff, func(r *gocloak.Role) bool { return *r.Name == "reader" }) {
			t.Errorf("the user's composite view lacks the group's reader")
		}

		roles := userRoles(t, s, realm, "ada", "S3cret!pass")
		if !slices.Contains(roles.RealmAccess.Roles, "reader") {
			t.Errorf("token realm_access = %v, want reader from /staff", roles.RealmAccess.Roles)
		}
		if !slices.Contains(roles.ResourceAccess["app"].Roles, "editor") {
			t.Errorf("token resource_access = %v, want app.editor from /staff/engineers/backend", roles.ResourceAccess)
		}

		g.ok("DeleteUserFromGroup", c.DeleteUserFromGroup(ctx, admin, realm, uid, backend))
		roles = userRoles(t, s, realm, "ada", "S3cret!pass")
		if slices.Contains(roles.RealmAccess.Roles, "reader") || len(roles.ResourceAccess["app"].Roles) != 0 {
			t.Errorf("roles after leaving the group: %+v", roles)
		}

		g.ok("DeleteGroup", c.DeleteGroup(ctx, admin, realm, staff))
		_, err = c.GetGroup(ctx, admin, realm, backend)
		g.status("GetGroup of a deleted group's grandchild", err, 404)
		n, err = c.GetGroupsCount(ctx, admin, realm, gocloak.GetGroupsParams{})
		g.ok("GetGroupsCount after delete", err)
		if n != 1 {
			t.Errorf("GetGroupsCount after delete = %d, want 1", n)
		}
	})
}

// An admin role mapped to a group reaches a service account in it: its
// token carries manage-users and the admin API lets it create users.
func TestGocloakAdminRoleThroughGroup(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		g := newGC(t, s, "ops")
		ctx, c, admin, realm := g.ctx, g.c, g.admin, g.realm
		tok := g.backend("robot")
		_, err := g.newUser(tok, "before")
		g.status("CreateUser before joining", err, 403)

		gid, err := c.CreateGroup(ctx, admin, realm, gocloak.Group{Name: gocloak.StringP("admins")})
		g.ok("CreateGroup", err)
		rm := g.realmManagement()
		mu, err := c.GetClientRole(ctx, admin, realm, rm, "manage-users")
		g.ok("GetClientRole", err)
		g.ok("AddClientRolesToGroup", c.AddClientRolesToGroup(ctx, admin, realm, rm, gid, []gocloak.Role{*mu}))
		cs, err := c.GetClients(ctx, admin, realm, gocloak.GetClientsParams{ClientID: gocloak.StringP("robot")})
		g.ok("GetClients", err)
		sa, err := c.GetClientServiceAccount(ctx, admin, realm, *cs[0].ID)
		g.ok("GetClientServiceAccount", err)
		g.ok("AddUserToGroup", c.AddUserToGroup(ctx, admin, realm, *sa.ID, gid))

		secret, err := c.GetClientSecret(ctx, admin, realm, *cs[0].ID)
		g.ok("GetClientSecret", err)
		jwt, err := c.LoginClient(ctx, "robot", *secret.Value, realm)
		g.ok("LoginClient", err)
		_, err = g.newUser(jwt.AccessToken, "after")
		g.ok("CreateUser with manage-users through a group", err)
	})
}

// Default groups are given to a user who registers through the JSON
// registration endpoint.
func TestDefaultGroupsOnRegistration(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		g := newGC(t, s, "signup")
		ctx, c, admin, realm := g.ctx, g.c, g.admin, g.realm
		expect(t, "enable registration", call(t, s, "PUT", "/admin/realms/"+realm, admin,
			map[string]any{"registrationAllowed": true}), 204, "")
		gid, err := c.CreateGroup(ctx, admin, realm, gocloak.Group{Name: gocloak.StringP("customers")})
		g.ok("CreateGroup", err)
		_, err = c.CreateRealmRole(ctx, admin, realm, gocloak.Role{Name: gocloak.StringP("customer")})
		g.ok("CreateRealmRole", err)
		role, err := c.GetRealmRole(ctx, admin, realm, "customer")
		g.ok("GetRealmRole", err)
		g.ok("AddRealmRoleToGroup", c.AddRealmRoleToGroup(ctx, admin, realm, gid, []gocloak.Role{*role}))
		g.ok("AddDefaultGroup", c.AddDefaultGroup(ctx, admin, realm, gid))
		defs, err := c.GetDefaultGroups(ctx, admin, realm)
		g.ok("GetDefaultGroups", err)
		if len(defs) != 1 || *defs[0].Path != "/customers" {
			t.Errorf("GetDefaultGroups = %s", mustJSON(defs))
		}

		body := `{"username":"mia","email":"mia@example.com","firstName":"Mia","lastName":"Doe","password":"S3cret!pass"}`
		resp, err := http.Post(s.URL+"/realms/"+realm+"/protocol/openid-connect/registrations", "application/json",
			strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("registration: %d", resp.StatusCode)
		}
		users, err := c.GetUsers(ctx, admin, realm, gocloak.GetUsersParams{Username: gocloak.StringP("mia"), Exact: gocloak.BoolP(true)})
		g.ok("GetUsers", err)
		if len(users) != 1 {
			t.Fatalf("registered user not found")
		}
		ug, err := c.GetUserGroups(ctx, admin, realm, *users[0].ID, gocloak.GetGroupsParams{})
		g.ok("GetUserGroups", err)
		if got := groupNamesOf(ug); !slices.Equal(got, []string{"customers"}) {
			t.Errorf("registered user's groups = %v", got)
		}
		roles := userRoles(t, s, realm, "mia", "S3cret!pass")
		if !slices.Contains(roles.RealmAccess.Roles, "customer") {
			t.Errorf("registered user's token realm_access = %v", roles.RealmAccess.Roles)
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
