package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// Login failures are one row per user, keyed by (realm, user), as
// verification codes are; the user must be in the realm (the check is part
// of the INSERT). Recording one is a read-modify-write inside one
// transaction: SQLite's single writer and PostgreSQL's SERIALIZABLE (whose
// failures are retried) make concurrent failures all count.

const loginFailureCols = `realm_id, user_id, num_failures, num_temporary_lockouts, last_failure,
	last_ip_failure, failed_login_not_before`

type rowScanner interface{ Scan(dest ...any) error }

func scanLoginFailure(sc rowScanner) (store.LoginFailure, error) {
	var (
		f    store.LoginFailure
		last int64
	)
	err := sc.Scan(&f.RealmID, &f.UserID, &f.NumFailures, &f.NumTemporaryLockouts, &last,
		&f.LastIPFailure, &f.FailedLoginNotBefore)
	if last != 0 {
		f.LastFailure = fromMillis(last)
	}
	return f, err
}

func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// GetLoginFailure implements store.LoginFailureStore.
func (s *Store) GetLoginFailure(ctx context.Context, realmID, userID string) (*store.LoginFailure, error) {
	var f store.LoginFailure
	err := s.read(ctx, func(q querier) error {
		var err error
		f, err = scanLoginFailure(q.QueryRowContext(ctx, `SELECT `+loginFailureCols+` FROM login_failures
			WHERE realm_id = $1 AND user_id = $2`, realmID, userID))
		return notFound(err, "login failures of user "+userID)
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// RecordLoginFailure implements store.LoginFailureStore.
func (s *Store) RecordLoginFailure(ctx context.Context, realmID, userID string,
	update func(*store.LoginFailure)) (*store.LoginFailure, error) {
	var out store.LoginFailure
	err := s.InTx(ctx, func(tx store.Store) error {
		txs := tx.(*Store)
		return txs.write(ctx, func(q querier) error {
			f, err := scanLoginFailure(q.QueryRowContext(ctx, `SELECT `+loginFailureCols+`
				FROM login_failures WHERE realm_id = $1 AND user_id = $2`, realmID, userID))
			if errors.Is(err, sql.ErrNoRows) { // no record yet
				f, err = store.LoginFailure{}, nil
			}
			if err != nil {
				return err
			}
			f.RealmID, f.UserID = realmID, userID
			update(&f)
			f.RealmID, f.UserID = realmID, userID
			f.LastFailure = ms(f.LastFailure)
			res, err := q.ExecContext(ctx, `INSERT INTO login_failures (`+loginFailureCols+`)
				SELECT $1, $2, $3, $4, $5, $6, $7
				WHERE EXISTS (SELECT 1 FROM users WHERE realm_id = $1 AND id = $2)
				ON CONFLICT (realm_id, user_id) DO UPDATE SET num_failures = excluded.num_failures,
					num_temporary_lockouts = excluded.num_temporary_lockouts,
					last_failure = excluded.last_failure, last_ip_failure = excluded.last_ip_failure,
					failed_login_not_before = excluded.failed_login_not_before`,
				realmID, userID, f.NumFailures, f.NumTemporaryLockouts, millisOrZero(f.LastFailure),
				f.LastIPFailure, f.FailedLoginNotBefore)
			if err != nil {
				return err
			}
			if err := mustAffect(res, "user "+userID); err != nil {
				return err
			}
			out = f
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ms truncates to the stored precision; the zero time stays zero.
func ms(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return fromMillis(t.UnixMilli())
}

// DeleteLoginFailure implements store.LoginFailureStore.
func (s *Store) DeleteLoginFailure(ctx context.Context, realmID, userID string) error {
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `DELETE FROM login_failures WHERE realm_id = $1 AND user_id = $2`,
			realmID, userID)
		return err
	})
}

// ListLoginFailures implements store.LoginFailureStore.
func (s *Store) ListLoginFailures(ctx context.Context, realmID string) ([]store.LoginFailure, error) {
	var out []store.LoginFailure
	err := s.read(ctx, func(q querier) error {
		out = nil
		rows, err := q.QueryContext(ctx, `SELECT `+loginFailureCols+` FROM login_failures
			WHERE realm_id = $1 ORDER BY user_id`, realmID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanLoginFailure(rows)
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return rows.Err()
	})
	return out, err
}

// DeleteRealmLoginFailures implements store.LoginFailureStore.
func (s *Store) DeleteRealmLoginFailures(ctx context.Context, realmID string) (int, error) {
	var n int64
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM login_failures WHERE realm_id = $1`, realmID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
