package storetest

import (
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

func newGroup(t *testing.T, s store.Store, realmID, parentID, name string) *model.Group {
	t.Helper()
	g := &model.Group{RealmID: realmID, ParentID: parentID, Name: name}
	must(t, s.CreateGroup(ctxFor(t), g))
	return g
}

func groupNames(gs []model.Group) []string {
	return ids(gs, func(g model.Group) string { return g.Name })
}

func testGroups(t *testing.T, s store.Store) {
	realm := newRealm(t, s)

	t.Run("CRUD", func(t *testing.T) {
		ctx := ctxFor(t)
		top := &model.Group{RealmID: realm.ID, Name: uniq("Top"), Description: "the top",
			Attributes: map[string][]string{"b": {"2", "1"}, "a": {"x"}}}
		allSet(t, "group", top, "ID", "ParentID", "Path", "SubGroupCount")
		must(t, s.CreateGroup(ctx, top))
		if !uuidRE.MatchString(top.ID) {
			t.Errorf("generated id %q is not a UUID", top.ID)
		}
		child := newGroup(t, s, realm.ID, top.ID, "child")
		grand := newGroup(t, s, realm.ID, child.ID, "grand")

		got, err := s.GetGroup(ctx, realm.ID, top.ID)
		must(t, err)
		want := *top
		want.Path, want.SubGroupCount = "/"+top.Name, 1
		checkEqual(t, "top group", got, &want)
		got, err = s.GetGroup(ctx, realm.ID, grand.ID)
		must(t, err)
		if got.Path != "/"+top.Name+"/child/grand" || got.ParentID != child.ID || got.SubGroupCount != 0 {
			t.Errorf("grandchild = %+v", got)
		}
		for _, p := range []string{"/" + top.Name + "/child/grand", top.Name + "/child/grand", "/" + top.Name + "/child/grand/"} {
			byPath, err := s.GetGroupByPath(ctx, realm.ID, p)
			if err != nil || byPath.ID != grand.ID {
				t.Errorf("GetGroupByPath(%q) = %v, %v; want the grandchild", p, byPath, err)
			}
		}
		for _, p := range []string{"/" + top.Name + "/nope", "/child", "", "/"} {
			_, err := s.GetGroupByPath(ctx, realm.ID, p)
			wantErr(t, "GetGroupByPath("+p+")", err, store.ErrNotFound)
		}
		// A name holding a slash is found as Keycloak finds it.
		slashed := newGroup(t, s, realm.ID, top.ID, "a/b")
		byPath, err := s.GetGroupByPath(ctx, realm.ID, "/"+top.Name+"/a/b")
		if err != nil || byPath.ID != slashed.ID {
			t.Errorf("GetGroupByPath(a/b) = %v, %v", byPath, err)
		}

		upd := *got
		upd.Name, upd.Description, upd.Attributes = "Grand2", "", map[string][]string{"k": {"v"}}
		must(t, s.UpdateGroup(ctx, &upd))
		got, err = s.GetGroup(ctx, realm.ID, grand.ID)
		must(t, err)
		if got.Name != "Grand2" || got.Description != "" || len(got.Attributes) != 1 || got.Attributes["k"][0] != "v" ||
			got.Path != "/"+top.Name+"/child/Grand2" {
			t.Errorf("after update: %+v", got)
		}

		_, err = s.GetGroup(ctx, newRealm(t, s).ID, top.ID)
		wantErr(t, "GetGroup in another realm", err, store.ErrNotFound)
		wantErr(t, "UpdateGroup unknown", s.UpdateGroup(ctx, &model.Group{RealmID: realm.ID, ID: newID(), Name: "x"}), store.ErrNotFound)
		wantErr(t, "CreateGroup under unknown parent",
			s.CreateGroup(ctx, &model.Group{RealmID: realm.ID, ParentID: newID(), Name: "x"}), store.ErrNotFound)

		must(t, s.DeleteGroup(ctx, realm.ID, top.ID))
		for _, id := range []string{top.ID, child.ID, grand.ID, slashed.ID} {
			_, err := s.GetGroup(ctx, realm.ID, id)
			wantErr(t, "group after its top was deleted", err, store.ErrNotFound)
		}
		wantErr(t, "DeleteGroup again", s.DeleteGroup(ctx, realm.ID, top.ID), store.ErrNotFound)
	})

	t.Run("SiblingNames", func(t *testing.T) {
		ctx := ctxFor(t)
		name := uniq("Sib")
		a := newGroup(t, s, realm.ID, "", name)
		wantErr(t, "duplicate top-level name", s.CreateGroup(ctx, &model.Group{RealmID: realm.ID, Name: name}), store.ErrConflict)
		// Case matters, as in Keycloak; the same name elsewhere is fine.
		newGroup(t, s, realm.ID, "", name+"X")
		sub := newGroup(t, s, realm.ID, a.ID, name)
		wantErr(t, "duplicate child name", s.CreateGroup(ctx, &model.Group{RealmID: realm.ID, ParentID: a.ID, Name: name}), store.ErrConflict)
		other := newRealm(t, s)
		newGroup(t, s, other.ID, "", name)

		b := newGroup(t, s, realm.ID, "", uniq("Sib"))
		ren := *b
		ren.Name = name
		wantErr(t, "rename onto a sibling", s.UpdateGroup(ctx, &ren), store.ErrConflict)
		wantErr(t, "move onto a sibling's name", s.MoveGroup(ctx, realm.ID, sub.ID, ""), store.ErrConflict)
	})

	t.Run("MoveTree", func(t *testing.T) {
		ctx := ctxFor(t)
		a := newGroup(t, s, realm.ID, "", uniq("MoveA"))
		b := newGroup(t, s, realm.ID, a.ID, "b")
		c := newGroup(t, s, realm.ID, b.ID, "c")
		d := newGroup(t, s, realm.ID, "", uniq("MoveD"))
		wantErr(t, "move under itself", s.MoveGroup(ctx, realm.ID, a.ID, a.ID), store.ErrGroupCycle)
		wantErr(t, "move under a grandchild", s.MoveGroup(ctx, realm.ID, a.ID, c.ID), store.ErrGroupCycle)
		wantErr(t, "move under an unknown group", s.MoveGroup(ctx, realm.ID, a.ID, newID()), store.ErrNotFound)
		must(t, s.MoveGroup(ctx, realm.ID, b.ID, d.ID))
		got, err := s.GetGroup(ctx, realm.ID, c.ID)
		must(t, err)
		if got.Path != "/"+d.Name+"/b/c" {
			t.Errorf("path after move = %q", got.Path)
		}
		must(t, s.MoveGroup(ctx, realm.ID, b.ID, ""))
		got, err = s.GetGroup(ctx, realm.ID, b.ID)
		must(t, err)
		if got.ParentID != "" || got.Path != "/b" {
			t.Errorf("moved to top: %+v", got)
		}
		if ga, _ := s.GetGroup(ctx, realm.ID, a.ID); ga == nil || ga.SubGroupCount != 0 {
			t.Errorf("old parent keeps a subgroup count: %+v", ga)
		}
	})

	t.Run("ListAndPage", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		for _, n := range []string{"delta", "Alpha", "charlie", "bravo"} {
			newGroup(t, s, r.ID, "", n)
		}
		alpha, err := s.GetGroupByPath(ctx, r.ID, "/Alpha")
		must(t, err)
		kid := &model.Group{RealmID: r.ID, ParentID: alpha.ID, Name: "alphakid", Attributes: map[string][]string{"team": {"Blue"}}}
		must(t, s.CreateGroup(ctx, kid))
		top, err := s.ListGroups(ctx, r.ID, store.GroupQuery{})
		must(t, err)
		checkList(t, "top level by name (byte order)", groupNames(top), []string{"Alpha", "bravo", "charlie", "delta"})
		if top[0].SubGroupCount != 1 {
			t.Errorf("Alpha SubGroupCount = %d", top[0].SubGroupCount)
		}
		page, err := s.ListGroups(ctx, r.ID, store.GroupQuery{Page: store.Page{First: 1, Max: 2}})
		must(t, err)
		checkList(t, "page", groupNames(page), []string{"bravo", "charlie"})
		for _, c := range []struct {
			q    store.GroupQuery
			want []string
		}{
			{store.GroupQuery{Search: "ALPHA"}, []string{"Alpha"}},
			{store.GroupQuery{Search: "alpha", AnyLevel: true}, []string{"Alpha", "alphakid"}},
			{store.GroupQuery{Search: "alpha", Exact: true, AnyLevel: true}, nil},
			{store.GroupQuery{Search: "Alpha", Exact: true, AnyLevel: true}, []string{"Alpha"}},
			{store.GroupQuery{ParentID: alpha.ID}, []string{"alphakid"}},
			{store.GroupQuery{AnyLevel: true, Attributes: map[string]string{"team": "Blue"}}, []string{"alphakid"}},
			{store.GroupQuery{AnyLevel: true, Attributes: map[string]string{"team": "blue"}}, nil},
			{store.GroupQuery{Search: "%"}, nil},
		} {
			got, err := s.ListGroups(ctx, r.ID, c.q)
			must(t, err)
			checkList(t, "ListGroups", groupNames(got), c.want)
			n, err := s.CountGroups(ctx, r.ID, c.q)
			must(t, err)
			if n != len(c.want) {
				t.Errorf("CountGroups(%+v) = %d, want %d", c.q, n, len(c.want))
			}
		}
		if got, _ := s.ListGroups(ctx, r.ID, store.GroupQuery{AnyLevel: true, Search: "kid"}); len(got) != 1 ||
			got[0].Path != "/Alpha/alphakid" || got[0].Attributes["team"][0] != "Blue" {
			t.Errorf("search result carries no path or attributes: %+v", got)
		}
	})

	t.Run("MembersAndRoles", func(t *testing.T) {
		ctx := ctxFor(t)
		parent := newGroup(t, s, realm.ID, "", uniq("Parent"))
		child := newGroup(t, s, realm.ID, parent.ID, "kid")
		u1 := newUser(t, s, realm.ID, uniq("member-b"))
		u2 := newUser(t, s, realm.ID, uniq("member-a"))
		pr := newRole(t, s, realm.ID, "", uniq("parent-role"))
		cr := newRole(t, s, realm.ID, "", uniq("child-role"))
		for _, u := range []*model.User{u1, u2} {
			added, err := s.AddGroupMember(ctx, realm.ID, child.ID, u.ID)
			must(t, err)
			if !added {
				t.Errorf("first AddGroupMember reports not added")
			}
		}
		if added, err := s.AddGroupMember(ctx, realm.ID, child.ID, u1.ID); err != nil || added {
			t.Errorf("second AddGroupMember = %v, %v; want false, nil", added, err)
		}
		members, err := s.ListGroupMembers(ctx, realm.ID, child.ID, store.Page{})
		must(t, err)
		checkList(t, "members by username", usernames(members), []string{u2.Username, u1.Username})
		members, err = s.ListGroupMembers(ctx, realm.ID, child.ID, store.Page{First: 1, Max: 1})
		must(t, err)
		checkList(t, "members page", usernames(members), []string{u1.Username})
		if ms, _ := s.ListGroupMembers(ctx, realm.ID, parent.ID, store.Page{}); len(ms) != 0 {
			t.Errorf("parent lists its child's members: %v", usernames(ms))
		}
		_, err = s.AddGroupMember(ctx, realm.ID, parent.ID, u1.ID)
		must(t, err)
		ug, err := s.ListUserGroups(ctx, realm.ID, u1.ID, store.GroupQuery{})
		must(t, err)
		checkList(t, "user's groups", groupNames(ug), []string{parent.Name, "kid"})
		ug, err = s.ListUserGroups(ctx, realm.ID, u1.ID, store.GroupQuery{Search: "KI"})
		must(t, err)
		checkList(t, "user's groups searched", groupNames(ug), []string{"kid"})
		if n, err := s.CountUserGroups(ctx, realm.ID, u1.ID, store.GroupQuery{}); err != nil || n != 2 {
			t.Errorf("CountUserGroups = %d, %v", n, err)
		}

		must(t, s.GrantGroupRoles(ctx, realm.ID, parent.ID, []string{pr.ID}))
		must(t, s.GrantGroupRoles(ctx, realm.ID, child.ID, []string{cr.ID, cr.ID}))
		direct, err := s.ListGroupRoles(ctx, realm.ID, child.ID)
		must(t, err)
		checkList(t, "child's direct roles", roleNames(direct), []string{cr.Name})
		inherited, err := s.ListInheritedGroupRoles(ctx, realm.ID, child.ID)
		must(t, err)
		checkList(t, "child's inherited roles", roleNames(inherited), sorted([]string{cr.Name, pr.Name}))
		viaGroups, err := s.ListUserGroupRoles(ctx, realm.ID, u2.ID)
		must(t, err)
		checkList(t, "u2's roles through groups", roleNames(viaGroups), sorted([]string{cr.Name, pr.Name}))
		viaGroups, err = s.ListUserGroupRoles(ctx, realm.ID, u1.ID)
		must(t, err)
		checkList(t, "u1's roles through groups, each once", roleNames(viaGroups), sorted([]string{cr.Name, pr.Name}))
		rg, err := s.ListRoleGroups(ctx, realm.ID, pr.ID, store.Page{})
		must(t, err)
		checkList(t, "groups of a role", groupNames(rg), []string{parent.Name})
		wantErr(t, "grant a role of another realm", s.GrantGroupRoles(ctx, realm.ID, child.ID,
			[]string{newRole(t, s, newRealm(t, s).ID, "", "x").ID}), store.ErrNotFound)

		must(t, s.RevokeGroupRoles(ctx, realm.ID, parent.ID, []string{pr.ID}))
		viaGroups, err = s.ListUserGroupRoles(ctx, realm.ID, u2.ID)
		must(t, err)
		checkList(t, "after revoke", roleNames(viaGroups), []string{cr.Name})
		if removed, err := s.RemoveGroupMember(ctx, realm.ID, child.ID, u2.ID); err != nil || !removed {
			t.Errorf("RemoveGroupMember = %v, %v", removed, err)
		}
		if removed, err := s.RemoveGroupMember(ctx, realm.ID, child.ID, u2.ID); err != nil || removed {
			t.Errorf("second RemoveGroupMember = %v, %v", removed, err)
		}
		if rs, _ := s.ListUserGroupRoles(ctx, realm.ID, u2.ID); len(rs) != 0 {
			t.Errorf("roles left after leaving the group: %v", roleNames(rs))
		}
	})

	t.Run("Cascades", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		top := newGroup(t, s, r.ID, "", "top")
		kid := newGroup(t, s, r.ID, top.ID, "kid")
		u := newUser(t, s, r.ID, uniq("casc"))
		rl := newRole(t, s, r.ID, "", "gone")
		keep := newRole(t, s, r.ID, "", "kept")
		_, err := s.AddGroupMember(ctx, r.ID, kid.ID, u.ID)
		must(t, err)
		must(t, s.GrantGroupRoles(ctx, r.ID, kid.ID, []string{rl.ID, keep.ID}))
		must(t, s.AddDefaultGroup(ctx, r.ID, kid.ID))
		must(t, s.AddDefaultGroup(ctx, r.ID, kid.ID))
		defs, err := s.ListDefaultGroups(ctx, r.ID)
		must(t, err)
		checkList(t, "default groups", groupNames(defs), []string{"kid"})

		must(t, s.DeleteRole(ctx, r.ID, rl.ID))
		roles, err := s.ListGroupRoles(ctx, r.ID, kid.ID)
		must(t, err)
		checkList(t, "mappings after a role's deletion", roleNames(roles), []string{"kept"})

		must(t, s.DeleteGroup(ctx, r.ID, top.ID))
		defs, err = s.ListDefaultGroups(ctx, r.ID)
		wantGone(t, "default groups after deleting the group", len(defs), err)
		ug, err := s.ListUserGroups(ctx, r.ID, u.ID, store.GroupQuery{})
		wantGone(t, "memberships after deleting the group", len(ug), err)
		rg, err := s.ListRoleGroups(ctx, r.ID, keep.ID, store.Page{})
		wantGone(t, "role's groups after deleting the group", len(rg), err)

		g2 := newGroup(t, s, r.ID, "", "again")
		_, err = s.AddGroupMember(ctx, r.ID, g2.ID, u.ID)
		must(t, err)
		must(t, s.DeleteUser(ctx, r.ID, u.ID))
		ms, err := s.ListGroupMembers(ctx, r.ID, g2.ID, store.Page{})
		wantGone(t, "members after deleting the user", len(ms), err)
		must(t, s.RemoveDefaultGroup(ctx, r.ID, g2.ID))

		must(t, s.DeleteRealm(ctx, r.ID))
		_, err = s.GetGroup(ctx, r.ID, g2.ID)
		wantErr(t, "group after its realm was deleted", err, store.ErrNotFound)
	})

	t.Run("Isolation", func(t *testing.T) {
		ctx := ctxFor(t)
		a, b := newRealm(t, s), newRealm(t, s)
		ga := newGroup(t, s, a.ID, "", "same")
		gb := newGroup(t, s, b.ID, "", "same")
		ub := newUser(t, s, b.ID, uniq("iso"))
		_, err := s.AddGroupMember(ctx, a.ID, ga.ID, ub.ID)
		wantErr(t, "member from another realm", err, store.ErrNotFound)
		_, err = s.AddGroupMember(ctx, b.ID, ga.ID, ub.ID)
		wantErr(t, "group from another realm", err, store.ErrNotFound)
		wantErr(t, "create under another realm's group",
			s.CreateGroup(ctx, &model.Group{RealmID: b.ID, ParentID: ga.ID, Name: "x"}), store.ErrNotFound)
		wantErr(t, "move under another realm's group", s.MoveGroup(ctx, b.ID, gb.ID, ga.ID), store.ErrNotFound)
		wantErr(t, "delete another realm's group", s.DeleteGroup(ctx, b.ID, ga.ID), store.ErrNotFound)
		wantErr(t, "default group of another realm", s.AddDefaultGroup(ctx, b.ID, ga.ID), store.ErrNotFound)
		list, err := s.ListGroups(ctx, b.ID, store.GroupQuery{AnyLevel: true})
		must(t, err)
		if len(list) != 1 || list[0].ID != gb.ID {
			t.Errorf("realm b lists %+v", list)
		}
	})

	t.Run("ConcurrentCreates", func(t *testing.T) {
		name := uniq("Race")
		parent := newGroup(t, s, realm.ID, "", uniq("RaceParent"))
		for _, p := range []string{"", parent.ID} {
			errs := race(func(int) error {
				return s.CreateGroup(ctxFor(t), &model.Group{RealmID: realm.ID, ParentID: p, Name: name})
			})
			oneWins(t, "create "+name+" under "+p, errs)
		}
	})
}
