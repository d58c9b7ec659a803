package faulttest_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/store/dbtest"
)

// pgBound is what the test promises for a request while PostgreSQL is
// gone, with connect_timeout=1 and query_timeout=1 (see
// docs/RELIABILITY.md for the bound with the defaults).
const pgBound = 5 * time.Second

// PostgreSQL lost under load, three ways (connections cut, the database
// stopped, the database silent) through a proxy between latchkey and
// PostgreSQL: requests answer 503 in the OAuth error shape within
// pgBound, readiness is DOWN, service resumes by itself once the database
// is back, and every user is either wholly there or not at all.
func TestPostgresLoss(t *testing.T) {
	dbURL := dbtest.PostgresURL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, u.Host)
	u.Host = p.Addr
	q := u.Query() // keeps search_path, the test's own schema
	q.Set("connect_timeout", "1")
	q.Set("query_timeout", "1")
	u.RawQuery = q.Encode()
	s := startServer(t, func(c *config.Config) { c.DB, c.DBURL = config.DBPostgres, u.String() })
	tok := s.adminToken()
	s.setup(tok)

	l := startLoad(s, tok, 3)
	l.waitCreated(t, 3, 20*time.Second)

	// Every connection dies under load, as when PostgreSQL restarts
	// quickly: the next requests find new connections.
	for range 3 {
		p.Cut()
		time.Sleep(200 * time.Millisecond)
	}
	resume(t, s, tok, "after cuts")

	p.Refuse()
	outage(t, s, tok, "stopped")
	p.Forward()
	resume(t, s, tok, "after the stop")

	p.Blackhole()
	outage(t, s, tok, "silent")
	p.Forward()
	resume(t, s, tok, "after the silence")

	l.halt()
	l.checkAnswers(t, pgBound)
	counts, slowest := l.summary()
	committed := l.checkStored(t, s.adminToken())
	t.Logf("creations by status %v, slowest 503 %s, answered 503 but committed: %d",
		counts, slowest.Round(time.Millisecond), committed)
	if counts[http.StatusServiceUnavailable] == 0 {
		t.Error("no creation was answered 503: the outages did not reach the load")
	}
	if n := s.metric("latchkey_store_errors_total", `kind="unavailable"`); n == 0 {
		t.Error(`latchkey_store_errors_total{kind="unavailable"} did not count the outages`)
	}
	if n := s.metric("latchkey_http_requests_total", `code="503"`); n == 0 {
		t.Error(`latchkey_http_requests_total{code="503"} did not count the outages`)
	}
}

// outage checks, while the database is gone, that readiness is DOWN and
// that the token endpoint and the admin API (a read and a write) answer
// the promised 503, concurrently with the load.
func outage(t *testing.T, s *server, tok, what string) {
	t.Helper()
	start := time.Now()
	code, status := s.ready()
	if code != http.StatusServiceUnavailable || status != "DOWN" {
		t.Errorf("%s: /health/ready %d %q, want 503 DOWN", what, code, status)
	}
	var wg sync.WaitGroup
	probe := func(name string, f func() (response, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := f()
			if err != nil {
				t.Errorf("%s: %s: %v", what, name, err)
				return
			}
			checkUnavailable(t, what+": "+name, r, pgBound)
			t.Logf("%s: %s answered %d in %s", what, name, r.Status, r.Took.Round(time.Millisecond))
		}()
	}
	probe("password grant", func() (response, error) { return s.passwordGrant("master", adminUser, adminPassword) })
	probe("list users", func() (response, error) {
		return send(s.request(http.MethodGet, "/admin/realms/"+realmName+"/users", tok, nil))
	})
	probe("create user", func() (response, error) { return s.createUser(tok, "probe-"+strings.ReplaceAll(what, " ", "-")) })
	wg.Wait()
	t.Logf("%s: outage checks took %s", what, time.Since(start).Round(time.Millisecond))
}

// resume waits for readiness, then wants the token endpoint and a user
// creation to succeed at once: no restart, no warm-up errors.
func resume(t *testing.T, s *server, tok, what string) {
	t.Helper()
	took := s.waitReady(20 * time.Second)
	if r, err := s.passwordGrant("master", adminUser, adminPassword); err != nil || r.Status != http.StatusOK {
		t.Errorf("%s: password grant: %v %d %.300s", what, err, r.Status, r.Body)
	}
	if r, err := s.createUser(tok, "resume-"+strings.ReplaceAll(what, " ", "-")); err != nil || r.Status != http.StatusCreated {
		t.Errorf("%s: create user: %v %d %.300s", what, err, r.Status, r.Body)
	}
	t.Logf("%s: ready again after %s", what, took.Round(time.Millisecond))
}
