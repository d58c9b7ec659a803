package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Sessions keep, beside both expiries, their minimum (expires), so that the
// sweep is one range of one index that its LIMIT cuts short, rather than
// an OR of two ranges the database must merge before it can stop. The
// clients of a session are rows of session_clients in first-use order; a
// deleted client leaves them by cascade.

const sessionCols = `s.id, s.realm_id, s.user_id, s.started, s.last_refresh, s.idle_expires,
	s.max_expires, s.remember_me, s.offline, s.ip_address`

func scanSession(sc interface{ Scan(...any) error }) (model.Session, error) {
	var (
		s                                 model.Session
		started, refresh, idle, maxExpire int64
	)
	err := sc.Scan(&s.ID, &s.RealmID, &s.UserID, &started, &refresh, &idle, &maxExpire,
		&s.RememberMe, &s.Offline, &s.IPAddress)
	s.Started, s.LastRefresh = fromMillis(started), fromMillis(refresh)
	s.IdleExpires, s.MaxExpires = fromMillis(idle), fromMillis(maxExpire)
	return s, err
}

// normaliseSession brings the times the caller may set to what the
// database keeps (UTC, milliseconds) and the clients to a list without
// repeats, so the caller's struct equals what a later read returns.
// Started, the session's creation time, follows the CreatedAt rule.
func normaliseSession(s *model.Session, creating bool) {
	if creating {
		ensureCreated(&s.Started)
	}
	for _, t := range []*time.Time{&s.LastRefresh, &s.IdleExpires, &s.MaxExpires} {
		*t = fromMillis(t.UnixMilli())
	}
	s.Clients = dedupe(s.Clients)
}

// sessionExpires is the instant the session stops being usable: its
// earlier limit (see model.Session.Expired).
func sessionExpires(s *model.Session) int64 {
	return min(s.IdleExpires.UnixMilli(), s.MaxExpires.UnixMilli())
}

// CreateSession implements store.SessionStore. The user must be in the
// realm; the check is part of the INSERT itself.
func (s *Store) CreateSession(ctx context.Context, sess *model.Session) error {
	ensureID(&sess.ID)
	normaliseSession(sess, true)
	return s.write(ctx, func(q querier) error {
		if err := requireClients(ctx, q, sess.RealmID, sess.Clients); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `INSERT INTO user_sessions (id, realm_id, user_id, started,
			last_refresh, idle_expires, max_expires, expires, remember_me, offline, ip_address)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
			WHERE EXISTS (SELECT 1 FROM users WHERE realm_id = $2 AND id = $3)`,
			sess.ID, sess.RealmID, sess.UserID, sess.Started.UnixMilli(), sess.LastRefresh.UnixMilli(),
			sess.IdleExpires.UnixMilli(), sess.MaxExpires.UnixMilli(), sessionExpires(sess),
			sess.RememberMe, sess.Offline, sess.IPAddress)
		if err != nil {
			return err
		}
		if err := mustAffect(res, "user "+sess.UserID); err != nil {
			return err
		}
		return writeSessionClients(ctx, q, sess.ID, sess.Clients)
	})
}

// writeSessionClients stores the clients of a session that has none.
func writeSessionClients(ctx context.Context, q querier, sessionID string, clients []string) error {
	for pos, id := range clients {
		if _, err := q.ExecContext(ctx, `INSERT INTO session_clients (session_id, position, client_id)
			VALUES ($1, $2, $3)`, sessionID, pos, id); err != nil {
			return err
		}
	}
	return nil
}

// requireClients answers ErrNotFound unless every id is a client of the
// realm, as requireRoles does for roles.
func requireClients(ctx context.Context, q querier, realmID string, ids []string) error {
	for _, chunk := range chunks(dedupe(ids)) {
		var a args
		where := `realm_id = ` + a.add(realmID) + ` AND id IN ` + a.in(chunk)
		var n int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM clients WHERE `+where, a.vals...).Scan(&n); err != nil {
			return err
		}
		if n != len(chunk) {
			return fmt.Errorf("%w: client not in realm %s", store.ErrNotFound, realmID)
		}
	}
	return nil
}

// GetSession implements store.SessionStore.
func (s *Store) GetSession(ctx context.Context, realmID, id string) (*model.Session, error) {
	var sess model.Session
	err := s.read(ctx, func(q querier) error {
		var err error
		sess, err = scanSession(q.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM user_sessions s
			WHERE s.realm_id = $1 AND s.id = $2`, realmID, id))
		if err != nil {
			return notFound(err, "session "+id)
		}
		list := []model.Session{sess}
		if err := loadSessionClients(ctx, q, list); err != nil {
			return err
		}
		sess = list[0]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &sess, nil
}

