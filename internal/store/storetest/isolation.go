package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// tenant is one realm filled with one of everything, under the same names
// in every tenant.
type tenant struct {
	realm       *model.Realm
	user        *model.User
	sa          *model.User
	client      *model.Client
	realmRole   *model.Role
	clientRole  *model.Role
	key         *model.SigningKey
	credentials int
}

func newTenant(t *testing.T, s store.Store) *tenant {
	t.Helper()
	ctx := ctxFor(t)
	tn := &tenant{realm: newRealm(t, s)}
	id := tn.realm.ID
	tn.client = newClient(t, s, id, "app")
	tn.user = newUser(t, s, id, "alice", func(u *model.User) {
		u.Email, u.FirstName = "alice@example.com", "Alice"
		u.Attributes = map[string][]string{"team": {"blue"}}
		u.RequiredActions = []string{"VERIFY_EMAIL"}
	})
	tn.sa = newUser(t, s, id, "service-account-app", func(u *model.User) { u.ServiceAccountClientID = tn.client.ID })
	tn.realmRole = newRole(t, s, id, "", "admin")
	tn.clientRole = newRole(t, s, id, tn.client.ID, "admin")
	must(t, s.AddComposites(ctx, id, tn.realmRole.ID, []string{tn.clientRole.ID}))
	must(t, s.GrantUserRoles(ctx, id, tn.user.ID, []string{tn.realmRole.ID, tn.clientRole.ID}))
	must(t, s.CreateCredential(ctx, &model.Credential{UserID: tn.user.ID, Type: model.CredentialPassword, SecretData: "{}", CredentialData: "{}"}))
	tn.credentials = 1
	tn.key = newKey(t, s, id, 100, time.Time{})
	return tn
}

// checkWhole fails unless everything newTenant made is still there.
func (tn *tenant) checkWhole(t *testing.T, s store.Store) {
	t.Helper()
	ctx := ctxFor(t)
	id := tn.realm.ID
	if _, err := s.GetRealm(ctx, id); err != nil {
		t.Errorf("GetRealm: %v", err)
	}
	for _, u := range []*model.User{tn.user, tn.sa} {
		if got, err := s.GetUser(ctx, id, u.ID); err != nil || got.Username != u.Username {
			t.Errorf("GetUser(%s) = %v, %v", u.Username, got, err)
		}
	}
	if got, err := s.GetUserByEmail(ctx, id, "alice@example.com"); err != nil || got.ID != tn.user.ID {
		t.Errorf("GetUserByEmail = %v, %v", got, err)
	}
	if got, err := s.GetServiceAccountUser(ctx, id, tn.client.ID); err != nil || got.ID != tn.sa.ID {
		t.Errorf("GetServiceAccountUser = %v, %v", got, err)
	}
	if got, err := s.GetUser(ctx, id, tn.user.ID); err == nil && (len(got.Attributes["team"]) != 1 || len(got.RequiredActions) != 1) {
		t.Errorf("user lost attributes or actions: %v %v", got.Attributes, got.RequiredActions)
	}
	if got, err := s.GetClientByClientID(ctx, id, "app"); err != nil || got.ID != tn.client.ID {
		t.Errorf("GetClientByClientID = %v, %v", got, err)
	}
	for _, r := range []*model.Role{tn.realmRole, tn.clientRole} {
		if got, err := s.GetRoleByName(ctx, id, r.ClientID, r.Name); err != nil || got.ID != r.ID {
			t.Errorf("GetRoleByName(%q, %q) = %v, %v", r.ClientID, r.Name, got, err)
		}
	}
	kids, err := s.ListComposites(ctx, id, tn.realmRole.ID)
	if err != nil || len(kids) != 1 || kids[0].ID != tn.clientRole.ID {
		t.Errorf("ListComposites = %v, %v", roleNames(kids), err)
	}
	roles, err := s.ListUserRoles(ctx, id, tn.user.ID)
	if err != nil || len(roles) != 2 {
		t.Errorf("ListUserRoles = %v, %v", roleNames(roles), err)
	}
	creds, err := s.ListCredentials(ctx, tn.user.ID)
	if err != nil || len(creds) != tn.credentials {
		t.Errorf("ListCredentials = %d, %v; want %d", len(creds), err, tn.credentials)
	}
	keys, err := s.ListKeys(ctx, id)
	if err != nil || len(keys) != 1 || keys[0].ID != tn.key.ID {
		t.Errorf("ListKeys = %d keys, %v", len(keys), err)
	}
}

