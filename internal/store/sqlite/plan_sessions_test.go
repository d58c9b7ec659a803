package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/model"
)

// Sessions and events grow with traffic, not with users: the sweep, the
// listings and the cascades must each be served by an index.
func TestSessionAndEventQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "lk.db"))
	r := &model.Realm{Name: "plan"}
	if err := s.CreateRealm(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
		INSERT INTO users (id, realm_id, username, created_at) SELECT 'u' || i, $1, 'user' || i, i FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000)
		INSERT INTO user_sessions (id, realm_id, user_id, started, last_refresh, idle_expires, max_expires, expires)
		SELECT 's' || i, $1, 'u' || (i % 2000 + 1), i, i, i + 1000, i + 5000, i + 1000 FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000)
		INSERT INTO events (id, realm_id, time, type, client_id, user_id, ip_address)
		SELECT 'e' || i, $1, i, 'LOGIN', 'c' || (i % 20), 'u' || (i % 2000), '10.0.' || (i % 250) FROM n`,
		`ANALYZE`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{r.ID}
		}
		if _, err := s.Writer().ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	for name, q := range map[string]struct {
		sql  string
		args []any
		want string // a step the plan must have
	}{
		"sweep": {`DELETE FROM user_sessions WHERE id IN (SELECT id FROM user_sessions
			WHERE expires <= $1 ORDER BY expires LIMIT $2)`, []any{int64(500), 100}, "user_sessions_expires (expires<?)"},
		"user sessions": {`SELECT id FROM user_sessions s WHERE s.realm_id = $1 AND s.user_id = $2 ORDER BY s.started, s.id`,
			[]any{r.ID, "u1"}, "user_sessions_realm_user (realm_id=? AND user_id=?)"},
		"user cascade":   {`DELETE FROM user_sessions WHERE user_id = $1`, []any{"u1"}, "user_sessions_user (user_id=?)"},
		"client cascade": {`DELETE FROM session_clients WHERE client_id = $1`, []any{"c1"}, "session_clients_client (client_id=?)"},
		"events":         {`SELECT id FROM events WHERE realm_id = $1 ORDER BY time DESC, id DESC LIMIT 100 OFFSET 0`, []any{r.ID}, "events_realm_time (realm_id=?)"},
		"events by user": {`SELECT id FROM events WHERE realm_id = $1 AND user_id = $2 ORDER BY time DESC, id DESC LIMIT 100 OFFSET 0`,
			[]any{r.ID, "u1"}, "events_realm_user (realm_id=? AND user_id=?)"},
		"events by client": {`SELECT id FROM events WHERE realm_id = $1 AND client_id = $2 ORDER BY time DESC, id DESC LIMIT 100 OFFSET 0`,
			[]any{r.ID, "c1"}, "events_realm_client (realm_id=? AND client_id=?)"},
		"events by type": {`SELECT id FROM events WHERE realm_id = $1 AND type IN ($2) ORDER BY time DESC, id DESC LIMIT 100 OFFSET 0`,
			[]any{r.ID, "LOGIN_ERROR"}, "events_realm_type (realm_id=? AND type=?)"},
		"events by ip": {`SELECT id FROM events WHERE realm_id = $1 AND ip_address = $2 ORDER BY time DESC, id DESC LIMIT 100 OFFSET 0`,
			[]any{r.ID, "10.0.1"}, "events_realm_ip (realm_id=? AND ip_address=?)"},
		"events in a window": {`SELECT id FROM events WHERE realm_id = $1 AND time >= $2 AND time <= $3 ORDER BY time DESC, id DESC LIMIT 100 OFFSET 0`,
			[]any{r.ID, int64(100), int64(200)}, "events_realm_time (realm_id=? AND time>? AND time<?)"},
		"delete events": {`DELETE FROM events WHERE realm_id = $1 AND time < $2`, []any{r.ID, int64(100)}, "events_realm_time (realm_id=? AND time<?)"},
	} {
		rows, err := s.Writer().QueryContext(ctx, `EXPLAIN QUERY PLAN `+q.sql, q.args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		found := false
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "USING") {
				t.Errorf("%s: full scan: %q", name, plan)
			}
			if strings.Contains(step, "TEMP B-TREE") && strings.HasPrefix(name, "events") {
				t.Errorf("%s: sorts instead of reading in index order: %q", name, plan)
			}
			found = found || strings.Contains(step, q.want)
		}
		if !found {
			t.Errorf("%s: plan %q lacks %q", name, plan, q.want)
		}
	}
}
