package adminapi_test

import (
	"slices"
	"testing"

	"github.com/Nerzal/gocloak/v13"

	"github.com/latchkey/latchkey/internal/testenv"
)

func roleNames(rs []*gocloak.Role) []string {
	var out []string
	for _, r := range rs {
		out = append(out, *r.Name)
	}
	slices.Sort(out)
	return out
}

// Realms and clients through gocloak, as the master admin.
func TestGocloakRealmsAndClients(t *testing.T) {
	s := testenv.NewServer(t)
	g := newGC(t, s, "acme")

	rs, err := g.c.GetRealms(g.ctx, g.admin)
	g.ok("GetRealms", err)
	var names []string
	for _, r := range rs {
		names = append(names, *r.Realm)
	}
	if slices.Sort(names); !slices.Equal(names, []string{"acme", "master"}) {
		t.Errorf("GetRealms = %v", names)
	}
	r, err := g.c.GetRealm(g.ctx, g.admin, "acme")
	g.ok("GetRealm", err)
	if *r.Realm != "acme" || !*r.Enabled || *r.PasswordPolicy != "length(8)" || r.ID == nil {
		t.Errorf("GetRealm: %+v", r)
	}
	r.DisplayName = gocloak.StringP("ACME Corp")
	r.RegistrationAllowed = gocloak.BoolP(true)
	g.ok("UpdateRealm", g.c.UpdateRealm(g.ctx, g.admin, *r))
	r, err = g.c.GetRealm(g.ctx, g.admin, "acme")
	g.ok("GetRealm after update", err)
	if *r.DisplayName != "ACME Corp" || !*r.RegistrationAllowed || *r.PasswordPolicy != "length(8)" {
		t.Errorf("GetRealm after update: %+v", r)
	}
	bad := gocloak.RealmRepresentation{Realm: gocloak.StringP("acme"), PasswordPolicy: gocloak.StringP("nosuchpolicy(1)")}
	g.status("UpdateRealm with a bad password policy", g.c.UpdateRealm(g.ctx, g.admin, bad), 400)
	_, err = g.c.CreateRealm(g.ctx, g.admin, gocloak.RealmRepresentation{Realm: gocloak.StringP("acme"), Enabled: gocloak.BoolP(true)})
	g.status("CreateRealm duplicate", err, 409)

	// A public client with Keycloak's defaults, then updated and deleted.
	id, err := g.c.CreateClient(g.ctx, g.admin, "acme", gocloak.Client{ClientID: gocloak.StringP("spa"),
		PublicClient: gocloak.BoolP(true), RedirectURIs: &[]string{"https://app.example.com/*"},
		WebOrigins: &[]string{"+"}, Attributes: &map[string]string{"pkce.code.challenge.method": "S256"}})
	g.ok("CreateClient", err)
	_, err = g.c.CreateClient(g.ctx, g.admin, "acme", gocloak.Client{ClientID: gocloak.StringP("spa")})
	g.status("CreateClient duplicate", err, 409)
	cl, err := g.c.GetClient(g.ctx, g.admin, "acme", id)
	g.ok("GetClient", err)
	if *cl.ClientID != "spa" || !*cl.PublicClient || !*cl.Enabled || *cl.Protocol != "openid-connect" ||
		(*cl.Attributes)["pkce.code.challenge.method"] != "S256" || (*cl.RedirectURIs)[0] != "https://app.example.com/*" {
		t.Errorf("GetClient: %+v", cl)
	}
	cs, err := g.c.GetClients(g.ctx, g.admin, "acme", gocloak.GetClientsParams{})
	g.ok("GetClients", err)
	var ids []string
	for _, c := range cs {
		ids = append(ids, *c.ClientID)
	}
	for _, want := range []string{"account", "admin-cli", "broker", "realm-management", "security-admin-console", "spa"} {
		if !slices.Contains(ids, want) {
			t.Errorf("GetClients: no %s in %v", want, ids)
		}
	}
	cs, err = g.c.GetClients(g.ctx, g.admin, "acme", gocloak.GetClientsParams{ClientID: gocloak.StringP("sp"), Search: gocloak.BoolP(true)})
	g.ok("GetClients search", err)
	if len(cs) != 1 || *cs[0].ID != id {
		t.Errorf("GetClients clientId=sp&search=true: %d clients", len(cs))
	}
	cl.Description = gocloak.StringP("The single-page app")
	cl.RedirectURIs = &[]string{"https://app.example.com/cb"}
	g.ok("UpdateClient", g.c.UpdateClient(g.ctx, g.admin, "acme", *cl))
	cl, err = g.c.GetClient(g.ctx, g.admin, "acme", id)
	g.ok("GetClient after update", err)
	if *cl.Description != "The single-page app" || len(*cl.RedirectURIs) != 1 || (*cl.RedirectURIs)[0] != "https://app.example.com/cb" {
		t.Errorf("GetClient after update: %+v", cl)
	}
	sec, err := g.c.GetClientSecret(g.ctx, g.admin, "acme", id)
	g.ok("GetClientSecret of a public client", err)
	if *sec.Type != "secret" || sec.Value != nil {
		t.Errorf("GetClientSecret of a public client: %+v", sec)
	}

	// Client roles.
	_, err = g.c.CreateClientRole(g.ctx, g.admin, "acme", id, gocloak.Role{Name: gocloak.StringP("editor"), Description: gocloak.StringP("Edits")})
	g.ok("CreateClientRole", err)
	crs, err := g.c.GetClientRoles(g.ctx, g.admin, "acme", id, gocloak.GetRoleParams{})
	g.ok("GetClientRoles", err)
	if got := roleNames(crs); !slices.Equal(got, []string{"editor"}) || !*crs[0].ClientRole || *crs[0].ContainerID != id {
		t.Errorf("GetClientRoles = %v", got)
	}
	editor, err := g.c.GetClientRole(g.ctx, g.admin, "acme", id, "editor")
	g.ok("GetClientRole", err)
	editor.Description = gocloak.StringP("Edits things")
	g.ok("UpdateRole", g.c.UpdateRole(g.ctx, g.admin, "acme", id, *editor))
	g.ok("DeleteClientRole", g.c.DeleteClientRole(g.ctx, g.admin, "acme", id, "editor"))
	_, err = g.c.GetClientRole(g.ctx, g.admin, "acme", id, "editor")
	g.status("GetClientRole deleted", err, 404)

	// A confidential client: regenerate its secret.
	conf, err := g.c.CreateClient(g.ctx, g.admin, "acme", gocloak.Client{ClientID: gocloak.StringP("api"), PublicClient: gocloak.BoolP(false)})
	g.ok("CreateClient confidential", err)
	old, err := g.c.GetClientSecret(g.ctx, g.admin, "acme", conf)
	g.ok("GetClientSecret", err)
	cl, err = g.c.GetClient(g.ctx, g.admin, "acme", conf)
	g.ok("GetClient confidential", err)
	if cl.Secret == nil || *cl.Secret != *old.Value {
		t.Errorf("GetClient of a confidential client: secret %v, want the client's", cl.Secret)
	}
	fresh, err := g.c.RegenerateClientSecret(g.ctx, g.admin, "acme", conf)
	g.ok("RegenerateClientSecret", err)
	if *fresh.Value == *old.Value || len(*fresh.Value) != 32 {
		t.Errorf("RegenerateClientSecret: %q after %q", *fresh.Value, *old.Value)
	}
	_, err = g.c.GetClientServiceAccount(g.ctx, g.admin, "acme", conf)
	g.status("GetClientServiceAccount without service accounts", err, 400)

	g.ok("DeleteClient", g.c.DeleteClient(g.ctx, g.admin, "acme", id))
	_, err = g.c.GetClient(g.ctx, g.admin, "acme", id)
	g.status("GetClient deleted", err, 404)

	g.ok("DeleteRealm", g.c.DeleteRealm(g.ctx, g.admin, "acme"))
	_, err = g.c.GetRealm(g.ctx, g.admin, "acme")
	g.status("GetRealm deleted", err, 404)
	g.status("DeleteRealm master", g.c.DeleteRealm(g.ctx, g.admin, "master"), 400)
}

