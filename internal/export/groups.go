package export

import (
	"context"
	"fmt"
	"maps"

	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// groupReps describes the subgroups of parentID ("" for the top level),
// recursively, as Keycloak's export does (ModelToRepresentation
// .toGroupHierarchy with full representations): attributes and role
// mappings by name, realmRoles and clientRoles by clientId.
func groupReps(ctx context.Context, st store.Store, d *realmData, parentID string) ([]kcrep.GroupRepresentation, error) {
	groups, err := st.ListGroups(ctx, d.realm.ID, store.GroupQuery{ParentID: parentID})
	if err != nil {
		return nil, err
	}
	out := make([]kcrep.GroupRepresentation, 0, len(groups))
	for i := range groups {
		g := &groups[i]
		gr := kcrep.GroupRepresentation{ID: g.ID, Name: g.Name, Description: g.Description, Path: g.Path,
			ParentID: g.ParentID, Attributes: maps.Clone(g.Attributes),
			RealmRoles: []string{}, ClientRoles: map[string][]string{}}
		if gr.Attributes == nil {
			gr.Attributes = map[string][]string{}
		}
		roles, err := st.ListGroupRoles(ctx, d.realm.ID, g.ID)
		if err != nil {
			return nil, err
		}
		for _, role := range roles {
			if role.ClientID == "" {
				gr.RealmRoles = append(gr.RealmRoles, role.Name)
				continue
			}
			c, ok := d.clients[role.ClientID]
			if !ok {
				return nil, fmt.Errorf("group %s: role %s of an unknown client %s", g.Path, role.Name, role.ClientID)
			}
			gr.ClientRoles[c.ClientID] = append(gr.ClientRoles[c.ClientID], role.Name)
		}
		if gr.SubGroups, err = groupReps(ctx, st, d, g.ID); err != nil {
			return nil, err
		}
		out = append(out, gr)
	}
	return out, nil
}

// defaultGroupPaths lists the paths of the realm's default groups.
func defaultGroupPaths(ctx context.Context, st store.Store, r *model.Realm) ([]string, error) {
	groups, err := st.ListDefaultGroups(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(groups))
	for _, g := range groups {
		out = append(out, g.Path)
	}
	return out, nil
}

// userGroupPaths lists the paths of the groups the user is a direct
// member of (an exported user's "groups").
func userGroupPaths(ctx context.Context, st store.Store, realmID, userID string) ([]string, error) {
	groups, err := st.ListUserGroups(ctx, realmID, userID, store.GroupQuery{})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(groups))
	for _, g := range groups {
		out = append(out, g.Path)
	}
	return out, nil
}
