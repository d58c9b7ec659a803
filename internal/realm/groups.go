package realm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/user"
)

// groupIndex finds a realm's groups by path inside an import's
// transaction, remembering what it found: users of a realm file name the
// same few groups again and again.
type groupIndex struct {
	realmID string
	byPath  map[string]string // "/a/b" -> id
	// defaults are the ids of the realm's default groups, which
	// user.Insert makes every new user join and an import undoes (see
	// insertImportedUser); nil until loaded.
	defaults []string
}

func newGroupIndex(realmID string) *groupIndex {
	return &groupIndex{realmID: realmID, byPath: map[string]string{}}
}

// cleanPath gives a group path its leading slash, as Keycloak's
// findGroupByPath accepts it with or without.
func cleanPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "/" + p
	}
	return p
}

// find returns the id of the group at path, or ErrInvalid naming the path
// with Keycloak's message.
func (gi *groupIndex) find(ctx context.Context, tx store.Store, path string) (string, error) {
	p := cleanPath(path)
	if id, ok := gi.byPath[p]; ok {
		return id, nil
	}
	g, err := tx.GetGroupByPath(ctx, gi.realmID, p)
	if errors.Is(err, store.ErrNotFound) {
		return "", invalidf("Unable to find group specified by path: %s", path)
	}
	if err != nil {
		return "", err
	}
	gi.byPath[p] = g.ID
	return g.ID, nil
}

// importGroups creates a tree of groups under parent ("" for top level),
// with attributes and role mappings by name, as Keycloak's
// RepresentationToModel.importGroup does: a realm role a group is mapped
// to but that does not exist is created; a client role mapping needs the
// client. created, when set, receives each top-level group made.
func importGroups(ctx context.Context, tx store.Store, b *Built, gi *groupIndex, parent *model.Group,
	groups []kcrep.GroupRepresentation, where string, created func(rep *kcrep.GroupRepresentation, g *model.Group)) error {
	for i := range groups {
		gr := &groups[i]
		at := fmt.Sprintf("%s[%d]", where, i)
		if strings.TrimSpace(gr.Name) == "" {
			return invalidf("%s: a group needs a name", at)
		}
		g := &model.Group{ID: gr.ID, RealmID: b.Realm.ID, Name: gr.Name, Description: gr.Description,
			Attributes: maps.Clone(gr.Attributes)}
		path := "/" + gr.Name
		if parent != nil {
			g.ParentID = parent.ID
			path = parent.Path + path
		}
		g.Path = path
		if err := tx.CreateGroup(ctx, g); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return invalidf("%s: group %s exists already (same name, or same id)", at, path)
			}
			return fmt.Errorf("%s (%s): %w", at, path, err)
		}
		gi.byPath[path] = g.ID
		roleIDs, err := mappedRoles(ctx, tx, b, gr.RealmRoles, gr.ClientRoles)
		if err != nil {
			return fmt.Errorf("%s (%s): %w", at, path, err)
		}
		if len(roleIDs) > 0 {
			if err := tx.GrantGroupRoles(ctx, b.Realm.ID, g.ID, roleIDs); err != nil {
				return err
			}
		}
		if err := importGroups(ctx, tx, b, gi, g, gr.SubGroups, at+".subGroups", nil); err != nil {
			return err
		}
		if created != nil {
			created(gr, g)
		}
	}
	return nil
}

// setDefaultGroups makes the groups at paths the realm's default groups
// (Keycloak: "default group in realm rep doesn't exist" otherwise).
func setDefaultGroups(ctx context.Context, tx store.Store, realmID string, gi *groupIndex, paths []string) error {
	for _, p := range paths {
		id, err := gi.find(ctx, tx, p)
		if err != nil {
			return invalidf("defaultGroups: default group %s does not exist", p)
		}
		if err := tx.AddDefaultGroup(ctx, realmID, id); err != nil {
			return err
		}
	}
	return nil
}

// insertImportedUser writes a user of a realm file or a partial import:
// user.Insert, then the memberships the file gives (groups by path). As in
// Keycloak, whose import adds users without the realm's defaults
// (addUser(..., addDefaultRoles=false)), the default groups user.Insert
// joins are left again unless the file lists them; the default role stays
// granted, as everywhere in latchkey.
func insertImportedUser(ctx context.Context, tx store.Store, b *Built, gi *groupIndex, u *model.User,
	creds []model.Credential, roleIDs []string, groupPaths []string) error {
	want := make([]string, 0, len(groupPaths))
	for _, p := range groupPaths {
		id, err := gi.find(ctx, tx, p)
		if err != nil {
			return err
		}
		want = append(want, id)
	}
	if gi.defaults == nil {
		defs, err := tx.ListDefaultGroups(ctx, b.Realm.ID)
		if err != nil {
			return err
		}
		gi.defaults = make([]string, 0, len(defs))
		for _, g := range defs {
			gi.defaults = append(gi.defaults, g.ID)
		}
	}
	if err := user.Insert(ctx, tx, b.Realm, u, creds, roleIDs); err != nil {
		return err
	}
	for _, id := range gi.defaults {
		if !slices.Contains(want, id) {
			if _, err := tx.RemoveGroupMember(ctx, b.Realm.ID, id, u.ID); err != nil {
				return err
			}
		}
	}
	for _, id := range want {
		if _, err := tx.AddGroupMember(ctx, b.Realm.ID, id, u.ID); err != nil {
			return err
		}
	}
	return nil
}