// Realm roles, composites and role mappings through gocloak.
func TestGocloakRolesAndMappings(t *testing.T) {
	s := testenv.NewServer(t)
	g := newGC(t, s, "acme")

	for _, name := range []string{"reader", "writer", "staff"} {
		_, err := g.c.CreateRealmRole(g.ctx, g.admin, "acme", gocloak.Role{Name: gocloak.StringP(name), Description: gocloak.StringP("The " + name)})
		g.ok("CreateRealmRole "+name, err)
	}
	_, err := g.c.CreateRealmRole(g.ctx, g.admin, "acme", gocloak.Role{Name: gocloak.StringP("reader")})
	g.status("CreateRealmRole duplicate", err, 409)
	roles, err := g.c.GetRealmRoles(g.ctx, g.admin, "acme", gocloak.GetRoleParams{})
	g.ok("GetRealmRoles", err)
	want := []string{"default-roles-acme", "offline_access", "reader", "staff", "uma_authorization", "writer"}
	if got := roleNames(roles); !slices.Equal(got, want) {
		t.Errorf("GetRealmRoles = %v, want %v", got, want)
	}
	roles, err = g.c.GetRealmRoles(g.ctx, g.admin, "acme", gocloak.GetRoleParams{Search: gocloak.StringP("er")})
	g.ok("GetRealmRoles search", err)
	if got := roleNames(roles); !slices.Equal(got, []string{"reader", "writer"}) {
		t.Errorf("GetRealmRoles search=er = %v", got)
	}
	reader, err := g.c.GetRealmRole(g.ctx, g.admin, "acme", "reader")
	g.ok("GetRealmRole", err)
	writer, err := g.c.GetRealmRole(g.ctx, g.admin, "acme", "writer")
	g.ok("GetRealmRole", err)
	reader.Description = gocloak.StringP("Reads")
	g.ok("UpdateRealmRole", g.c.UpdateRealmRole(g.ctx, g.admin, "acme", "reader", *reader))

	// staff = reader + writer.
	g.ok("AddRealmRoleComposite", g.c.AddRealmRoleComposite(g.ctx, g.admin, "acme", "staff", []gocloak.Role{*reader, *writer}))
	comp, err := g.c.GetCompositeRealmRoles(g.ctx, g.admin, "acme", "staff")
	g.ok("GetCompositeRealmRoles", err)
	if got := roleNames(comp); !slices.Equal(got, []string{"reader", "writer"}) {
		t.Errorf("GetCompositeRealmRoles = %v", got)
	}
	staff, err := g.c.GetRealmRole(g.ctx, g.admin, "acme", "staff")
	g.ok("GetRealmRole staff", err)
	if !*staff.Composite {
		t.Error("staff is not composite")
	}
	comp, err = g.c.GetCompositeRolesByRoleID(g.ctx, g.admin, "acme", *staff.ID)
	g.ok("GetCompositeRolesByRoleID", err)
	if got := roleNames(comp); !slices.Equal(got, []string{"reader", "writer"}) {
		t.Errorf("GetCompositeRolesByRoleID = %v", got)
	}
	g.ok("DeleteRealmRoleComposite", g.c.DeleteRealmRoleComposite(g.ctx, g.admin, "acme", "staff", []gocloak.Role{*writer}))
	g.ok("AddRealmRoleComposite again", g.c.AddRealmRoleComposite(g.ctx, g.admin, "acme", "staff", []gocloak.Role{*writer}))

	uid, err := g.newUser(g.admin, "jdoe")
	g.ok("CreateUser", err)
	g.ok("AddRealmRoleToUser", g.c.AddRealmRoleToUser(g.ctx, g.admin, "acme", uid, []gocloak.Role{*staff}))
	direct, err := g.c.GetRealmRolesByUserID(g.ctx, g.admin, "acme", uid)
	g.ok("GetRealmRolesByUserID", err)
	if got := roleNames(direct); !slices.Equal(got, []string{"default-roles-acme", "staff"}) {
		t.Errorf("GetRealmRolesByUserID = %v", got)
	}
	eff, err := g.c.GetCompositeRealmRolesByUserID(g.ctx, g.admin, "acme", uid)
	g.ok("GetCompositeRealmRolesByUserID", err)
	want = []string{"default-roles-acme", "offline_access", "reader", "staff", "uma_authorization", "writer"}
	if got := roleNames(eff); !slices.Equal(got, want) {
		t.Errorf("GetCompositeRealmRolesByUserID = %v, want %v", got, want)
	}
	avail, err := g.c.GetAvailableRealmRolesByUserID(g.ctx, g.admin, "acme", uid)
	g.ok("GetAvailableRealmRolesByUserID", err)
	if got := roleNames(avail); slices.Contains(got, "staff") || !slices.Contains(got, "reader") {
		t.Errorf("GetAvailableRealmRolesByUserID = %v", got)
	}
	holders, err := g.c.GetUsersByRoleName(g.ctx, g.admin, "acme", "staff", gocloak.GetUsersByRoleParams{})
	g.ok("GetUsersByRoleName", err)
	if len(holders) != 1 || *holders[0].ID != uid {
		t.Errorf("GetUsersByRoleName: %d users", len(holders))
	}

	// A client role mapped to the user appears under clientMappings.
	rm := g.realmManagement()
	viewUsers, err := g.c.GetClientRole(g.ctx, g.admin, "acme", rm, "view-users")
	g.ok("GetClientRole view-users", err)
	g.ok("AddClientRolesToUser", g.c.AddClientRolesToUser(g.ctx, g.admin, "acme", rm, uid, []gocloak.Role{*viewUsers}))
	m, err := g.c.GetRoleMappingByUserID(g.ctx, g.admin, "acme", uid)
	g.ok("GetRoleMappingByUserID", err)
	if m.RealmMappings == nil || len(*m.RealmMappings) != 2 {
		t.Errorf("GetRoleMappingByUserID realmMappings: %+v", m.RealmMappings)
	}
	cm := m.ClientMappings["realm-management"]
	if cm == nil || *cm.ID != rm || *cm.Client != "realm-management" || len(*cm.Mappings) != 1 || *(*cm.Mappings)[0].Name != "view-users" {
		t.Errorf("GetRoleMappingByUserID clientMappings: %+v", m.ClientMappings)
	}
	crs, err := g.c.GetClientRolesByUserID(g.ctx, g.admin, "acme", rm, uid)
	g.ok("GetClientRolesByUserID", err)
	if got := roleNames(crs); !slices.Equal(got, []string{"view-users"}) {
		t.Errorf("GetClientRolesByUserID = %v", got)
	}
	crs, err = g.c.GetCompositeClientRolesByUserID(g.ctx, g.admin, "acme", rm, uid)
	g.ok("GetCompositeClientRolesByUserID", err)
	if got := roleNames(crs); !slices.Equal(got, []string{"query-groups", "query-users", "view-users"}) {
		t.Errorf("GetCompositeClientRolesByUserID = %v", got)
	}
	_, err = g.c.GetAvailableClientRolesByUserID(g.ctx, g.admin, "acme", rm, uid)
	g.ok("GetAvailableClientRolesByUserID", err)
	g.ok("DeleteClientRolesFromUser", g.c.DeleteClientRolesFromUser(g.ctx, g.admin, "acme", rm, uid, []gocloak.Role{*viewUsers}))
	g.ok("DeleteRealmRoleFromUser", g.c.DeleteRealmRoleFromUser(g.ctx, g.admin, "acme", uid, []gocloak.Role{*staff}))
	direct, err = g.c.GetRealmRolesByUserID(g.ctx, g.admin, "acme", uid)
	g.ok("GetRealmRolesByUserID after delete", err)
	if got := roleNames(direct); !slices.Equal(got, []string{"default-roles-acme"}) {
		t.Errorf("GetRealmRolesByUserID after delete = %v", got)
	}

	// Credentials: listed without secrets, deleted by id.
	creds, err := g.c.GetCredentials(g.ctx, g.admin, "acme", uid)
	g.ok("GetCredentials", err)
	if len(creds) != 1 || *creds[0].Type != "password" || creds[0].Value != nil {
		t.Fatalf("GetCredentials: %+v", creds)
	}
	g.ok("DeleteRealmRole", g.c.DeleteRealmRole(g.ctx, g.admin, "acme", "writer"))
	_, err = g.c.GetRealmRole(g.ctx, g.admin, "acme", "writer")
	g.status("GetRealmRole deleted", err, 404)
}
