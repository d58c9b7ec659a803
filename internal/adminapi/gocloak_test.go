package adminapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/Nerzal/gocloak/v13"

	"github.com/latchkey/latchkey/internal/testenv"
)

// The admin API driven by gocloak, the Go client Keycloak users have:
// every call here is one a Keycloak user's code makes unchanged, against
// a real latchkey server (no /auth prefix, as Keycloak 17+).

// gc is one gocloak client on one server, with the master admin's token
// and a realm of the test's own.
type gc struct {
	t     *testing.T
	ctx   context.Context
	c     *gocloak.GoCloak
	admin string // master admin's access token
	realm string
}

func newGC(t *testing.T, s *testenv.Server, realm string) *gc {
	t.Helper()
	g := &gc{t: t, ctx: context.Background(), c: gocloak.NewClient(s.URL), realm: realm}
	jwt, err := g.c.LoginAdmin(g.ctx, testenv.AdminUser, testenv.AdminPassword, "master")
	g.ok("LoginAdmin", err)
	g.admin = jwt.AccessToken
	_, err = g.c.CreateRealm(g.ctx, g.admin, gocloak.RealmRepresentation{
		Realm: gocloak.StringP(realm), Enabled: gocloak.BoolP(true),
		PasswordPolicy: gocloak.StringP("length(8)")})
	g.ok("CreateRealm", err)
	return g
}

func (g *gc) ok(what string, err error) {
	g.t.Helper()
	if err != nil {
		g.t.Fatalf("%s: %v", what, err)
	}
}

// status asserts that err is a gocloak APIError with that HTTP status.
func (g *gc) status(what string, err error, code int) {
	g.t.Helper()
	var ae *gocloak.APIError
	if !errors.As(err, &ae) || ae.Code != code {
		g.t.Errorf("%s: error %v, want HTTP %d", what, err, code)
	}
}

// backend creates a confidential client with a service account holding
// the given realm-management roles, and returns its client_credentials
// token.
func (g *gc) backend(clientID string, roles ...string) string {
	g.t.Helper()
	id, err := g.c.CreateClient(g.ctx, g.admin, g.realm, gocloak.Client{
		ClientID: gocloak.StringP(clientID), PublicClient: gocloak.BoolP(false),
		ServiceAccountsEnabled: gocloak.BoolP(true), StandardFlowEnabled: gocloak.BoolP(false),
		DirectAccessGrantsEnabled: gocloak.BoolP(true)})
	g.ok("CreateClient", err)
	if id == "" {
		g.t.Fatal("CreateClient: no id from Location")
	}
	secret, err := g.c.GetClientSecret(g.ctx, g.admin, g.realm, id)
	g.ok("GetClientSecret", err)
	if secret.Type == nil || *secret.Type != "secret" || secret.Value == nil || len(*secret.Value) != 32 {
		g.t.Fatalf("GetClientSecret: %+v", secret)
	}
	sa, err := g.c.GetClientServiceAccount(g.ctx, g.admin, g.realm, id)
	g.ok("GetClientServiceAccount", err)
	if sa.Username == nil || *sa.Username != "service-account-"+clientID || sa.ID == nil {
		g.t.Fatalf("GetClientServiceAccount: %+v", sa)
	}
	if len(roles) > 0 {
		rm := g.realmManagement()
		var grant []gocloak.Role
		for _, name := range roles {
			r, err := g.c.GetClientRole(g.ctx, g.admin, g.realm, rm, name)
			g.ok("GetClientRole "+name, err)
			grant = append(grant, *r)
		}
		g.ok("AddClientRolesToUser", g.c.AddClientRolesToUser(g.ctx, g.admin, g.realm, rm, *sa.ID, grant))
	}
	jwt, err := g.c.LoginClient(g.ctx, clientID, *secret.Value, g.realm)
	g.ok("LoginClient", err)
	return jwt.AccessToken
}

