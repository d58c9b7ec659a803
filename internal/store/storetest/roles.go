package storetest

import (
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

func testRoles(t *testing.T, s store.Store) {
	realm := newRealm(t, s)
	client := newClient(t, s, realm.ID, uniq("roles-app"))

	t.Run("CreateGeneratesID", func(t *testing.T) {
		r := newRole(t, s, realm.ID, "", uniq("gen"))
		if !uuidRE.MatchString(r.ID) {
			t.Errorf("generated role id %q is not a UUID", r.ID)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		ctx := ctxFor(t)
		for _, owner := range []string{"", client.ID} {
			want := &model.Role{
				ID: newID(), RealmID: realm.ID, ClientID: owner, Name: uniq("full"),
				Description: "Can do things, ✓",
				Composite:   true, // ignored on write: there are no children
				Attributes:  map[string][]string{"multi": manyValues, "one": {"1"}},
			}
			allSet(t, "role", want, "ClientID")
			must(t, s.CreateRole(ctx, want))
			want.Composite = false

			got, err := s.GetRole(ctx, realm.ID, want.ID)
			must(t, err)
			checkEqual(t, "GetRole", got, want)
			got, err = s.GetRoleByName(ctx, realm.ID, owner, want.Name)
			must(t, err)
			checkEqual(t, "GetRoleByName", got, want)
			list, err := s.ListRoles(ctx, realm.ID, owner, store.RoleQuery{Search: want.Name})
			must(t, err)
			if len(list) != 1 {
				t.Fatalf("ListRoles(search own name) = %q, want one", roleNames(list))
			}
			checkEqual(t, "ListRoles", &list[0], want)
			if got.ClientRole() != (owner != "") {
				t.Errorf("ClientRole() = %v for owner %q", got.ClientRole(), owner)
			}
		}
	})

	t.Run("RealmAndClientRolesApart", func(t *testing.T) {
		ctx := ctxFor(t)
		name := uniq("same")
		realmRole := newRole(t, s, realm.ID, "", name)
		clientRole := newRole(t, s, realm.ID, client.ID, name)
		other := newClient(t, s, realm.ID, uniq("other-app"))
		otherRole := newRole(t, s, realm.ID, other.ID, name)

		for _, tc := range []struct {
			owner, want string
		}{{"", realmRole.ID}, {client.ID, clientRole.ID}, {other.ID, otherRole.ID}} {
			got, err := s.GetRoleByName(ctx, realm.ID, tc.owner, name)
			if err != nil || got.ID != tc.want {
				t.Errorf("GetRoleByName(owner %q) = %v, %v; want %s", tc.owner, got, err, tc.want)
			}
		}
		_, err := s.GetRoleByName(ctx, realm.ID, newID(), name)
		wantErr(t, "GetRoleByName(missing client)", err, store.ErrNotFound)

		realmRoles, err := s.ListRoles(ctx, realm.ID, "", store.RoleQuery{})
		must(t, err)
		for _, r := range realmRoles {
			if r.ClientID != "" {
				t.Errorf("ListRoles(realm) includes client role %q of %s", r.Name, r.ClientID)
			}
		}
		clientRoles, err := s.ListRoles(ctx, realm.ID, other.ID, store.RoleQuery{})
		must(t, err)
		if len(clientRoles) != 1 || clientRoles[0].ID != otherRole.ID {
			t.Errorf("ListRoles(other client) = %q, want only its own role", roleNames(clientRoles))
		}
	})

	t.Run("NamesUnique", func(t *testing.T) {
		ctx := ctxFor(t)
		name := uniq("dup")
		newRole(t, s, realm.ID, "", name)
		newRole(t, s, realm.ID, client.ID, name)
		wantErr(t, "CreateRole(realm role, taken name)",
			s.CreateRole(ctx, &model.Role{RealmID: realm.ID, Name: name}), store.ErrConflict)
		wantErr(t, "CreateRole(client role, taken name)",
			s.CreateRole(ctx, &model.Role{RealmID: realm.ID, ClientID: client.ID, Name: name}), store.ErrConflict)

		mover := newRole(t, s, realm.ID, "", uniq("mover"))
		upd := *mover
		upd.Name, upd.Description = name, "should not be written"
		wantErr(t, "UpdateRole onto a taken name", s.UpdateRole(ctx, &upd), store.ErrConflict)
		got, err := s.GetRole(ctx, realm.ID, mover.ID)
		must(t, err)
		if got.Name != mover.Name || got.Description != "" {
			t.Errorf("refused update wrote %q %q", got.Name, got.Description)
		}
	})

	t.Run("Update", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRole(t, s, realm.ID, client.ID, uniq("upd"))
		want := &model.Role{
			ID: r.ID, RealmID: realm.ID, ClientID: client.ID, Name: uniq("renamed"),
			Description: "new", Attributes: map[string][]string{"k": {"b", "a"}},
		}
		upd := *want
		upd.Composite = true // ignored
		must(t, s.UpdateRole(ctx, &upd))
		got, err := s.GetRole(ctx, realm.ID, r.ID)
		must(t, err)
		checkEqual(t, "after update", got, want)
		_, err = s.GetRoleByName(ctx, realm.ID, client.ID, r.Name)
		wantErr(t, "GetRoleByName(old name)", err, store.ErrNotFound)

		zero := &model.Role{ID: r.ID, RealmID: realm.ID, ClientID: client.ID, Name: want.Name}
		must(t, s.UpdateRole(ctx, zero))
		got, err = s.GetRole(ctx, realm.ID, r.ID)
		must(t, err)
		checkEqual(t, "after clearing", got, zero)
	})

	t.Run("NotFound", func(t *testing.T) {
		ctx := ctxFor(t)
		_, err := s.GetRole(ctx, realm.ID, newID())
		wantErr(t, "GetRole(missing)", err, store.ErrNotFound)
		_, err = s.GetRoleByName(ctx, realm.ID, "", uniq("missing"))
		wantErr(t, "GetRoleByName(missing)", err, store.ErrNotFound)
		wantErr(t, "UpdateRole(missing)", s.UpdateRole(ctx, &model.Role{ID: newID(), RealmID: realm.ID, Name: uniq("missing")}), store.ErrNotFound)
		wantErr(t, "DeleteRole(missing)", s.DeleteRole(ctx, realm.ID, newID()), store.ErrNotFound)
	})

	t.Run("Delete", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRole(t, s, realm.ID, "", uniq("del"))
		must(t, s.DeleteRole(ctx, realm.ID, r.ID))
		_, err := s.GetRole(ctx, realm.ID, r.ID)
		wantErr(t, "GetRole after delete", err, store.ErrNotFound)
		wantErr(t, "DeleteRole twice", s.DeleteRole(ctx, realm.ID, r.ID), store.ErrNotFound)
		newRole(t, s, realm.ID, "", r.Name) // the name is free again
	})

	t.Run("List", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		c := newClient(t, s, r.ID, "app")
		for _, n := range []string{"offline_access", "admin", "uma_authorization", "auditor", "viewer", "default-roles"} {
			newRole(t, s, r.ID, "", n)
		}
		for _, n := range []string{"manage-users", "view-users", "query-users"} {
			newRole(t, s, r.ID, c.ID, n)
		}
		other := newRealm(t, s)
		newRole(t, s, other.ID, "", "admin")
		newRole(t, s, other.ID, "", "aardvark")

		tests := []struct {
			name     string
			clientID string
			q        store.RoleQuery
			want     []string
		}{
			{"Realm", "", store.RoleQuery{}, []string{"admin", "auditor", "default-roles", "offline_access", "uma_authorization", "viewer"}},
			{"Client", c.ID, store.RoleQuery{}, []string{"manage-users", "query-users", "view-users"}},
			{"Search", "", store.RoleQuery{Search: "AU"}, []string{"auditor", "default-roles", "uma_authorization"}},
			{"SearchSubstring", "", store.RoleQuery{Search: "i"}, []string{"admin", "auditor", "offline_access", "uma_authorization", "viewer"}},
			{"SearchUnderscoreLiteral", "", store.RoleQuery{Search: "_"}, []string{"offline_access", "uma_authorization"}},
			{"SearchClient", c.ID, store.RoleQuery{Search: "users"}, []string{"manage-users", "query-users", "view-users"}},
			{"SearchNone", "", store.RoleQuery{Search: "users"}, nil},
			{"Paged", "", store.RoleQuery{Page: store.Page{First: 1, Max: 2}}, []string{"auditor", "default-roles"}},
			{"PagedEnd", "", store.RoleQuery{Page: store.Page{First: 5, Max: 2}}, []string{"viewer"}},
			{"SearchPaged", "", store.RoleQuery{Search: "i", Page: store.Page{First: 3, Max: 10}}, []string{"uma_authorization", "viewer"}},
		}
		for _, tc := range tests {
			got, err := s.ListRoles(ctx, r.ID, tc.clientID, tc.q)
			must(t, err)
			checkList(t, "ListRoles "+tc.name, roleNames(got), tc.want)
			for _, role := range got {
				if role.RealmID != r.ID {
					t.Errorf("ListRoles %s returned %q of realm %s", tc.name, role.Name, role.RealmID)
				}
			}
		}
	})
}
