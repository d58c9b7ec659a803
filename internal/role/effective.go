package role

import (
	"context"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Reader is the part of the store a user's role expansion reads.
type Reader interface {
	ListUserRoles(ctx context.Context, realmID, userID string) ([]model.Role, error)
	// ListUserGroupRoles is the roles mapped to the user's groups and to
	// their ancestors (RoleUtils.hasRoleFromGroup with checkParentGroup).
	ListUserGroupRoles(ctx context.Context, realmID, userID string) ([]model.Role, error)
	ListComposites(ctx context.Context, realmID, parentID string) ([]model.Role, error)
}

// CompositeReader lists a role's direct children.
type CompositeReader interface {
	ListComposites(ctx context.Context, realmID, parentID string) ([]model.Role, error)
}

// Expand returns roots and every role reachable from them through
// composites, each once, in a stable order (by name). A cycle of
// composites is followed once around and stops.
func Expand(ctx context.Context, st CompositeReader, realmID string, roots []model.Role) ([]model.Role, error) {
	seen := make(map[string]bool, len(roots))
	var out []model.Role
	queue := slices.Clone(roots)
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		out = append(out, r)
		if !r.Composite {
			continue
		}
		children, err := st.ListComposites(ctx, realmID, r.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range children {
			if !seen[c.ID] {
				queue = append(queue, c)
			}
		}
	}
	slices.SortFunc(out, func(a, b model.Role) int {
		if c := strings.Compare(a.ClientID, b.ClientID); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// Effective returns the user's effective roles: mapped to the user, or to
// a group the user is a member of, or to an ancestor of such a group, with
// every composite expanded.
func Effective(ctx context.Context, st Reader, realmID, userID string) ([]model.Role, error) {
	roots, err := Roots(ctx, st, realmID, userID)
	if err != nil {
		return nil, err
	}
	return Expand(ctx, st, realmID, roots)
}

// Roots returns the roles a user holds before composites are expanded:
// direct mappings and those reached through groups.
func Roots(ctx context.Context, st Reader, realmID, userID string) ([]model.Role, error) {
	direct, err := st.ListUserRoles(ctx, realmID, userID)
	if err != nil {
		return nil, err
	}
	viaGroups, err := st.ListUserGroupRoles(ctx, realmID, userID)
	if err != nil {
		return nil, err
	}
	return append(direct, viaGroups...), nil
}

// GroupReader is the part of the store a group's role expansion reads.
type GroupReader interface {
	ListInheritedGroupRoles(ctx context.Context, realmID, groupID string) ([]model.Role, error)
	ListComposites(ctx context.Context, realmID, parentID string) ([]model.Role, error)
}

// GroupEffective returns a group's effective roles: mapped to it or to
// any of its ancestors, composites expanded (GroupAdapter.hasRole).
func GroupEffective(ctx context.Context, st GroupReader, realmID, groupID string) ([]model.Role, error) {
	roots, err := st.ListInheritedGroupRoles(ctx, realmID, groupID)
	if err != nil {
		return nil, err
	}
	return Expand(ctx, st, realmID, roots)
}

// Access is effective roles shaped as tokens carry them: realm role names,
// and client role names by the client's public clientId.
type Access struct {
	Realm   []string
	Clients map[string][]string
}

// ClientGetter resolves a client's internal id.
type ClientGetter interface {
	GetClient(ctx context.Context, realmID, id string) (*model.Client, error)
}

// ToAccess groups roles into realm and client roles by clientId.
func ToAccess(ctx context.Context, st ClientGetter, realmID string, roles []model.Role) (Access, error) {
	a := Access{Clients: map[string][]string{}}
	names := map[string]string{}
	for _, r := range roles {
		if !r.ClientRole() {
			a.Realm = append(a.Realm, r.Name)
			continue
		}
		cid, ok := names[r.ClientID]
		if !ok {
			c, err := st.GetClient(ctx, realmID, r.ClientID)
			if err != nil {
				return Access{}, err
			}
			cid = c.ClientID
			names[r.ClientID] = cid
		}
		a.Clients[cid] = append(a.Clients[cid], r.Name)
	}
	return a, nil
}

var (
	_ Reader      = store.Store(nil)
	_ GroupReader = store.Store(nil)
)
