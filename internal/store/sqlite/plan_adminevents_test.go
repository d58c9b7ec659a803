package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/model"
)

// Admin events grow with every admin call: the listings, their filters
// (a resource path prefix included), the retention sweep and the realm's
// cascade must each be served by an index.
func TestAdminEventQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "lk.db"))
	r := &model.Realm{Name: "plan"}
	if err := s.CreateRealm(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000)
		INSERT INTO admin_events (id, realm_id, time, auth_realm_id, auth_client_id, auth_user_id,
			auth_ip_address, operation_type, resource_type, resource_path)
		SELECT 'a' || i, $1, i, 'master', 'admin-cli', 'u' || (i % 50), '10.0.' || (i % 250),
			CASE i % 4 WHEN 0 THEN 'CREATE' WHEN 1 THEN 'UPDATE' WHEN 2 THEN 'DELETE' ELSE 'ACTION' END,
			CASE i % 3 WHEN 0 THEN 'USER' WHEN 1 THEN 'CLIENT' ELSE 'REALM_ROLE' END,
			CASE i % 3 WHEN 0 THEN 'users/u' WHEN 1 THEN 'clients/c' ELSE 'roles-by-id/r' END || (i % 5000)
		FROM n`,
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
	const order = ` ORDER BY time DESC, id DESC LIMIT 100 OFFSET 0`
	for name, q := range map[string]struct {
		sql  string
		args []any
		want string // a step the plan must have
		sort bool   // whether the plan may sort (a range cannot come in time order)
	}{
		"list": {`SELECT id FROM admin_events WHERE realm_id = $1` + order, []any{r.ID},
			"admin_events_realm_time (realm_id=?)", false},
		"by operation": {`SELECT id FROM admin_events WHERE realm_id = $1 AND operation_type IN ($2)` + order,
			[]any{r.ID, "DELETE"}, "admin_events_realm_operation (realm_id=? AND operation_type=?)", false},
		"by resource type": {`SELECT id FROM admin_events WHERE realm_id = $1 AND resource_type IN ($2)` + order,
			[]any{r.ID, "CLIENT"}, "admin_events_realm_resource_type (realm_id=? AND resource_type=?)", false},
		"by auth user": {`SELECT id FROM admin_events WHERE realm_id = $1 AND auth_user_id = $2` + order,
			[]any{r.ID, "u7"}, "admin_events_realm_auth_user (realm_id=? AND auth_user_id=?)", false},
		"by path": {`SELECT id FROM admin_events WHERE realm_id = $1 AND resource_path = $2` + order,
			[]any{r.ID, "users/u3"}, "admin_events_realm_resource_path (realm_id=? AND resource_path=?)", false},
		"by path prefix": {`SELECT id FROM admin_events WHERE realm_id = $1 AND resource_path >= $2 AND resource_path < $3` + order,
			[]any{r.ID, "users/u12", "users/u12\U0010FFFF"}, "admin_events_realm_resource_path (realm_id=? AND resource_path>? AND resource_path<?)", true},
		"in a window": {`SELECT id FROM admin_events WHERE realm_id = $1 AND time >= $2 AND time <= $3` + order,
			[]any{r.ID, int64(100), int64(200)}, "admin_events_realm_time (realm_id=? AND time>? AND time<?)", false},
		"delete older": {`DELETE FROM admin_events WHERE realm_id = $1 AND time < $2`, []any{r.ID, int64(100)},
			"admin_events_realm_time (realm_id=? AND time<?)", false},
		"realm cascade": {`DELETE FROM admin_events WHERE realm_id = $1`, []any{r.ID},
			"admin_events_realm_time (realm_id=?)", false},
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
			if strings.Contains(step, "TEMP B-TREE") && !q.sort {
				t.Errorf("%s: sorts instead of reading in index order: %q", name, plan)
			}
			found = found || strings.Contains(step, q.want)
		}
		if !found {
			t.Errorf("%s: plan %q lacks %q", name, plan, q.want)
		}
	}
}
