package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Roles live in one table: client_id is '' for realm roles and the owning
// client's internal id otherwise, so UNIQUE(realm_id, client_id, name) gives
// both uniqueness rules at once. Composite is derived from role_composites.

const roleCols = `r.id, r.realm_id, r.client_id, r.name, r.description, r.attributes,
	EXISTS (SELECT 1 FROM role_composites rc WHERE rc.parent_id = r.id)`

func scanRole(sc interface{ Scan(...any) error }) (*model.Role, error) {
	var (
		r     model.Role
		attrs string
	)
	if err := sc.Scan(&r.ID, &r.RealmID, &r.ClientID, &r.Name, &r.Description, &attrs, &r.Composite); err != nil {
		return nil, err
	}
	if attrs != "" && attrs != "{}" {
		if err := json.Unmarshal([]byte(attrs), &r.Attributes); err != nil {
			return nil, fmt.Errorf("sqlstore: role %s: decoding attributes: %w", r.ID, err)
		}
	}
	return &r, nil
}

func roleAttrs(r *model.Role) (string, error) {
	if len(r.Attributes) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(r.Attributes)
	return string(b), err
}

func queryRoles(ctx context.Context, q querier, query string, vals ...any) ([]model.Role, error) {
	rows, err := q.QueryContext(ctx, query, vals...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Role
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// CreateRole implements store.RoleStore. A client role whose client is not
// in the realm is ErrNotFound; the check is part of the INSERT itself.
func (s *Store) CreateRole(ctx context.Context, r *model.Role) error {
	ensureID(&r.ID)
	attrs, err := roleAttrs(r)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `INSERT INTO roles (id, realm_id, client_id, name, description, attributes)
			SELECT $1, $2, $3, $4, $5, $6
			WHERE $3 = '' OR EXISTS (SELECT 1 FROM clients WHERE realm_id = $2 AND id = $3)`,
			r.ID, r.RealmID, r.ClientID, r.Name, r.Description, attrs)
		if err != nil {
			return err
		}
		return mustAffect(res, "client "+r.ClientID)
	})
}

// GetRole implements store.RoleStore.
func (s *Store) GetRole(ctx context.Context, realmID, id string) (*model.Role, error) {
	var r *model.Role
	err := s.read(ctx, func(q querier) error {
		var err error
		r, err = scanRole(q.QueryRowContext(ctx,
			`SELECT `+roleCols+` FROM roles r WHERE r.realm_id = $1 AND r.id = $2`, realmID, id))
		return notFound(err, "role "+id)
	})
	return r, err
}

// GetRoleByName implements store.RoleStore.
func (s *Store) GetRoleByName(ctx context.Context, realmID, clientID, name string) (*model.Role, error) {
	var r *model.Role
	err := s.read(ctx, func(q querier) error {
		var err error
		r, err = scanRole(q.QueryRowContext(ctx, `SELECT `+roleCols+` FROM roles r
			WHERE r.realm_id = $1 AND r.client_id = $2 AND r.name = $3`, realmID, clientID, name))
		return notFound(err, "role "+name)
	})
	return r, err
}

// ListRoles implements store.RoleStore.
func (s *Store) ListRoles(ctx context.Context, realmID, clientID string, rq store.RoleQuery) ([]model.Role, error) {
	var a args
	where := `r.realm_id = ` + a.add(realmID) + ` AND r.client_id = ` + a.add(clientID)
	if rq.Search != "" {
		// Role names are few per realm or client; a lower() scan of them is
		// cheap and keeps the schema free of another column.
		where += ` AND lower(r.name) LIKE ` + a.add("%"+likeEscape(strings.ToLower(rq.Search))+"%") + ` ESCAPE '\'`
	}
	var out []model.Role
	err := s.read(ctx, func(q querier) error {
		var err error
		out, err = queryRoles(ctx, q, `SELECT `+roleCols+` FROM roles r WHERE `+where+
			` ORDER BY r.name`+limit(rq.Page), a.vals...)
		return err
	})
	return out, err
}

// UpdateRole implements store.RoleStore. A role does not move between the
// realm and a client.
func (s *Store) UpdateRole(ctx context.Context, r *model.Role) error {
	attrs, err := roleAttrs(r)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE roles SET name = $1, description = $2, attributes = $3
			WHERE realm_id = $4 AND id = $5`, r.Name, r.Description, attrs, r.RealmID, r.ID)
		if err != nil {
			return err
		}
		return mustAffect(res, "role "+r.ID)
	})
}

// DeleteRole implements store.RoleStore; its composite links and user
// mappings go by cascade.
func (s *Store) DeleteRole(ctx context.Context, realmID, id string) error {
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM roles WHERE realm_id = $1 AND id = $2`, realmID, id)
		if err != nil {
			return err
		}
		return mustAffect(res, "role "+id)
	})
}

// requireRoles answers ErrNotFound unless every id is a role of the realm.
// It runs in the writing transaction; the foreign keys of the link tables
// back it up against a concurrent delete.
func requireRoles(ctx context.Context, q querier, realmID string, ids []string) error {
	for _, chunk := range chunks(dedupe(ids)) {
		var a args
		where := `realm_id = ` + a.add(realmID) + ` AND id IN ` + a.in(chunk)
		var n int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM roles WHERE `+where, a.vals...).Scan(&n); err != nil {
			return err
		}
		if n != len(chunk) {
			return fmt.Errorf("%w: role not in realm %s", store.ErrNotFound, realmID)
		}
	}
	return nil
}

// requireUser answers ErrNotFound unless the user is in the realm.
func requireUser(ctx context.Context, q querier, realmID, userID string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM users WHERE realm_id = $1 AND id = $2`, realmID, userID).Scan(&one)
	return notFound(err, "user "+userID)
}