// loadSessionClients fills the clients of sessions with one query per
// chunk rather than one per session.
func loadSessionClients(ctx context.Context, q querier, sessions []model.Session) error {
	byID := make(map[string]*model.Session, len(sessions))
	ids := make([]string, 0, len(sessions))
	for i := range sessions {
		byID[sessions[i].ID] = &sessions[i]
		ids = append(ids, sessions[i].ID)
	}
	for _, chunk := range chunks(ids) {
		var a args
		rows, err := q.QueryContext(ctx, `SELECT session_id, client_id FROM session_clients
			WHERE session_id IN `+a.in(chunk)+` ORDER BY session_id, position`, a.vals...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sid, cid string
			if err := rows.Scan(&sid, &cid); err != nil {
				rows.Close()
				return err
			}
			sess := byID[sid]
			sess.Clients = append(sess.Clients, cid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// UpdateSession implements store.SessionStore. Refreshes run it often and
// rarely change the clients, so their rows are rewritten only when the list
// differs.
func (s *Store) UpdateSession(ctx context.Context, sess *model.Session) error {
	normaliseSession(sess, false)
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE user_sessions SET last_refresh = $1, idle_expires = $2,
			max_expires = $3, expires = $4 WHERE realm_id = $5 AND id = $6`,
			sess.LastRefresh.UnixMilli(), sess.IdleExpires.UnixMilli(), sess.MaxExpires.UnixMilli(),
			sessionExpires(sess), sess.RealmID, sess.ID)
		if err != nil {
			return err
		}
		if err := mustAffect(res, "session "+sess.ID); err != nil {
			return err
		}
		current := []model.Session{{ID: sess.ID}}
		if err := loadSessionClients(ctx, q, current); err != nil {
			return err
		}
		if slices.Equal(current[0].Clients, sess.Clients) {
			return nil
		}
		if err := requireClients(ctx, q, sess.RealmID, sess.Clients); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM session_clients WHERE session_id = $1`, sess.ID); err != nil {
			return err
		}
		return writeSessionClients(ctx, q, sess.ID, sess.Clients)
	})
}

// DeleteSession implements store.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, realmID, id string) error {
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM user_sessions WHERE realm_id = $1 AND id = $2`, realmID, id)
		if err != nil {
			return err
		}
		return mustAffect(res, "session "+id)
	})
}

// ListUserSessions implements store.SessionStore. A user that is not in
// the realm has no sessions there.
func (s *Store) ListUserSessions(ctx context.Context, realmID, userID string) ([]model.Session, error) {
	var out []model.Session
	err := s.read(ctx, func(q querier) error {
		out = out[:0]
		rows, err := q.QueryContext(ctx, `SELECT `+sessionCols+` FROM user_sessions s
			WHERE s.realm_id = $1 AND s.user_id = $2 ORDER BY s.started, s.id`, realmID, userID)
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

// DeleteUserSessions implements store.SessionStore.
func (s *Store) DeleteUserSessions(ctx context.Context, realmID, userID string) (int, error) {
	var n int64
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM user_sessions WHERE realm_id = $1 AND user_id = $2`,
			realmID, userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// DeleteExpiredSessions implements store.SessionStore. A bounded batch
// picks the sessions that expired first, so that a sweeper which cannot
// keep up still removes the oldest ones.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time, limit int) (int, error) {
	query := `DELETE FROM user_sessions WHERE expires <= $1`
	vals := []any{now.UnixMilli()}
	if limit > 0 {
		query = `DELETE FROM user_sessions WHERE id IN (SELECT id FROM user_sessions
			WHERE expires <= $1 ORDER BY expires LIMIT $2)`
		vals = append(vals, limit)
	}
	var n int64
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, query, vals...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
