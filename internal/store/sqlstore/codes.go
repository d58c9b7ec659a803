package sqlstore

import (
	"context"

	"github.com/latchkey/latchkey/internal/model"
)

// Verification codes are one row per user, keyed by (realm, user). The
// user must be in the realm: the check is part of the INSERT, as for
// sessions, so a code can never be filed under another realm's user.

const codeCols = `realm_id, user_id, email, code_hash, attempts, expires_at, created_at`

// PutCode implements store.CodeStore. CreatedAt follows the CreatedAt
// rule (now when zero, written back); a user missing from the realm is
// ErrNotFound.
func (s *Store) PutCode(ctx context.Context, c *model.VerificationCode) error {
	ensureCreated(&c.CreatedAt)
	c.ExpiresAt = fromMillis(c.ExpiresAt.UnixMilli())
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `INSERT INTO verification_codes (`+codeCols+`)
			SELECT $1, $2, $3, $4, $5, $6, $7
			WHERE EXISTS (SELECT 1 FROM users WHERE realm_id = $1 AND id = $2)
			ON CONFLICT (realm_id, user_id) DO UPDATE SET email = excluded.email,
				code_hash = excluded.code_hash, attempts = excluded.attempts,
				expires_at = excluded.expires_at, created_at = excluded.created_at`,
			c.RealmID, c.UserID, c.Email, c.CodeHash, c.Attempts, c.ExpiresAt.UnixMilli(),
			c.CreatedAt.UnixMilli())
		if err != nil {
			return err
		}
		return mustAffect(res, "user "+c.UserID)
	})
}

// GetCode implements store.CodeStore.
func (s *Store) GetCode(ctx context.Context, realmID, userID string) (*model.VerificationCode, error) {
	var (
		c                model.VerificationCode
		expires, created int64
	)
	err := s.read(ctx, func(q querier) error {
		err := q.QueryRowContext(ctx, `SELECT `+codeCols+` FROM verification_codes
			WHERE realm_id = $1 AND user_id = $2`, realmID, userID).
			Scan(&c.RealmID, &c.UserID, &c.Email, &c.CodeHash, &c.Attempts, &expires, &created)
		return notFound(err, "verification code of user "+userID)
	})
	if err != nil {
		return nil, err
	}
	c.ExpiresAt, c.CreatedAt = fromMillis(expires), fromMillis(created)
	return &c, nil
}

// AddCodeAttempt implements store.CodeStore. The increment and the read
// are one statement, so concurrent wrong guesses each count. A missing
// code is ErrNotFound.
func (s *Store) AddCodeAttempt(ctx context.Context, realmID, userID string) (int, error) {
	var n int
	err := s.write(ctx, func(q querier) error {
		err := q.QueryRowContext(ctx, `UPDATE verification_codes SET attempts = attempts + 1
			WHERE realm_id = $1 AND user_id = $2 RETURNING attempts`, realmID, userID).Scan(&n)
		return notFound(err, "verification code of user "+userID)
	})
	return n, err
}

// DeleteCode implements store.CodeStore. A missing code is ErrNotFound,
// so that of two requests consuming one code only one succeeds.
func (s *Store) DeleteCode(ctx context.Context, realmID, userID string) error {
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM verification_codes
			WHERE realm_id = $1 AND user_id = $2`, realmID, userID)
		if err != nil {
			return err
		}
		return mustAffect(res, "verification code of user "+userID)
	})
}
