package sqlstore

import (
	"context"
	"time"

	"github.com/latchkey/latchkey/internal/model"
)

// CreateCredential implements store.CredentialStore. A user that does not
// exist fails the foreign key, which surfaces as store.ErrNotFound.
func (s *Store) CreateCredential(ctx context.Context, c *model.Credential) error {
	ensureID(&c.ID)
	ensureCreated(&c.CreatedAt)
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO credentials (id, user_id, type, user_label,
			created_at, secret_data, credential_data, priority)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			c.ID, c.UserID, c.Type, c.UserLabel, c.CreatedAt.UnixMilli(),
			c.SecretData, c.CredentialData, c.Priority)
		return err
	})
}

// ListCredentials implements store.CredentialStore.
func (s *Store) ListCredentials(ctx context.Context, userID string) ([]model.Credential, error) {
	var out []model.Credential
	err := s.read(ctx, func(q querier) error {
		out = out[:0]
		rows, err := q.QueryContext(ctx, `SELECT id, user_id, type, user_label, created_at,
			secret_data, credential_data, priority FROM credentials
			WHERE user_id = $1 ORDER BY priority, created_at, id`, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				c       model.Credential
				created int64
			)
			if err := rows.Scan(&c.ID, &c.UserID, &c.Type, &c.UserLabel, &created,
				&c.SecretData, &c.CredentialData, &c.Priority); err != nil {
				return err
			}
			c.CreatedAt = fromMillis(created)
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// UpdateCredential implements store.CredentialStore. The user and creation
// time of a credential do not change.
func (s *Store) UpdateCredential(ctx context.Context, c *model.Credential) error {
	return s.write(ctx, func(q querier) error {
		if c.CreatedAt.IsZero() {
			c.CreatedAt = time.Now()
		}
		c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Millisecond)
		res, err := q.ExecContext(ctx, `UPDATE credentials SET type = $1, user_label = $2,
			secret_data = $3, credential_data = $4, priority = $5, created_at = $6
			WHERE user_id = $7 AND id = $8`,
			c.Type, c.UserLabel, c.SecretData, c.CredentialData, c.Priority, c.CreatedAt.UnixMilli(), c.UserID, c.ID)
		if err != nil {
			return err
		}
		return mustAffect(res, "credential "+c.ID)
	})
}

// DeleteCredential implements store.CredentialStore.
func (s *Store) DeleteCredential(ctx context.Context, userID, id string) error {
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM credentials WHERE user_id = $1 AND id = $2`, userID, id)
		if err != nil {
			return err
		}
		return mustAffect(res, "credential "+id)
	})
}