// realmManagement is the id of the realm's realm-management client.
func (g *gc) realmManagement() string {
	g.t.Helper()
	cs, err := g.c.GetClients(g.ctx, g.admin, g.realm, gocloak.GetClientsParams{ClientID: gocloak.StringP("realm-management")})
	g.ok("GetClients realm-management", err)
	if len(cs) != 1 || cs[0].ID == nil {
		g.t.Fatalf("GetClients realm-management: %d clients", len(cs))
	}
	return *cs[0].ID
}

func (g *gc) newUser(tok, username string) (string, error) {
	return g.c.CreateUser(g.ctx, tok, g.realm, gocloak.User{
		Username: gocloak.StringP(username), Email: gocloak.StringP(username + "@example.com"),
		FirstName: gocloak.StringP("First"), LastName: gocloak.StringP("Last"), Enabled: gocloak.BoolP(true),
		Credentials: &[]gocloak.CredentialRepresentation{{Type: gocloak.StringP("password"),
			Value: gocloak.StringP("S3cret!pass"), Temporary: gocloak.BoolP(false)}}})
}

// The flow: a backend with create-users creates users and can do
// nothing else; view-users lists but does not create; manage-users does
// both.
func TestGocloakServiceAccountRoles(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		g := newGC(t, s, "shop")

		creator := g.backend("signup", "create-users")
		id, err := g.newUser(creator, "jdoe")
		g.ok("CreateUser as create-users", err)
		if len(id) != 36 {
			t.Errorf("CreateUser id from Location = %q", id)
		}
		// The new user signs in with the password grant through a
		// client of the realm.
		user, err := g.c.GetUserByID(g.ctx, g.admin, g.realm, id)
		g.ok("GetUserByID as admin", err)
		if *user.Username != "jdoe" || *user.Email != "jdoe@example.com" || !*user.Enabled {
			t.Errorf("created user: %+v", user)
		}
		_, err = g.c.GetUsers(g.ctx, creator, g.realm, gocloak.GetUsersParams{})
		g.status("GetUsers as create-users", err, 403)
		_, err = g.c.GetUserByID(g.ctx, creator, g.realm, id)
		g.status("GetUserByID as create-users", err, 403)
		_, err = g.c.GetUserCount(g.ctx, creator, g.realm, gocloak.GetUsersParams{})
		g.status("GetUserCount as create-users", err, 403)
		user.FirstName = gocloak.StringP("Changed")
		g.status("UpdateUser as create-users", g.c.UpdateUser(g.ctx, creator, g.realm, *user), 403)
		g.status("DeleteUser as create-users", g.c.DeleteUser(g.ctx, creator, g.realm, id), 403)
		g.status("SetPassword as create-users", g.c.SetPassword(g.ctx, creator, id, g.realm, "Another!pass", false), 403)
		_, err = g.newUser(creator, "jdoe")
		g.status("CreateUser duplicate", err, 409)

		viewer := g.backend("reports", "view-users")
		users, err := g.c.GetUsers(g.ctx, viewer, g.realm, gocloak.GetUsersParams{Search: gocloak.StringP("jdoe")})
		g.ok("GetUsers as view-users", err)
		if len(users) != 1 || *users[0].ID != id {
			t.Errorf("GetUsers as view-users: %d users", len(users))
		}
		_, err = g.c.GetUserByID(g.ctx, viewer, g.realm, id)
		g.ok("GetUserByID as view-users", err)
		_, err = g.c.GetUserByID(g.ctx, viewer, g.realm, "no-such-user")
		g.status("GetUserByID unknown as view-users", err, 404)
		_, err = g.newUser(viewer, "viewer-made")
		g.status("CreateUser as view-users", err, 403)
		g.status("UpdateUser as view-users", g.c.UpdateUser(g.ctx, viewer, g.realm, *user), 403)

		manager := g.backend("crm", "manage-users")
		id2, err := g.newUser(manager, "jane")
		g.ok("CreateUser as manage-users", err)
		users, err = g.c.GetUsers(g.ctx, manager, g.realm, gocloak.GetUsersParams{})
		g.ok("GetUsers as manage-users", err)
		if len(users) != 2 {
			t.Errorf("GetUsers as manage-users: %d users, want 2 (service accounts left out)", len(users))
		}
		n, err := g.c.GetUserCount(g.ctx, manager, g.realm, gocloak.GetUsersParams{})
		g.ok("GetUserCount", err)
		if n != 2 {
			t.Errorf("GetUserCount = %d, want 2", n)
		}
		g.ok("UpdateUser as manage-users", g.c.UpdateUser(g.ctx, manager, g.realm, *user))
		got, err := g.c.GetUserByID(g.ctx, manager, g.realm, id)
		g.ok("GetUserByID after update", err)
		if *got.FirstName != "Changed" || *got.LastName != "Last" {
			t.Errorf("after UpdateUser: %+v", got)
		}
		g.ok("DeleteUser as manage-users", g.c.DeleteUser(g.ctx, manager, g.realm, id2))
		_, err = g.c.GetUserByID(g.ctx, manager, g.realm, id2)
		g.status("GetUserByID deleted", err, 404)

		// The users sign in with their passwords through a client of the
		// realm; SetPassword (reset-password) changes it.
		sec, err := g.c.GetClientSecret(g.ctx, g.admin, g.realm, g.clientUUID("crm"))
		g.ok("GetClientSecret crm", err)
		jwt, err := g.c.Login(g.ctx, "crm", *sec.Value, g.realm, "jdoe", "S3cret!pass")
		g.ok("Login as the created user", err)
		if jwt.AccessToken == "" || jwt.RefreshToken == "" {
			t.Errorf("Login: %+v", jwt)
		}
		g.status("SetPassword too short", g.c.SetPassword(g.ctx, manager, id, g.realm, "short", false), 400)
		g.ok("SetPassword", g.c.SetPassword(g.ctx, manager, id, g.realm, "Another!pass", false))
		_, err = g.c.Login(g.ctx, "crm", *sec.Value, g.realm, "jdoe", "S3cret!pass")
		g.status("Login with the old password", err, 401)
		_, err = g.c.Login(g.ctx, "crm", *sec.Value, g.realm, "jdoe", "Another!pass")
		g.ok("Login with the new password", err)
		// A temporary password: the user must change it first.
		g.ok("SetPassword temporary", g.c.SetPassword(g.ctx, manager, id, g.realm, "Temporary!pass", true))
		got, err = g.c.GetUserByID(g.ctx, manager, g.realm, id)
		g.ok("GetUserByID after temporary password", err)
		if got.RequiredActions == nil || strings.Join(*got.RequiredActions, ",") != "UPDATE_PASSWORD" {
			t.Errorf("required actions after a temporary password: %v", got.RequiredActions)
		}

		// A token of another realm is refused; no token is 401.
		other := newGC(t, s, "other")
		otherTok := other.backend("intruder", "manage-users")
		_, err = g.c.GetUsers(g.ctx, otherTok, g.realm, gocloak.GetUsersParams{})
		g.status("GetUsers with another realm's token", err, 403)
		_, err = g.c.GetUsers(g.ctx, "", g.realm, gocloak.GetUsersParams{})
		g.status("GetUsers without a token", err, 401)
	})
}

// clientUUID finds a client's id by its clientId.
func (g *gc) clientUUID(clientID string) string {
	g.t.Helper()
	cs, err := g.c.GetClients(g.ctx, g.admin, g.realm, gocloak.GetClientsParams{ClientID: gocloak.StringP(clientID)})
	g.ok("GetClients "+clientID, err)
	if len(cs) != 1 {
		g.t.Fatalf("GetClients %s: %d clients", clientID, len(cs))
	}
	return *cs[0].ID
}
