package postgres_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/postgres"
	"github.com/latchkey/latchkey/internal/store/sqlstore"
	"github.com/latchkey/latchkey/internal/store/storetest"
)

// The admin searches that must stay fast at a million users, explained as
// the store really sends them (recorded from its connection), after
// VACUUM ANALYZE: an infix term of three characters or more is a bitmap search of
// the pg_trgm GIN indexes, not a scan of users; a whole realm's count reads
// the counters.
func TestUserSearchUsesTrigramsAndCounters(t *testing.T) {
	ctx := context.Background()
	dbURL := testSchema(t)
	s, err := postgres.Open(ctx, dbURL, postgres.WithMaxConns(4))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r := &model.Realm{Name: "plan"}
	other := &model.Realm{Name: "other"}
	for _, x := range []*model.Realm{r, other} {
		if err := s.CreateRealm(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	for _, seed := range []struct {
		realm string
		n     int
	}{{r.ID, 20000}, {other.ID, 200}} {
		if _, err := s.Writer().ExecContext(ctx, `INSERT INTO users (id, realm_id, username, email, email_key,
			first_name_lower, last_name_lower, first_name, last_name, created_at)
			SELECT $1 || '-' || i, $1, 'user' || i, 'user' || i || '@x.org', 'user' || i || '@x.org',
				'f' || (i % 500), 'l' || (i % 700), '', '', i FROM generate_series(1, $2::int) AS i`,
			seed.realm, seed.n); err != nil {
			t.Fatal(err)
		}
	}
	// What autovacuum does after this many inserts: statistics, and the
	// GIN indexes' pending lists merged (until then the planner counts
	// their cost and prefers scanning).
	if _, err := s.Writer().ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		t.Fatal(err)
	}

	var rec storetest.Recorder
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(rec.Connector(stdlib.GetConnector(*cfg)))
	st := sqlstore.New(postgres.Dialect, db, db)
	t.Cleanup(func() { st.Close() })

	infix := func(text string) store.UserQuery {
		return store.UserQuery{Search: []store.SearchToken{{Text: text, Match: store.MatchInfix}}, Page: store.Page{Max: 20}}
	}
	for _, c := range []struct {
		name  string
		count bool
		q     store.UserQuery
		n     int
		want  []string
	}{
		{"search infix", false, infix("SER1234"), 11, []string{"Bitmap Index Scan on users_username_trgm", "Bitmap Index Scan on users_email_trgm"}},
		{"count infix", true, infix("ser1234"), 11, []string{"Bitmap Index Scan on users_username_trgm"}},
		{"username infix", false, store.UserQuery{Username: "er1234@", IncludeServiceAccounts: true}, 0, []string{"users_username_trgm"}},
		{"email infix", false, store.UserQuery{Email: "er1234@", IncludeServiceAccounts: true}, 1, []string{"users_email_trgm"}},
		{"first name infix", true, store.UserQuery{FirstName: "f123", IncludeServiceAccounts: true}, 40, []string{"users_first_name_trgm"}},
		{"last name infix", true, store.UserQuery{LastName: "l612", IncludeServiceAccounts: true}, 28, []string{"users_last_name_trgm"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var (
				n   int
				err error
			)
			stmts := rec.Record(func() {
				if c.count {
					n, err = st.CountUsers(ctx, r.ID, c.q)
					return
				}
				var us []model.User
				us, err = st.ListUsers(ctx, r.ID, c.q)
				n = len(us)
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != c.n {
				t.Errorf("%d users, want %d", n, c.n)
			}
			var plan string
			for _, q := range stmts {
				if strings.Contains(q.SQL, "FROM users u WHERE") {
					plan = q.SQL + "\n" + explainPG(t, s.Writer(), q)
					break
				}
			}
			for _, w := range c.want {
				if !strings.Contains(plan, w) {
					t.Errorf("plan lacks %q:\n%s", w, plan)
				}
			}
			if strings.Contains(plan, "Seq Scan on users") {
				t.Errorf("plan scans users:\n%s", plan)
			}
		})
	}

	t.Run("count of the realm", func(t *testing.T) {
		var (
			n   int
			err error
		)
		stmts := rec.Record(func() { n, err = st.CountUsers(ctx, r.ID, store.UserQuery{}) })
		if err != nil || n != 20000 {
			t.Fatalf("CountUsers = %d, %v, want 20000", n, err)
		}
		var plans []string
		for _, q := range stmts {
			plans = append(plans, explainPG(t, s.Writer(), q))
		}
		all := strings.Join(plans, "\n")
		if !strings.Contains(all, "user_counts") || strings.Contains(all, " on users ") {
			t.Errorf("the count does not read user_counts alone:\n%s", all)
		}
	})
}

func explainPG(t *testing.T, db *sql.DB, q storetest.Statement) string {
	t.Helper()
	rows, err := db.Query(`EXPLAIN `+q.SQL, q.Args...)
	if err != nil {
		t.Fatalf("explaining %s: %v", q.SQL, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
