package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Users keep lower-cased copies of the names (first_name_lower,
// last_name_lower) so that case-insensitive search is an index range scan
// in both databases; username and email are lower-case already. email_key
// is the email when it takes part in the realm's uniqueness and NULL
// otherwise, so the unique index on it enforces exactly the realm's rule.

const userCols = `u.id, u.realm_id, u.username, u.email, u.first_name, u.last_name,
	u.email_verified, u.enabled, u.created_at, u.service_account_client_id, u.not_before`

func scanUser(sc interface{ Scan(...any) error }) (model.User, error) {
	var (
		u       model.User
		created int64
		sa      sql.NullString
	)
	err := sc.Scan(&u.ID, &u.RealmID, &u.Username, &u.Email, &u.FirstName, &u.LastName,
		&u.EmailVerified, &u.Enabled, &created, &sa, &u.NotBefore)
	u.CreatedAt = fromMillis(created)
	u.ServiceAccountClientID = sa.String
	return u, err
}

func normaliseUser(u *model.User) {
	u.Username = strings.ToLower(u.Username)
	u.Email = strings.ToLower(u.Email)
}

func emailKey(u *model.User, uniqueEmail bool) sql.NullString {
	if !uniqueEmail {
		return sql.NullString{}
	}
	return nullIfEmpty(u.Email)
}

// CreateUser implements store.UserStore.
func (s *Store) CreateUser(ctx context.Context, u *model.User, uniqueEmail bool) error {
	ensureID(&u.ID)
	ensureCreated(&u.CreatedAt)
	normaliseUser(u)
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO users (id, realm_id, username, email, email_key,
			first_name, last_name, first_name_lower, last_name_lower, email_verified, enabled,
			created_at, service_account_client_id, not_before)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			u.ID, u.RealmID, u.Username, u.Email, emailKey(u, uniqueEmail),
			u.FirstName, u.LastName, strings.ToLower(u.FirstName), strings.ToLower(u.LastName),
			u.EmailVerified, u.Enabled, u.CreatedAt.UnixMilli(),
			nullIfEmpty(u.ServiceAccountClientID), u.NotBefore)
		if err != nil {
			return err
		}
		return writeUserDetails(ctx, q, u)
	})
}

// writeUserDetails stores attributes and required actions of a user whose
// old ones, if any, are already gone.
func writeUserDetails(ctx context.Context, q querier, u *model.User) error {
	names := make([]string, 0, len(u.Attributes))
	for name := range u.Attributes {
		names = append(names, name)
	}
	slices.Sort(names) // positions must not depend on map order
	pos := 0
	for _, name := range names {
		for _, v := range u.Attributes[name] {
			if _, err := q.ExecContext(ctx, `INSERT INTO user_attributes (user_id, position, name, value)
				VALUES ($1, $2, $3, $4)`, u.ID, pos, name, v); err != nil {
				return err
			}
			pos++
		}
	}
	for _, a := range dedupe(u.RequiredActions) {
		if _, err := q.ExecContext(ctx, `INSERT INTO user_required_actions (user_id, action)
			VALUES ($1, $2)`, u.ID, a); err != nil {
			return err
		}
	}
	return nil
}

// GetUser implements store.UserStore.
func (s *Store) GetUser(ctx context.Context, realmID, id string) (*model.User, error) {
	return s.getUser(ctx, `u.realm_id = $1 AND u.id = $2`, realmID, id)
}

// GetUserByUsername implements store.UserStore.
func (s *Store) GetUserByUsername(ctx context.Context, realmID, username string) (*model.User, error) {
	return s.getUser(ctx, `u.realm_id = $1 AND u.username = $2`, realmID, strings.ToLower(username))
}

// GetUserByEmail implements store.UserStore.
func (s *Store) GetUserByEmail(ctx context.Context, realmID, email string) (*model.User, error) {
	if email == "" {
		return nil, fmt.Errorf("%w: user with empty email", store.ErrNotFound)
	}
	return s.getUser(ctx, `u.realm_id = $1 AND u.email = $2 ORDER BY u.created_at, u.id LIMIT 1`,
		realmID, strings.ToLower(email))
}

// GetServiceAccountUser implements store.UserStore.
func (s *Store) GetServiceAccountUser(ctx context.Context, realmID, clientID string) (*model.User, error) {
	if clientID == "" {
		return nil, fmt.Errorf("%w: service account of no client", store.ErrNotFound)
	}
	return s.getUser(ctx, `u.realm_id = $1 AND u.service_account_client_id = $2`, realmID, clientID)
}

func (s *Store) getUser(ctx context.Context, where string, realmID, key string) (*model.User, error) {
	var u model.User
	err := s.read(ctx, func(q querier) error {
		var err error
		u, err = scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE `+where, realmID, key))
		if err != nil {
			return notFound(err, "user "+key)
		}
		users := []model.User{u}
		if err := loadUserDetails(ctx, q, users); err != nil {
			return err
		}
		u = users[0]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// loadUserDetails fills attributes and required actions of users with two
// queries per chunk rather than two per user.
func loadUserDetails(ctx context.Context, q querier, users []model.User) error {
	byID := make(map[string]*model.User, len(users))
	ids := make([]string, 0, len(users))
	for i := range users {
		byID[users[i].ID] = &users[i]
		ids = append(ids, users[i].ID)
	}
	for _, chunk := range chunks(ids) {
		var a args
		in := a.in(chunk)
		rows, err := q.QueryContext(ctx, `SELECT user_id, name, value FROM user_attributes
			WHERE user_id IN `+in+` ORDER BY user_id, position`, a.vals...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, name, value string
			if err := rows.Scan(&id, &name, &value); err != nil {
				rows.Close()
				return err
			}
			u := byID[id]
			if u.Attributes == nil {
				u.Attributes = make(map[string][]string)
			}
			u.Attributes[name] = append(u.Attributes[name], value)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		rows, err = q.QueryContext(ctx, `SELECT user_id, action FROM user_required_actions
			WHERE user_id IN `+in+` ORDER BY user_id, action`, a.vals...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, action string
			if err := rows.Scan(&id, &action); err != nil {
				rows.Close()
				return err
			}
			u := byID[id]
			u.RequiredActions = append(u.RequiredActions, action)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// UpdateUser implements store.UserStore.
func (s *Store) UpdateUser(ctx context.Context, u *model.User, uniqueEmail bool) error {
	normaliseUser(u)
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE users SET username = $1, email = $2, email_key = $3,
			first_name = $4, last_name = $5, first_name_lower = $6, last_name_lower = $7,
			email_verified = $8, enabled = $9, service_account_client_id = $10, not_before = $11
			WHERE realm_id = $12 AND id = $13`,
			u.Username, u.Email, emailKey(u, uniqueEmail), u.FirstName, u.LastName,
			strings.ToLower(u.FirstName), strings.ToLower(u.LastName), u.EmailVerified, u.Enabled,
			nullIfEmpty(u.ServiceAccountClientID), u.NotBefore, u.RealmID, u.ID)
		if err != nil {
			return err
		}
		if err := mustAffect(res, "user "+u.ID); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM user_attributes WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM user_required_actions WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		return writeUserDetails(ctx, q, u)
	})
}

// DeleteUser implements store.UserStore; credentials, attributes and role
// mappings go with the user by ON DELETE CASCADE.
func (s *Store) DeleteUser(ctx context.Context, realmID, id string) error {
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM users WHERE realm_id = $1 AND id = $2`, realmID, id)
		if err != nil {
			return err
		}
		return mustAffect(res, "user "+id)
	})
}
