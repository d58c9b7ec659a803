package adminsearch

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/latchkey/latchkey/internal/adminapi"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store/postgres"
	"github.com/latchkey/latchkey/internal/store/sqlite"
	"github.com/latchkey/latchkey/internal/store/sqlstore"
	"github.com/latchkey/latchkey/internal/store/storetest"
	"github.com/latchkey/latchkey/internal/testenv"
)

// writePlans serves each case once through an admin API handler of its
// own, on a store opened on the seeded database through a connector that
// logs every statement with its arguments. The statements that read the
// users table are then explained with those arguments, and everything is
// written to DIR/plans-<db>.md.
func writePlans(b *testing.B, db, dsn string, s *testenv.Server, realmID, tok string, cs []benchCase) {
	ctx := context.Background()
	rec := &storetest.Recorder{}
	var (
		conn    driver.Connector
		dialect sqlstore.Dialect
	)
	switch {
	case strings.HasPrefix(db, "sqlite"):
		probe, err := sql.Open("sqlite", "")
		if err != nil {
			b.Fatal(err)
		}
		conn = storetest.DSNConnector(probe.Driver(), "file:"+(&url.URL{Path: dsn}).EscapedPath()+
			"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)&_pragma=query_only(ON)")
		probe.Close()
		dialect = sqlite.Dialect
	default:
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			b.Fatal(err)
		}
		conn = stdlib.GetConnector(*cfg)
		dialect = postgres.Dialect
	}
	sdb := sql.OpenDB(rec.Connector(conn))
	st := sqlstore.New(dialect, sdb, sdb)
	defer st.Close()
	pw := testenv.Passwords(b, st)
	mux := http.NewServeMux()
	(&adminapi.Handler{Store: st, Keys: &signing.Keys{Store: st}, Passwords: pw, Log: testenv.Logger(b),
		Realms: &realm.Service{Store: st, Log: testenv.Logger(b), Passwords: pw}}).Mount(mux)

	var out strings.Builder
	fmt.Fprintf(&out, "<!-- written by bench/adminsearch -adminsearch.plans; %d users -->\n", *flagUsers)
	for _, c := range cs {
		req := httptest.NewRequest(http.MethodGet, s.URL+"/admin/realms/"+benchRealm+c.path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		qs := rec.Record(func() { mux.ServeHTTP(w, req) })
		if w.Code != http.StatusOK {
			_, err := st.GetRealmByName(ctx, benchRealm)
			b.Fatalf("plans: GET %s: %d %s (realm lookup: %v)", c.path, w.Code, w.Body, err)
		}
		fmt.Fprintf(&out, "\n### %s\n\n`GET /admin/realms/%s%s`\n", c.name, benchRealm, c.path)
		seen, details := false, false
		for _, q := range qs {
			// The realm's user query, and the first details query after
			// it; not the admin's own lookups in master.
			// With a trigram condition driving it, SQLite's realm
			// equality is written +u.realm_id; the trigram probe and the
			// counters are part of the request too.
			isUsers := (strings.Contains(q.SQL, "FROM users u WHERE u.realm_id = $1") ||
				strings.Contains(q.SQL, "FROM users u WHERE +u.realm_id = $1") ||
				strings.Contains(q.SQL, "FROM user_counts") ||
				strings.Contains(q.SQL, "service_account_client_id IS NOT NULL")) &&
				len(q.Args) > 0 && q.Args[0] == realmID ||
				strings.Contains(q.SQL, "SELECT 1 FROM users_trgm")
			isDetails := seen && !details && strings.Contains(q.SQL, "FROM user_attributes") &&
				strings.Contains(q.SQL, "user_id IN")
			if !isUsers && !isDetails {
				continue
			}
			seen, details = seen || isUsers, details || isDetails
			fmt.Fprintf(&out, "\n```sql\n%s\n```\n\nArguments: %s\n\n```\n%s```\n", oneLine(q.SQL), showArgs(q.Args),
				explain(b, ctx, sdb, db, q))
			if isUsers && strings.HasPrefix(db, "postgres") {
				fmt.Fprintf(&out, "\nGeneric plan (what a cached prepared statement may switch to after five executions):\n\n```\n%s```\n",
					genericPlan(b, ctx, sdb, q))
			}
		}
	}
	if err := os.MkdirAll(*flagPlans, 0o755); err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(*flagPlans, "plans-"+db+".md")
	if err := os.WriteFile(file, []byte(out.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("plans written to %s", file)
}

// explain returns the plan of q: EXPLAIN QUERY PLAN as a tree on SQLite,
// EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL (second run, warm cache).
func explain(b *testing.B, ctx context.Context, db *sql.DB, kind string, q storetest.Statement) string {
	if strings.HasPrefix(kind, "sqlite") {
		rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.SQL, q.Args...)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		depth := map[int]int{}
		var sb strings.Builder
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				b.Fatal(err)
			}
			depth[id] = depth[parent] + 1
			fmt.Fprintf(&sb, "%s%s\n", strings.Repeat("  ", depth[id]-1), detail)
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		return sb.String()
	}
	var sb strings.Builder
	for range 2 {
		sb.Reset()
		rows, err := db.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q.SQL, q.Args...)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				b.Fatal(err)
			}
			sb.WriteString(line + "\n")
		}
		rows.Close()
	}
	return sb.String()
}

// genericPlan is EXPLAIN ANALYZE of q's generic plan: pgx caches
// prepared statements, and PostgreSQL may switch such a statement to the
// plan made without the parameters' values after five executions.
func genericPlan(b *testing.B, ctx context.Context, db *sql.DB, q storetest.Statement) string {
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	lits := make([]string, len(q.Args))
	for i, a := range q.Args {
		s, ok := a.(string)
		if !ok {
			s = fmt.Sprint(a)
		}
		lits[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	for _, stmt := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE lk_generic AS " + q.SQL} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	defer conn.ExecContext(ctx, "DEALLOCATE lk_generic; RESET plan_cache_mode") //nolint:errcheck
	var sb strings.Builder
	for range 2 {
		sb.Reset()
		rows, err := conn.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) EXECUTE lk_generic("+strings.Join(lits, ", ")+")")
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				b.Fatal(err)
			}
			sb.WriteString(line + "\n")
		}
		rows.Close()
	}
	return sb.String()
}

var spaces = regexp.MustCompile(`\s+`)

func oneLine(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

func showArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			parts[i] = fmt.Sprintf("$%d=%+q", i+1, s)
		} else {
			parts[i] = fmt.Sprintf("$%d=%v", i+1, a)
		}
	}
	return "`" + strings.Join(parts, " ") + "`"
}
