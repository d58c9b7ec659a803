package sqlstore

import (
	"context"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Composite links and user role mappings. Every id passed in must belong to
// the realm, or the call is ErrNotFound and writes nothing: the check and
// the writes share one transaction.

// AddComposites implements store.RoleStore.
func (s *Store) AddComposites(ctx context.Context, realmID, parentID string, childIDs []string) error {
	return s.write(ctx, func(q querier) error {
		if err := requireRoles(ctx, q, realmID, append([]string{parentID}, childIDs...)); err != nil {
			return err
		}
		for _, child := range dedupe(childIDs) {
			if _, err := q.ExecContext(ctx, `INSERT INTO role_composites (parent_id, child_id)
				VALUES ($1, $2) ON CONFLICT (parent_id, child_id) DO NOTHING`, parentID, child); err != nil {
				return err
			}
		}
		return nil
	})
}

// RemoveComposites implements store.RoleStore.
func (s *Store) RemoveComposites(ctx context.Context, realmID, parentID string, childIDs []string) error {
	return s.write(ctx, func(q querier) error {
		if err := requireRoles(ctx, q, realmID, append([]string{parentID}, childIDs...)); err != nil {
			return err
		}
		for _, child := range dedupe(childIDs) {
			if _, err := q.ExecContext(ctx, `DELETE FROM role_composites
				WHERE parent_id = $1 AND child_id = $2`, parentID, child); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListComposites implements store.RoleStore.
func (s *Store) ListComposites(ctx context.Context, realmID, parentID string) ([]model.Role, error) {
	var out []model.Role
	err := s.read(ctx, func(q querier) error {
		if err := requireRoles(ctx, q, realmID, []string{parentID}); err != nil {
			return err
		}
		var err error
		out, err = queryRoles(ctx, q, `SELECT `+roleCols+` FROM roles r
			JOIN role_composites l ON l.child_id = r.id
			WHERE l.parent_id = $1 AND r.realm_id = $2 ORDER BY r.name, r.client_id`, parentID, realmID)
		return err
	})
	return out, err
}

// GrantUserRoles implements store.RoleStore.
func (s *Store) GrantUserRoles(ctx context.Context, realmID, userID string, roleIDs []string) error {
	return s.write(ctx, func(q querier) error {
		if err := requireUser(ctx, q, realmID, userID); err != nil {
			return err
		}
		if err := requireRoles(ctx, q, realmID, roleIDs); err != nil {
			return err
		}
		for _, id := range dedupe(roleIDs) {
			if _, err := q.ExecContext(ctx, `INSERT INTO user_roles (user_id, role_id)
				VALUES ($1, $2) ON CONFLICT (user_id, role_id) DO NOTHING`, userID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// RevokeUserRoles implements store.RoleStore.
func (s *Store) RevokeUserRoles(ctx context.Context, realmID, userID string, roleIDs []string) error {
	return s.write(ctx, func(q querier) error {
		if err := requireUser(ctx, q, realmID, userID); err != nil {
			return err
		}
		if err := requireRoles(ctx, q, realmID, roleIDs); err != nil {
			return err
		}
		for _, id := range dedupe(roleIDs) {
			if _, err := q.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = $1 AND role_id = $2`,
				userID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListUserRoles implements store.RoleStore.
func (s *Store) ListUserRoles(ctx context.Context, realmID, userID string) ([]model.Role, error) {
	var out []model.Role
	err := s.read(ctx, func(q querier) error {
		if err := requireUser(ctx, q, realmID, userID); err != nil {
			return err
		}
		var err error
		out, err = queryRoles(ctx, q, `SELECT `+roleCols+` FROM roles r
			JOIN user_roles m ON m.role_id = r.id
			WHERE m.user_id = $1 AND r.realm_id = $2 ORDER BY r.name, r.client_id`, userID, realmID)
		return err
	})
	return out, err
}

// ListRoleUsers implements store.RoleStore.
func (s *Store) ListRoleUsers(ctx context.Context, realmID, roleID string, p store.Page) ([]model.User, error) {
	var users []model.User
	err := s.read(ctx, func(q querier) error {
		return requireRoles(ctx, q, realmID, []string{roleID})
	})
	if err != nil {
		return nil, err
	}
	users, err = s.listUsers(ctx, `SELECT `+userCols+` FROM users u
		JOIN user_roles m ON m.user_id = u.id
		WHERE m.role_id = $1 AND u.realm_id = $2 ORDER BY u.username`+limit(p), []any{roleID, realmID})
	return users, err
}
