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
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/latchkey/latchkey/internal/adminapi"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store/postgres"
	"github.com/latchkey/latchkey/internal/store/sqlite"
	"github.com/latchkey/latchkey/internal/store/sqlstore"
	"github.com/latchkey/latchkey/internal/testenv"
)

// writePlans serves each case once through an admin API handler of its
// own, on a store opened on the seeded database through a connector that
// logs every statement with its arguments. The statements that read the
// users table are then explained with those arguments, and everything is
// written to DIR/plans-<db>.md.
func writePlans(b *testing.B, db, dsn string, s *testenv.Server, realmID, tok string, cs []benchCase) {
	ctx := context.Background()
	log := &queryLog{}
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
		conn = dsnConnector{probe.Driver(), "file:" + (&url.URL{Path: dsn}).EscapedPath() +
			"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)&_pragma=query_only(ON)"}
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
	sdb := sql.OpenDB(logConnector{conn, log})
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
		rec := httptest.NewRecorder()
		log.start()
		mux.ServeHTTP(rec, req)
		qs := log.stop()
		if rec.Code != http.StatusOK {
			_, err := st.GetRealmByName(ctx, benchRealm)
			b.Fatalf("plans: GET %s: %d %s (realm lookup: %v)", c.path, rec.Code, rec.Body, err)
		}
		fmt.Fprintf(&out, "\n### %s\n\n`GET /admin/realms/%s%s`\n", c.name, benchRealm, c.path)
		seen, details := false, false
		for _, q := range qs {
			// The realm's user query, and the first details query after
			// it; not the admin's own lookups in master.
			// With a trigram condition driving it, SQLite's realm
			// equality is written +u.realm_id; the trigram probe and the
			// counters are part of the request too.
			isUsers := (strings.Contains(q.sql, "FROM users u WHERE u.realm_id = $1") ||
				strings.Contains(q.sql, "FROM users u WHERE +u.realm_id = $1") ||
				strings.Contains(q.sql, "FROM user_counts") ||
				strings.Contains(q.sql, "service_account_client_id IS NOT NULL")) &&
				len(q.args) > 0 && q.args[0] == realmID ||
				strings.Contains(q.sql, "SELECT 1 FROM users_trgm")
			isDetails := seen && !details && strings.Contains(q.sql, "FROM user_attributes") &&
				strings.Contains(q.sql, "user_id IN")
			if !isUsers && !isDetails {
				continue
			}
			seen, details = seen || isUsers, details || isDetails
			fmt.Fprintf(&out, "\n```sql\n%s\n```\n\nArguments: %s\n\n```\n%s```\n", oneLine(q.sql), showArgs(q.args),
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
func explain(b *testing.B, ctx context.Context, db *sql.DB, kind string, q loggedQuery) string {
	if strings.HasPrefix(kind, "sqlite") {
		rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.sql, q.args...)
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
		rows, err := db.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q.sql, q.args...)
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
func genericPlan(b *testing.B, ctx context.Context, db *sql.DB, q loggedQuery) string {
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	lits := make([]string, len(q.args))
	for i, a := range q.args {
		s, ok := a.(string)
		if !ok {
			s = fmt.Sprint(a)
		}
		lits[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	for _, stmt := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE lk_generic AS " + q.sql} {
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

// queryLog records the statements sent while it is started.
type queryLog struct {
	mu sync.Mutex
	on bool
	qs []loggedQuery
}

type loggedQuery struct {
	sql  string
	args []any
}

func (l *queryLog) start() { l.mu.Lock(); l.on, l.qs = true, nil; l.mu.Unlock() }

func (l *queryLog) stop() []loggedQuery {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.qs
}

func (l *queryLog) add(q string, args []driver.NamedValue) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.on {
		return
	}
	vals := make([]any, 0, len(args))
	for _, a := range args {
		// The store's request for a custom plan (pgx.QueryExecModeExec)
		// is a driver option, not a parameter.
		if _, ok := a.Value.(pgx.QueryExecMode); !ok {
			vals = append(vals, a.Value)
		}
	}
	l.qs = append(l.qs, loggedQuery{q, vals})
}

// dsnConnector opens a driver by DSN.
type dsnConnector struct {
	d   driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

// logConnector wraps a connector so that every query and exec on its
// connections is logged before it reaches the real driver.
type logConnector struct {
	inner driver.Connector
	log   *queryLog
}

func (c logConnector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &logConn{cn, c.log}, nil
}

func (c logConnector) Driver() driver.Driver { return c.inner.Driver() }

type logConn struct {
	driver.Conn
	log *queryLog
}

func (c *logConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	qc, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.log.add(q, args)
	return qc.QueryContext(ctx, q, args)
}

func (c *logConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	ec, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.log.add(q, args)
	return ec.ExecContext(ctx, q, args)
}

func (c *logConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.log.add(q, nil)
	if pc, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return pc.PrepareContext(ctx, q)
	}
	return c.Conn.Prepare(q)
}

func (c *logConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if bc, ok := c.Conn.(driver.ConnBeginTx); ok {
		return bc.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // fallback of database/sql itself
}

func (c *logConn) CheckNamedValue(nv *driver.NamedValue) error {
	if nc, ok := c.Conn.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *logConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *logConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *logConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}
