package storetest

import (
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// compositeOf fetches a role and returns its derived Composite flag.
func compositeOf(t *testing.T, s store.Store, realmID, id string) bool {
	t.Helper()
	r, err := s.GetRole(ctxFor(t), realmID, id)
	must(t, err)
	return r.Composite
}

func testComposites(t *testing.T, s store.Store) {
	realm := newRealm(t, s)
	app := newClient(t, s, realm.ID, uniq("comp-app"))

	t.Run("AddListRemove", func(t *testing.T) {
		ctx := ctxFor(t)
		parent := newRole(t, s, realm.ID, "", uniq("parent"))
		alpha := newRole(t, s, realm.ID, app.ID, "alpha") // a client role child
		bravo := newRole(t, s, realm.ID, "", uniq("bravo"))
		charlie := newRole(t, s, realm.ID, "", uniq("charlie"))
		delta := newRole(t, s, realm.ID, "", uniq("delta"))

		if compositeOf(t, s, realm.ID, parent.ID) {
			t.Errorf("role without children reads Composite")
		}
		must(t, s.AddComposites(ctx, realm.ID, parent.ID, []string{charlie.ID, alpha.ID}))
		must(t, s.AddComposites(ctx, realm.ID, parent.ID, []string{alpha.ID, bravo.ID, bravo.ID})) // idempotent
		must(t, s.AddComposites(ctx, realm.ID, charlie.ID, []string{delta.ID}))

		kids, err := s.ListComposites(ctx, realm.ID, parent.ID)
		must(t, err)
		checkList(t, "children by name", roleNames(kids), []string{"alpha", bravo.Name, charlie.Name})
		for _, k := range kids {
			if want := k.ID == charlie.ID; k.Composite != want {
				t.Errorf("child %q Composite = %v, want %v", k.Name, k.Composite, want)
			}
			if k.ID == alpha.ID && k.ClientID != app.ID {
				t.Errorf("client role child lost its ClientID: %q", k.ClientID)
			}
		}

		// The flag is derived on every read path.
		if !compositeOf(t, s, realm.ID, parent.ID) {
			t.Errorf("GetRole(parent).Composite = false")
		}
		byName, err := s.GetRoleByName(ctx, realm.ID, "", parent.Name)
		must(t, err)
		if !byName.Composite {
			t.Errorf("GetRoleByName(parent).Composite = false")
		}
		listed, err := s.ListRoles(ctx, realm.ID, "", store.RoleQuery{Search: parent.Name})
		must(t, err)
		if len(listed) != 1 || !listed[0].Composite {
			t.Errorf("ListRoles(parent) = %+v, want one composite role", listed)
		}
		if compositeOf(t, s, realm.ID, bravo.ID) {
			t.Errorf("leaf role reads Composite")
		}

		must(t, s.RemoveComposites(ctx, realm.ID, parent.ID, []string{bravo.ID, charlie.ID}))
		kids, err = s.ListComposites(ctx, realm.ID, parent.ID)
		must(t, err)
		checkList(t, "children after remove", roleNames(kids), []string{"alpha"})
		if !compositeOf(t, s, realm.ID, parent.ID) {
			t.Errorf("parent with one child left reads not Composite")
		}
		must(t, s.RemoveComposites(ctx, realm.ID, parent.ID, []string{alpha.ID}))
		if compositeOf(t, s, realm.ID, parent.ID) {
			t.Errorf("parent without children still reads Composite")
		}
		// Removing a link keeps both roles.
		for _, r := range []*model.Role{alpha, bravo, charlie} {
			if _, err := s.GetRole(ctx, realm.ID, r.ID); err != nil {
				t.Errorf("GetRole(%s) after unlinking: %v", r.Name, err)
			}
		}
	})

	t.Run("ClientRoleParent", func(t *testing.T) {
		ctx := ctxFor(t)
		parent := newRole(t, s, realm.ID, app.ID, uniq("cparent"))
		child := newRole(t, s, realm.ID, "", uniq("rchild"))
		must(t, s.AddComposites(ctx, realm.ID, parent.ID, []string{child.ID}))
		kids, err := s.ListComposites(ctx, realm.ID, parent.ID)
		must(t, err)
		checkList(t, "client role's children", roleNames(kids), []string{child.Name})
		listed, err := s.ListRoles(ctx, realm.ID, app.ID, store.RoleQuery{Search: parent.Name})
		must(t, err)
		if len(listed) != 1 || !listed[0].Composite {
			t.Errorf("ListRoles(client, parent) = %+v, want one composite role", listed)
		}
	})

	t.Run("UnknownIDsWriteNothing", func(t *testing.T) {
		ctx := ctxFor(t)
		other := newRealm(t, s)
		foreign := newRole(t, s, other.ID, "", uniq("foreign"))
		parent := newRole(t, s, realm.ID, "", uniq("parent"))
		child := newRole(t, s, realm.ID, "", uniq("child"))

		wantErr(t, "AddComposites with a missing child",
			s.AddComposites(ctx, realm.ID, parent.ID, []string{child.ID, newID()}), store.ErrNotFound)
		wantErr(t, "AddComposites with another realm's child",
			s.AddComposites(ctx, realm.ID, parent.ID, []string{child.ID, foreign.ID}), store.ErrNotFound)
		kids, err := s.ListComposites(ctx, realm.ID, parent.ID)
		must(t, err)
		checkList(t, "children after refused adds", roleNames(kids), nil)

		wantErr(t, "AddComposites to a missing parent",
			s.AddComposites(ctx, realm.ID, newID(), []string{child.ID}), store.ErrNotFound)
		wantErr(t, "AddComposites to another realm's parent",
			s.AddComposites(ctx, realm.ID, foreign.ID, []string{child.ID}), store.ErrNotFound)
		wantErr(t, "AddComposites naming the realm of the parent wrongly",
			s.AddComposites(ctx, other.ID, parent.ID, []string{child.ID}), store.ErrNotFound)
		if compositeOf(t, s, other.ID, foreign.ID) {
			t.Errorf("refused add made another realm's role composite")
		}
		kids, err = s.ListComposites(ctx, other.ID, foreign.ID)
		must(t, err)
		checkList(t, "foreign role's children", roleNames(kids), nil)
	})

	t.Run("DeleteRoleUnlinks", func(t *testing.T) {
		ctx := ctxFor(t)
		top := newRole(t, s, realm.ID, "", uniq("top"))
		mid := newRole(t, s, realm.ID, "", uniq("mid"))
		leaf := newRole(t, s, realm.ID, "", uniq("leaf"))
		must(t, s.AddComposites(ctx, realm.ID, top.ID, []string{mid.ID}))
		must(t, s.AddComposites(ctx, realm.ID, mid.ID, []string{leaf.ID}))

		must(t, s.DeleteRole(ctx, realm.ID, leaf.ID)) // as a child
		if compositeOf(t, s, realm.ID, mid.ID) {
			t.Errorf("parent of a deleted role still reads Composite")
		}
		must(t, s.DeleteRole(ctx, realm.ID, top.ID)) // as a parent
		if _, err := s.GetRole(ctx, realm.ID, mid.ID); err != nil {
			t.Errorf("deleting a parent deleted its child: %v", err)
		}
		kids, err := s.ListComposites(ctx, realm.ID, top.ID)
		wantGone(t, "ListComposites of a deleted role", len(kids), err)
	})
}

func testRoleMappings(t *testing.T, s store.Store) {
	realm := newRealm(t, s)
	app := newClient(t, s, realm.ID, uniq("map-app"))

	t.Run("GrantListRevoke", func(t *testing.T) {
		ctx := ctxFor(t)
		u := newUser(t, s, realm.ID, uniq("holder"))
		alpha := newRole(t, s, realm.ID, app.ID, "alpha"+uniq(""))
		bravo := newRole(t, s, realm.ID, "", "bravo"+uniq(""))
		charlie := newRole(t, s, realm.ID, "", "charlie"+uniq(""))
		kid := newRole(t, s, realm.ID, "", "kid"+uniq(""))
		must(t, s.AddComposites(ctx, realm.ID, charlie.ID, []string{kid.ID}))

		must(t, s.GrantUserRoles(ctx, realm.ID, u.ID, []string{bravo.ID, alpha.ID}))
		must(t, s.GrantUserRoles(ctx, realm.ID, u.ID, []string{alpha.ID, charlie.ID, charlie.ID})) // idempotent
		roles, err := s.ListUserRoles(ctx, realm.ID, u.ID)
		must(t, err)
		// Direct roles only: kid comes through charlie and is not listed.
		checkList(t, "user roles by name", roleNames(roles), []string{alpha.Name, bravo.Name, charlie.Name})
		for _, r := range roles {
			if want := r.ID == charlie.ID; r.Composite != want {
				t.Errorf("ListUserRoles: %q Composite = %v, want %v", r.Name, r.Composite, want)
			}
			if r.ID == alpha.ID && r.ClientID != app.ID {
				t.Errorf("ListUserRoles: client role has ClientID %q", r.ClientID)
			}
		}
		holders, err := s.ListRoleUsers(ctx, realm.ID, kid.ID, store.Page{})
		must(t, err)
		checkList(t, "holders of a role held only through a composite", usernames(holders), nil)

		must(t, s.RevokeUserRoles(ctx, realm.ID, u.ID, []string{bravo.ID, alpha.ID}))
		roles, err = s.ListUserRoles(ctx, realm.ID, u.ID)
		must(t, err)
		checkList(t, "user roles after revoke", roleNames(roles), []string{charlie.Name})
	})

	t.Run("RoleUsersPaged", func(t *testing.T) {
		ctx := ctxFor(t)
		role := newRole(t, s, realm.ID, "", uniq("paged"))
		decoy := newRole(t, s, realm.ID, "", uniq("decoy"))
		for _, n := range []string{"uc", "ua", "ud", "ub"} {
			u := newUser(t, s, realm.ID, n+uniq("x"))
			must(t, s.GrantUserRoles(ctx, realm.ID, u.ID, []string{role.ID}))
		}
		loner := newUser(t, s, realm.ID, "ua"+uniq("decoy"))
		must(t, s.GrantUserRoles(ctx, realm.ID, loner.ID, []string{decoy.ID}))

		all, err := s.ListRoleUsers(ctx, realm.ID, role.ID, store.Page{})
		must(t, err)
		names := usernames(all)
		if len(names) != 4 {
			t.Fatalf("ListRoleUsers = %q, want 4 users", names)
		}
		checkList(t, "holders by username", names, sorted(names))
		for i, p := range []string{"ua", "ub", "uc", "ud"} {
			if names[i][:2] != p {
				t.Errorf("holder %d = %q, want %s...", i, names[i], p)
			}
		}
		page, err := s.ListRoleUsers(ctx, realm.ID, role.ID, store.Page{First: 1, Max: 2})
		must(t, err)
		checkList(t, "holders page", usernames(page), names[1:3])
		page, err = s.ListRoleUsers(ctx, realm.ID, role.ID, store.Page{First: 4, Max: 2})
		must(t, err)
		checkList(t, "holders past the end", usernames(page), nil)
	})

	t.Run("UnknownIDsWriteNothing", func(t *testing.T) {
		ctx := ctxFor(t)
		other := newRealm(t, s)
		foreign := newRole(t, s, other.ID, "", uniq("foreign"))
		foreignUser := newUser(t, s, other.ID, uniq("stranger"))
		u := newUser(t, s, realm.ID, uniq("careful"))
		mine := newRole(t, s, realm.ID, "", uniq("mine"))

		wantErr(t, "GrantUserRoles with a missing role",
			s.GrantUserRoles(ctx, realm.ID, u.ID, []string{mine.ID, newID()}), store.ErrNotFound)
		wantErr(t, "GrantUserRoles with another realm's role",
			s.GrantUserRoles(ctx, realm.ID, u.ID, []string{mine.ID, foreign.ID}), store.ErrNotFound)
		wantErr(t, "GrantUserRoles to a missing user",
			s.GrantUserRoles(ctx, realm.ID, newID(), []string{mine.ID}), store.ErrNotFound)
		wantErr(t, "GrantUserRoles to another realm's user",
			s.GrantUserRoles(ctx, realm.ID, foreignUser.ID, []string{mine.ID}), store.ErrNotFound)
		roles, err := s.ListUserRoles(ctx, realm.ID, u.ID)
		must(t, err)
		checkList(t, "roles after refused grants", roleNames(roles), nil)
		roles, err = s.ListUserRoles(ctx, other.ID, foreignUser.ID)
		must(t, err)
		checkList(t, "foreign user's roles after refused grant", roleNames(roles), nil)
		holders, err := s.ListRoleUsers(ctx, realm.ID, mine.ID, store.Page{})
		must(t, err)
		checkList(t, "holders after refused grants", usernames(holders), nil)
	})

	t.Run("DeletesUnmap", func(t *testing.T) {
		ctx := ctxFor(t)
		gone := newRole(t, s, realm.ID, "", uniq("gone"))
		stays := newRole(t, s, realm.ID, "", uniq("stays"))
		u := newUser(t, s, realm.ID, uniq("mapped"))
		leaver := newUser(t, s, realm.ID, uniq("leaver"))
		must(t, s.GrantUserRoles(ctx, realm.ID, u.ID, []string{gone.ID, stays.ID}))
		must(t, s.GrantUserRoles(ctx, realm.ID, leaver.ID, []string{stays.ID}))

		must(t, s.DeleteRole(ctx, realm.ID, gone.ID))
		roles, err := s.ListUserRoles(ctx, realm.ID, u.ID)
		must(t, err)
		checkList(t, "roles after a role is deleted", roleNames(roles), []string{stays.Name})

		must(t, s.DeleteUser(ctx, realm.ID, leaver.ID))
		holders, err := s.ListRoleUsers(ctx, realm.ID, stays.ID, store.Page{})
		must(t, err)
		checkList(t, "holders after a user is deleted", usernames(holders), []string{u.Username})
	})
}
