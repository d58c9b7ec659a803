package sqlstore

import (
	"context"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Group memberships, group role mappings and default groups. As with user
// role mappings, every id passed in must be in the realm or the call is
// ErrNotFound and writes nothing.

// AddGroupMember implements store.GroupStore.
func (s *Store) AddGroupMember(ctx context.Context, realmID, groupID, userID string) (bool, error) {
	var added bool
	err := s.write(ctx, func(q querier) error {
		if err := requireGroup(ctx, q, realmID, groupID); err != nil {
			return err
		}
		if err := requireUser(ctx, q, realmID, userID); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)
			ON CONFLICT (group_id, user_id) DO NOTHING`, groupID, userID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		added = n > 0
		return err
	})
	return added, err
}

// RemoveGroupMember implements store.GroupStore.
func (s *Store) RemoveGroupMember(ctx context.Context, realmID, groupID, userID string) (bool, error) {
	var removed bool
	err := s.write(ctx, func(q querier) error {
		if err := requireGroup(ctx, q, realmID, groupID); err != nil {
			return err
		}
		if err := requireUser(ctx, q, realmID, userID); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = $1 AND user_id = $2`, groupID, userID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		removed = n > 0
		return err
	})
	return removed, err
}

// ListGroupMembers implements store.GroupStore.
func (s *Store) ListGroupMembers(ctx context.Context, realmID, groupID string, p store.Page) ([]model.User, error) {
	if err := s.read(ctx, func(q querier) error { return requireGroup(ctx, q, realmID, groupID) }); err != nil {
		return nil, err
	}
	return s.listUsers(ctx, `SELECT `+userCols+` FROM users u
		JOIN group_members m ON m.user_id = u.id
		WHERE m.group_id = $1 AND u.realm_id = $2 ORDER BY u.username`+limit(p), []any{groupID, realmID})
}

func userGroupFilter(a *args, realmID, userID string, q store.GroupQuery) string {
	conds := []string{"g.realm_id = " + a.add(realmID),
		"g.id IN (SELECT m.group_id FROM group_members m WHERE m.user_id = " + a.add(userID) + ")"}
	if q.Search != "" {
		conds = append(conds, "g.name_lower LIKE "+a.add("%"+likeEscape(strings.ToLower(q.Search))+"%")+` ESCAPE '\'`)
	}
	return strings.Join(conds, " AND ")
}

// ListUserGroups implements store.GroupStore.
func (s *Store) ListUserGroups(ctx context.Context, realmID, userID string, q store.GroupQuery) ([]model.Group, error) {
	var out []model.Group
	err := s.read(ctx, func(qr querier) error {
		if err := requireUser(ctx, qr, realmID, userID); err != nil {
			return err
		}
		var a args
		where := userGroupFilter(&a, realmID, userID, q)
		var err error
		out, err = queryGroups(ctx, qr, `SELECT `+groupCols+` FROM realm_groups g WHERE `+where+
			` ORDER BY g.name, g.id`+limit(q.Page), a.vals...)
		return err
	})
	return out, err
}

// CountUserGroups implements store.GroupStore.
func (s *Store) CountUserGroups(ctx context.Context, realmID, userID string, q store.GroupQuery) (int, error) {
	var n int
	err := s.read(ctx, func(qr querier) error {
		if err := requireUser(ctx, qr, realmID, userID); err != nil {
			return err
		}
		var a args
		where := userGroupFilter(&a, realmID, userID, q)
		return qr.QueryRowContext(ctx, `SELECT count(*) FROM realm_groups g WHERE `+where, a.vals...).Scan(&n)
	})
	return n, err
}