func testIsolation(t *testing.T, s store.Store) {
	// Same usernames, email, clientId and role names in both realms: the
	// fixtures themselves are the "coexist" test.
	a := newTenant(t, s)
	b := newTenant(t, s)

	t.Run("SameNamesCoexist", func(t *testing.T) {
		a.checkWhole(t, s)
		b.checkWhole(t, s)
		if a.user.ID == b.user.ID || a.client.ID == b.client.ID || a.realmRole.ID == b.realmRole.ID {
			t.Errorf("two realms share row ids")
		}
	})

	t.Run("ListsStayInRealm", func(t *testing.T) {
		ctx := ctxFor(t)
		users, err := s.ListUsers(ctx, a.realm.ID, store.UserQuery{IncludeServiceAccounts: true})
		must(t, err)
		checkList(t, "ListUsers(A)", ids(users, func(u model.User) string { return u.ID }), []string{a.user.ID, a.sa.ID})
		for _, q := range []store.UserQuery{{Search: prefix("alice")}, {Email: "alice@example.com", Exact: true}, {Attributes: map[string]string{"team": "blue"}}} {
			n, err := s.CountUsers(ctx, a.realm.ID, q)
			must(t, err)
			if n != 1 {
				t.Errorf("CountUsers(A, %+v) = %d, want 1", q, n)
			}
		}
		clients, err := s.ListClients(ctx, a.realm.ID, store.ClientQuery{})
		must(t, err)
		checkList(t, "ListClients(A)", ids(clients, func(c model.Client) string { return c.ID }), []string{a.client.ID})
		clients, err = s.ListClients(ctx, a.realm.ID, store.ClientQuery{ClientID: "app", Search: true})
		must(t, err)
		checkList(t, "ListClients(A, search)", ids(clients, func(c model.Client) string { return c.ID }), []string{a.client.ID})
		roles, err := s.ListRoles(ctx, a.realm.ID, "", store.RoleQuery{Search: "admin"})
		must(t, err)
		checkList(t, "ListRoles(A)", ids(roles, func(r model.Role) string { return r.ID }), []string{a.realmRole.ID})
		holders, err := s.ListRoleUsers(ctx, a.realm.ID, a.realmRole.ID, store.Page{})
		must(t, err)
		checkList(t, "ListRoleUsers(A)", ids(holders, func(u model.User) string { return u.ID }), []string{a.user.ID})
		keys, err := s.ListKeys(ctx, a.realm.ID)
		must(t, err)
		checkList(t, "ListKeys(A)", ids(keys, func(k model.SigningKey) string { return k.ID }), []string{a.key.ID})
	})

	t.Run("OtherRealmsRowsAreNotFound", func(t *testing.T) {
		ctx := ctxFor(t)
		in := a.realm.ID // asking in A for B's rows
		_, err := s.GetUser(ctx, in, b.user.ID)
		wantErr(t, "GetUser", err, store.ErrNotFound)
		_, err = s.GetServiceAccountUser(ctx, in, b.client.ID)
		wantErr(t, "GetServiceAccountUser", err, store.ErrNotFound)
		_, err = s.GetClient(ctx, in, b.client.ID)
		wantErr(t, "GetClient", err, store.ErrNotFound)
		_, err = s.GetRole(ctx, in, b.realmRole.ID)
		wantErr(t, "GetRole", err, store.ErrNotFound)
		_, err = s.GetRoleByName(ctx, in, b.client.ID, "admin")
		wantErr(t, "GetRoleByName(B's client)", err, store.ErrNotFound)

		u := *b.user
		u.RealmID, u.FirstName = in, "Hijacked"
		wantErr(t, "UpdateUser", s.UpdateUser(ctx, &u, true), store.ErrNotFound)
		c := *b.client
		c.RealmID, c.Name = in, "Hijacked"
		wantErr(t, "UpdateClient", s.UpdateClient(ctx, &c), store.ErrNotFound)
		r := *b.realmRole
		r.RealmID, r.Description = in, "Hijacked"
		wantErr(t, "UpdateRole", s.UpdateRole(ctx, &r), store.ErrNotFound)
		k := *b.key
		k.RealmID, k.Active = in, false
		wantErr(t, "UpdateKey", s.UpdateKey(ctx, &k), store.ErrNotFound)

		wantErr(t, "DeleteUser", s.DeleteUser(ctx, in, b.user.ID), store.ErrNotFound)
		wantErr(t, "DeleteClient", s.DeleteClient(ctx, in, b.client.ID), store.ErrNotFound)
		wantErr(t, "DeleteRole", s.DeleteRole(ctx, in, b.realmRole.ID), store.ErrNotFound)
		wantErr(t, "DeleteKey", s.DeleteKey(ctx, in, b.key.ID), store.ErrNotFound)

		wantErr(t, "GrantUserRoles(A's user, B's role)",
			s.GrantUserRoles(ctx, in, a.user.ID, []string{b.realmRole.ID}), store.ErrNotFound)
		wantErr(t, "AddComposites(A's role, B's role)",
			s.AddComposites(ctx, in, a.realmRole.ID, []string{b.realmRole.ID}), store.ErrNotFound)
		// The contract does not say whether this is an error; it must not
		// revoke anything (checkWhole below counts B's mappings).
		if err := s.RevokeUserRoles(ctx, in, b.user.ID, []string{b.realmRole.ID}); err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeUserRoles(B's user, asked in A): err = %v, want nil or ErrNotFound", err)
		}

		// Nothing of the above reached B, nor A.
		b.checkWhole(t, s)
		a.checkWhole(t, s)
		got, err := s.GetUser(ctx, b.realm.ID, b.user.ID)
		must(t, err)
		if got.FirstName != "Alice" {
			t.Errorf("B's user was updated through A: %q", got.FirstName)
		}
	})

	t.Run("DeleteRealm", func(t *testing.T) {
		ctx := ctxFor(t)
		must(t, s.DeleteRealm(ctx, a.realm.ID))
		b.checkWhole(t, s)

		id := a.realm.ID
		_, err := s.GetUser(ctx, id, a.user.ID)
		wantErr(t, "GetUser of the deleted realm", err, store.ErrNotFound)
		_, err = s.GetClient(ctx, id, a.client.ID)
		wantErr(t, "GetClient of the deleted realm", err, store.ErrNotFound)
		_, err = s.GetRole(ctx, id, a.clientRole.ID)
		wantErr(t, "GetRole of the deleted realm", err, store.ErrNotFound)
		users, err := s.ListUsers(ctx, id, store.UserQuery{IncludeServiceAccounts: true})
		wantGone(t, "ListUsers of the deleted realm", len(users), err)
		clients, err := s.ListClients(ctx, id, store.ClientQuery{})
		wantGone(t, "ListClients of the deleted realm", len(clients), err)
		roles, err := s.ListRoles(ctx, id, "", store.RoleQuery{})
		wantGone(t, "ListRoles of the deleted realm", len(roles), err)
		keys, err := s.ListKeys(ctx, id)
		wantGone(t, "ListKeys of the deleted realm", len(keys), err)
		creds, err := s.ListCredentials(ctx, a.user.ID)
		wantGone(t, "ListCredentials of the deleted realm's user", len(creds), err)

		// Every row is really gone: the same ids and names can be used again
		// without conflict, and bring nothing back.
		again := &model.Realm{ID: id, Name: a.realm.Name}
		must(t, s.CreateRealm(ctx, again))
		must(t, s.CreateClient(ctx, &model.Client{ID: a.client.ID, RealmID: id, ClientID: "app"}))
		must(t, s.CreateUser(ctx, &model.User{ID: a.user.ID, RealmID: id, Username: "alice", Email: "alice@example.com"}, true))
		must(t, s.CreateRole(ctx, &model.Role{ID: a.realmRole.ID, RealmID: id, Name: "admin"}))
		must(t, s.CreateKey(ctx, &model.SigningKey{ID: a.key.ID, RealmID: id, Algorithm: "RS256", PrivateKey: []byte{1}}))
		roles, err = s.ListUserRoles(ctx, id, a.user.ID)
		must(t, err)
		checkList(t, "re-created user's roles", roleNames(roles), nil)
		kids, err := s.ListComposites(ctx, id, a.realmRole.ID)
		must(t, err)
		checkList(t, "re-created role's children", roleNames(kids), nil)
		creds, err = s.ListCredentials(ctx, a.user.ID)
		must(t, err)
		if len(creds) != 0 {
			t.Errorf("re-created user has %d old credentials", len(creds))
		}
		b.checkWhole(t, s)
	})
}
