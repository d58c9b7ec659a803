package sqlstore

import (
	"context"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// clientSessionsWhere selects the live online sessions of a realm that a
// client took part in ($1 realm, $2 client, $3 now in milliseconds).
const clientSessionsWhere = ` FROM user_sessions s WHERE s.realm_id = $1 AND s.offline = $4
	AND s.expires > $3 AND EXISTS (SELECT 1 FROM session_clients c
	WHERE c.session_id = s.id AND c.client_id = $2)`

// ListClientSessions implements store.SessionStore.
func (s *Store) ListClientSessions(ctx context.Context, realmID, clientID string, now time.Time, p store.Page) ([]model.Session, error) {
	var out []model.Session
	err := s.read(ctx, func(q querier) error {
		out = out[:0]
		rows, err := q.QueryContext(ctx, `SELECT `+sessionCols+clientSessionsWhere+
			` ORDER BY s.started, s.id`+limit(p), realmID, clientID, now.UnixMilli(), false)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			sess, err := scanSession(rows)
			if err != nil {
				return err
			}
			out = append(out, sess)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		return loadSessionClients(ctx, q, out)
	})
	return out, err
}

// CountClientSessions implements store.SessionStore.
func (s *Store) CountClientSessions(ctx context.Context, realmID, clientID string, now time.Time) (int, error) {
	var n int
	err := s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, `SELECT count(*)`+clientSessionsWhere,
			realmID, clientID, now.UnixMilli(), false).Scan(&n)
	})
	return n, err
}

// DeleteRealmSessions implements store.SessionStore.
func (s *Store) DeleteRealmSessions(ctx context.Context, realmID string) (int, error) {
	var n int64
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM user_sessions WHERE realm_id = $1`, realmID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
