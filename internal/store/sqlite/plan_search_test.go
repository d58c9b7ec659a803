package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/sqlite"
	"github.com/latchkey/latchkey/internal/store/sqlstore"
	"github.com/latchkey/latchkey/internal/store/storetest"
)

// The admin searches that must stay fast at a million users, explained as
// the store really sends them (recorded from its connection): an infix
// term of three characters or more is found through the FTS5 trigram
// table and primary-key lookups, never by walking the realm; a whole
// realm's count reads the counters, not the users. Shorter and very common
// terms take the documented scan of the realm in username order.
func TestUserSearchUsesTrigramsAndCounters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lk.db")
	s := open(t, path)
	r := &model.Realm{Name: "plan"}
	other := &model.Realm{Name: "other"}
	for _, x := range []*model.Realm{r, other} {
		if err := s.CreateRealm(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	// The triggers fill the trigram table and the counters as the store's
	// own inserts would.
	for _, seed := range []struct {
		realm string
		n     int
	}{{r.ID, 20000}, {other.ID, 200}} {
		if _, err := s.Writer().ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $2)
			INSERT INTO users (id, realm_id, username, email, email_key, first_name_lower, last_name_lower, first_name, last_name, created_at)
			SELECT $1 || '-' || i, $1, 'user' || i, 'user' || i || '@x.org', 'user' || i || '@x.org', 'f' || (i % 500), 'l' || (i % 700), '', '', i FROM n`,
			seed.realm, seed.n); err != nil {
			t.Fatal(err)
		}
	}
	// First as a server whose connections opened before the realm grew
	// (no statistics), then after ANALYZE on fresh connections.
	t.Run("stats=none", func(t *testing.T) { checkSearchPlans(t, s, path, r.ID) })
	if _, err := s.Writer().ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	t.Run("stats=analyzed", func(t *testing.T) { checkSearchPlans(t, s, path, r.ID) })
}

// checkSearchPlans runs the searches through a store on a recording
// connection to path and explains what it sent on s.
func checkSearchPlans(t *testing.T, s *sqlstore.Store, path, realmID string) {
	ctx := context.Background()
	var rec storetest.Recorder
	probe, err := sql.Open("sqlite", "")
	if err != nil {
		t.Fatal(err)
	}
	drv := probe.Driver()
	probe.Close()
	db := sql.OpenDB(rec.Connector(storetest.DSNConnector(drv, "file:"+path+"?_pragma=foreign_keys(ON)&_pragma=busy_timeout(5000)")))
	st := sqlstore.New(sqlite.Dialect, db, db)
	defer st.Close()

	infix := func(text string) store.UserQuery {
		return store.UserQuery{Search: []store.SearchToken{{Text: text, Match: store.MatchInfix}}, Page: store.Page{Max: 20}}
	}
	for _, c := range []struct {
		name  string
		count bool
		q     store.UserQuery
		n     int      // users listed or counted
		want  []string // steps the plan of the users query must have
		not   []string // steps it must not have
	}{
		// user1234, user12340..user12349 (and user11234 for use*1234*)
		{"search infix", false, infix("SER1234"), 11,
			[]string{"SCAN users_trgm VIRTUAL TABLE INDEX", "SEARCH u USING INDEX sqlite_autoindex_users_1 (id=?)"}, []string{"SCAN u\n", "users_realm_username"}},
		{"count infix", true, infix("ser1234"), 11,
			[]string{"SCAN users_trgm VIRTUAL TABLE INDEX", "SEARCH u USING INDEX sqlite_autoindex_users_1 (id=?)"}, []string{"SCAN u\n", "users_realm_username"}},
		{"username infix", false, store.UserQuery{Username: "er1234@", IncludeServiceAccounts: true}, 0,
			[]string{"SCAN users_trgm VIRTUAL TABLE INDEX"}, []string{"SCAN u\n"}},
		{"email infix", false, store.UserQuery{Email: "er1234@", IncludeServiceAccounts: true}, 1,
			[]string{"SCAN users_trgm VIRTUAL TABLE INDEX"}, []string{"SCAN u\n"}},
		{"pattern", false, store.UserQuery{Search: []store.SearchToken{{Text: "use*1234*", Match: store.MatchPattern}}}, 12,
			[]string{"SCAN users_trgm VIRTUAL TABLE INDEX"}, []string{"SCAN u\n"}},
		// Documented fallbacks: two characters have no trigram, and a
		// term matching thousands is found sooner by the realm walk.
		{"short term", false, infix("34"), 20, []string{"users_realm_username (realm_id=?)"}, []string{"users_trgm"}},
		{"common term", false, infix("user"), 20, []string{"users_realm_username (realm_id=?)"}, []string{"users_trgm"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var (
				n   int
				err error
			)
			stmts := rec.Record(func() {
				if c.count {
					n, err = st.CountUsers(ctx, realmID, c.q)
					return
				}
				var us []model.User
				us, err = st.ListUsers(ctx, realmID, c.q)
				n = len(us)
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != c.n {
				t.Errorf("%d users, want %d", n, c.n)
			}
			plan := explainUsersQuery(t, s.Writer(), stmts)
			for _, w := range c.want {
				if !strings.Contains(plan, w) {
					t.Errorf("plan lacks %q:\n%s", w, plan)
				}
			}
			for _, w := range c.not {
				if strings.Contains(plan, w) {
					t.Errorf("plan has %q:\n%s", w, plan)
				}
			}
		})
	}

	t.Run("count of the realm", func(t *testing.T) {
		for _, withAccounts := range []bool{false, true} {
			var (
				n   int
				err error
			)
			stmts := rec.Record(func() {
				n, err = st.CountUsers(ctx, realmID, store.UserQuery{IncludeServiceAccounts: withAccounts})
			})
			if err != nil || n != 20000 {
				t.Fatalf("CountUsers = %d, %v, want 20000", n, err)
			}
			var plans []string
			for _, q := range stmts {
				plans = append(plans, explain(t, s.Writer(), q))
			}
			all := strings.Join(plans, "\n")
			if !strings.Contains(all, "user_counts") {
				t.Errorf("the count does not read user_counts:\n%s", all)
			}
			// Service accounts are counted from their partial index; the
			// people are never read.
			if strings.Contains(all, "SCAN users\n") || strings.Contains(all, "users_realm_username") ||
				(withAccounts && !strings.Contains(all, "users_realm_service_account")) {
				t.Errorf("the count reads users (service accounts %v):\n%s", withAccounts, all)
			}
		}
	})
}

// explainUsersQuery explains the recorded statement that lists or counts
// "users u" (not the trigram probe, nor the page's details).
func explainUsersQuery(t *testing.T, db *sql.DB, stmts []storetest.Statement) string {
	t.Helper()
	for _, q := range stmts {
		if strings.Contains(q.SQL, "FROM users u WHERE") {
			return q.SQL + "\n" + explain(t, db, q)
		}
	}
	t.Fatalf("no users query among %d statements", len(stmts))
	return ""
}

func explain(t *testing.T, db *sql.DB, q storetest.Statement) string {
	t.Helper()
	rows, err := db.Query(`EXPLAIN QUERY PLAN `+q.SQL, q.Args...)
	if err != nil {
		t.Fatalf("explaining %s: %v", q.SQL, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The trigram table's rows go with their users, also when a realm's
// deletion removes them by cascade, so a deleted realm leaves nothing
// behind in the index.
func TestTrigramRowsFollowUsers(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "lk.db"))
	r := &model.Realm{Name: "gone"}
	if err := s.CreateRealm(ctx, r); err != nil {
		t.Fatal(err)
	}
	var first *model.User
	for i := range 5 {
		u := &model.User{RealmID: r.ID, Username: fmt.Sprintf("trigram%d", i), Email: fmt.Sprintf("t%d@example.com", i)}
		if err := s.CreateUser(ctx, u, true); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = u
		}
	}
	rows := func() (keys, matches int) {
		t.Helper()
		if err := s.Writer().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM users_trgm_keys),
			(SELECT count(*) FROM users_trgm WHERE users_trgm MATCH '"trigram"')`).Scan(&keys, &matches); err != nil {
			t.Fatal(err)
		}
		return keys, matches
	}
	if k, m := rows(); k != 5 || m != 5 {
		t.Fatalf("after 5 users: %d keys, %d matches", k, m)
	}
	if err := s.DeleteUser(ctx, r.ID, first.ID); err != nil {
		t.Fatal(err)
	}
	if k, m := rows(); k != 4 || m != 4 {
		t.Fatalf("after deleting one: %d keys, %d matches", k, m)
	}
	if err := s.DeleteRealm(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if k, m := rows(); k != 0 || m != 0 {
		t.Fatalf("after deleting the realm: %d keys, %d matches", k, m)
	}
}

// Terms the trigram tokenizer might read differently from LIKE (invalid
// UTF-8, NUL) keep the scan, and still answer as LIKE does. (PostgreSQL
// refuses such strings outright, so this is not in the shared suite.)
func TestOddTermsKeepTheScan(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "lk.db"))
	r := &model.Realm{Name: "odd"}
	if err := s.CreateRealm(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"abc\xffdef", "abcdef"} {
		if err := s.CreateUser(ctx, &model.User{RealmID: r.ID, Username: name}, true); err != nil {
			t.Fatal(err)
		}
	}
	for term, want := range map[string]int{"c\xffd": 1, "bc\xffde": 1, "abc": 2, "b\x00cd": 0, "\xff\xff\xff": 0} {
		got, err := s.ListUsers(ctx, r.ID, store.UserQuery{Search: []store.SearchToken{{Text: term, Match: store.MatchInfix}}})
		if err != nil || len(got) != want {
			t.Errorf("search *%q*: %d users, %v; want %d", term, len(got), err, want)
		}
	}
}