// GrantGroupRoles implements store.GroupStore.
func (s *Store) GrantGroupRoles(ctx context.Context, realmID, groupID string, roleIDs []string) error {
	return s.write(ctx, func(q querier) error {
		if err := requireGroup(ctx, q, realmID, groupID); err != nil {
			return err
		}
		if err := requireRoles(ctx, q, realmID, roleIDs); err != nil {
			return err
		}
		for _, id := range dedupe(roleIDs) {
			if _, err := q.ExecContext(ctx, `INSERT INTO group_roles (group_id, role_id) VALUES ($1, $2)
				ON CONFLICT (group_id, role_id) DO NOTHING`, groupID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// RevokeGroupRoles implements store.GroupStore.
func (s *Store) RevokeGroupRoles(ctx context.Context, realmID, groupID string, roleIDs []string) error {
	return s.write(ctx, func(q querier) error {
		if err := requireGroup(ctx, q, realmID, groupID); err != nil {
			return err
		}
		if err := requireRoles(ctx, q, realmID, roleIDs); err != nil {
			return err
		}
		for _, id := range dedupe(roleIDs) {
			if _, err := q.ExecContext(ctx, `DELETE FROM group_roles WHERE group_id = $1 AND role_id = $2`,
				groupID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListGroupRoles implements store.GroupStore.
func (s *Store) ListGroupRoles(ctx context.Context, realmID, groupID string) ([]model.Role, error) {
	var out []model.Role
	err := s.read(ctx, func(q querier) error {
		if err := requireGroup(ctx, q, realmID, groupID); err != nil {
			return err
		}
		var err error
		out, err = queryRoles(ctx, q, `SELECT `+roleCols+` FROM roles r
			JOIN group_roles m ON m.role_id = r.id
			WHERE m.group_id = $1 AND r.realm_id = $2 ORDER BY r.name, r.client_id`, groupID, realmID)
		return err
	})
	return out, err
}

// ancestors selects the groups in anc(id) and every ancestor of each; the
// query using it seeds anc.
const ancestors = ` UNION
		SELECT g.parent_id FROM realm_groups g JOIN anc ON g.id = anc.id
		WHERE g.realm_id = $1 AND g.parent_id <> '')`

// ListInheritedGroupRoles implements store.GroupStore.
func (s *Store) ListInheritedGroupRoles(ctx context.Context, realmID, groupID string) ([]model.Role, error) {
	var out []model.Role
	err := s.read(ctx, func(q querier) error {
		if err := requireGroup(ctx, q, realmID, groupID); err != nil {
			return err
		}
		var err error
		out, err = queryRoles(ctx, q, `WITH RECURSIVE anc(id) AS (SELECT CAST($2 AS TEXT)`+ancestors+`
			SELECT `+roleCols+` FROM roles r WHERE r.realm_id = $1 AND r.id IN
			(SELECT m.role_id FROM group_roles m JOIN anc ON m.group_id = anc.id)
			ORDER BY r.name, r.client_id`, realmID, groupID)
		return err
	})
	return out, err
}

// ListUserGroupRoles implements store.GroupStore.
func (s *Store) ListUserGroupRoles(ctx context.Context, realmID, userID string) ([]model.Role, error) {
	var out []model.Role
	err := s.read(ctx, func(q querier) error {
		var err error
		out, err = queryRoles(ctx, q, `WITH RECURSIVE anc(id) AS (
			SELECT gm.group_id FROM group_members gm WHERE gm.user_id = $2`+ancestors+`
			SELECT `+roleCols+` FROM roles r WHERE r.realm_id = $1 AND r.id IN
			(SELECT m.role_id FROM group_roles m JOIN anc ON m.group_id = anc.id)
			ORDER BY r.name, r.client_id`, realmID, userID)
		return err
	})
	return out, err
}

// ListRoleGroups implements store.GroupStore.
func (s *Store) ListRoleGroups(ctx context.Context, realmID, roleID string, p store.Page) ([]model.Group, error) {
	var out []model.Group
	err := s.read(ctx, func(q querier) error {
		if err := requireRoles(ctx, q, realmID, []string{roleID}); err != nil {
			return err
		}
		var err error
		out, err = queryGroups(ctx, q, `SELECT `+groupCols+` FROM realm_groups g
			JOIN group_roles m ON m.group_id = g.id
			WHERE m.role_id = $1 AND g.realm_id = $2 ORDER BY g.name, g.id`+limit(p), roleID, realmID)
		return err
	})
	return out, err
}

// AddDefaultGroup implements store.GroupStore.
func (s *Store) AddDefaultGroup(ctx context.Context, realmID, groupID string) error {
	return s.write(ctx, func(q querier) error {
		if err := requireGroup(ctx, q, realmID, groupID); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `INSERT INTO default_groups (realm_id, group_id) VALUES ($1, $2)
			ON CONFLICT (realm_id, group_id) DO NOTHING`, realmID, groupID)
		return err
	})
}

// RemoveDefaultGroup implements store.GroupStore.
func (s *Store) RemoveDefaultGroup(ctx context.Context, realmID, groupID string) error {
	return s.write(ctx, func(q querier) error {
		if err := requireGroup(ctx, q, realmID, groupID); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `DELETE FROM default_groups WHERE realm_id = $1 AND group_id = $2`, realmID, groupID)
		return err
	})
}

// ListDefaultGroups implements store.GroupStore.
func (s *Store) ListDefaultGroups(ctx context.Context, realmID string) ([]model.Group, error) {
	return s.listGroups(ctx, `SELECT `+groupCols+` FROM realm_groups g
		JOIN default_groups d ON d.group_id = g.id
		WHERE d.realm_id = $1 AND g.realm_id = $1 ORDER BY g.name, g.id`, realmID)
}
