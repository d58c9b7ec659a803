package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/model"
)

// The queries that must stay fast on a million users have to be served by
// an index; a full scan of users would only show up in production.
func TestUserLookupsUseIndexes(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "lk.db"))
	r := &model.Realm{Name: "plan"}
	if err := s.CreateRealm(ctx, r); err != nil {
		t.Fatal(err)
	}
	// Enough rows, with statistics, for the planner to cost plans as it
	// would on a big realm.
	if _, err := s.Writer().ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000)
		INSERT INTO users (id, realm_id, username, email, email_key, first_name_lower, last_name_lower, first_name, last_name, created_at)
		SELECT 'id' || i, $1, 'user' || i, 'user' || i || '@x.org', 'user' || i || '@x.org', 'f' || (i % 500), 'l' || (i % 700), '', '', i FROM n`, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Writer().ExecContext(ctx, `INSERT INTO user_attributes (user_id, position, name, value)
		SELECT id, 0, 'dept', 'd' || (created_at % 50) FROM users`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Writer().ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	hi := "ab\U0010FFFF"
	for name, q := range map[string]struct {
		sql  string
		args []any
		want string // a step the plan must have
	}{
		"search prefix": {`SELECT u.id FROM users u WHERE u.realm_id = $1 AND u.service_account_client_id IS NULL AND
			((u.username >= $2 AND u.username < $3) OR (u.email >= $2 AND u.email < $3) OR
			(u.first_name_lower >= $2 AND u.first_name_lower < $3) OR (u.last_name_lower >= $2 AND u.last_name_lower < $3))
			ORDER BY u.username LIMIT 10`, []any{r.ID, "ab", hi}, "MULTI-INDEX OR"},
		"by email": {`SELECT u.id FROM users u WHERE u.realm_id = $1 AND u.email = $2 ORDER BY u.created_at LIMIT 1`, []any{r.ID, "a@b"}, "USING INDEX users_realm_email (realm_id=? AND email=?)"},
		// The predicate users_query.go sends for q=key:value.
		"by attribute":    {`SELECT u.id FROM users u WHERE u.realm_id = $1 AND u.id IN (SELECT ua.user_id FROM user_attributes ua WHERE ua.name = $2 AND lower(ua.value) = $3)`, []any{r.ID, "k", "v"}, "INDEX user_attributes_name_lower_value (name=? AND <expr>=?)"},
		"role users":      {`SELECT u.id FROM users u JOIN user_roles m ON m.user_id = u.id WHERE m.role_id = $1 AND u.realm_id = $2`, []any{"x", r.ID}, "USING COVERING INDEX user_roles_role (role_id=?)"},
		"list by name":    {`SELECT u.id FROM users u WHERE u.realm_id = $1 ORDER BY u.username LIMIT 10`, []any{r.ID}, "USING INDEX users_realm_username (realm_id=?)"},
		"service account": {`SELECT u.id FROM users u WHERE u.realm_id = $1 AND u.service_account_client_id = $2`, []any{r.ID, "c"}, "users_realm_service_account (realm_id=? AND service_account_client_id=?)"},
	} {
		rows, err := s.Writer().QueryContext(ctx, `EXPLAIN QUERY PLAN `+q.sql, q.args...)
		if err != nil {
			t.Fatal(err)
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
			if strings.HasPrefix(step, "SCAN u") {
				t.Errorf("%s: full scan of users: %q", name, plan)
			}
			found = found || strings.Contains(step, q.want)
		}
		if !found {
			t.Errorf("%s: plan %q lacks %q", name, plan, q.want)
		}
	}
}
