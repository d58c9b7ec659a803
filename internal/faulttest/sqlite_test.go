package faulttest_test

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the holder of the write lock opens the file itself

	"github.com/latchkey/latchkey/internal/config"
)

const (
	// busyTimeout is the wait SQLite's busy_timeout pragma gives a
	// connection for another's lock (internal/store/sqlite).
	busyTimeout = 5 * time.Second
	// sqliteBound is what the test promises for a request while another
	// process holds the write lock: the pool wait (5 s) plus busy_timeout,
	// and slack for a loaded machine.
	sqliteBound = 12 * time.Second
)

// Another process holds SQLite's write lock (BEGIN IMMEDIATE) for longer
// than busy_timeout while requests arrive: a write that waited for it
// answers the promised 503 (never a 500, never "database is locked"), one
// that arrives late enough succeeds once the lock is released, reads and
// readiness go on, and nothing is half written.
func TestSQLiteLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faults.db")
	s := startServer(t, func(c *config.Config) { c.DBURL = path })
	tok := s.adminToken()
	s.setup(tok)

	l := startLoad(s, tok, 2)
	l.waitCreated(t, 2, 20*time.Second)

	ctx := context.Background()
	holder, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(20000)")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	locked := time.Now()
	hold := busyTimeout + 2*time.Second

	var wg sync.WaitGroup
	// Writes arriving with the lock: it outlasts busy_timeout, so 503.
	wg.Add(2)
	go func() {
		defer wg.Done()
		r, err := s.passwordGrant("master", adminUser, adminPassword)
		if err != nil {
			t.Errorf("password grant under the lock: %v", err)
			return
		}
		underLock(t, "password grant under the lock", r, locked, hold, http.StatusOK)
		t.Logf("password grant under the lock: %d in %s", r.Status, r.Took.Round(time.Millisecond))
	}()
	go func() {
		defer wg.Done()
		r, err := s.createUser(tok, "probe-early")
		if err != nil {
			t.Errorf("create under the lock: %v", err)
			return
		}
		l.record("probe-early", outcome{Status: r.Status, Body: r.Body, Took: r.Took})
		underLock(t, "create under the lock", r, locked, hold, http.StatusCreated)
		t.Logf("create under the lock: %d in %s", r.Status, r.Took.Round(time.Millisecond))
	}()
	// A write arriving 2 s before the release waits for it and succeeds.
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(hold - 2*time.Second)
		r, err := s.createUser(tok, "probe-late")
		if err != nil {
			t.Errorf("create late under the lock: %v", err)
			return
		}
		l.record("probe-late", outcome{Status: r.Status, Body: r.Body, Took: r.Took})
		if r.Status != http.StatusCreated {
			t.Errorf("create 2 s before the release: %d %.300s, want 201 after the release", r.Status, r.Body)
		}
		t.Logf("create 2 s before the release: %d in %s", r.Status, r.Took.Round(time.Millisecond))
	}()
	// Reads are not blocked by a writer (WAL): readiness and listings work.
	time.Sleep(time.Second)
	if code, status := s.ready(); code != http.StatusOK || status != "UP" {
		t.Errorf("/health/ready under the lock: %d %s, want 200 UP (reads still work)", code, status)
	}
	if r := s.call(http.MethodGet, "/admin/realms/"+realmName+"/users?max=5", tok, nil); r.Status != http.StatusOK {
		t.Errorf("list users under the lock: %d %.300s", r.Status, r.Body)
	}

	time.Sleep(time.Until(locked.Add(hold)))
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	released := time.Now()
	wg.Wait()
	resume(t, s, tok, "after the lock")
	t.Logf("lock held %s", released.Sub(locked).Round(time.Millisecond))

	l.halt()
	l.checkAnswers(t, sqliteBound)
	counts, slowest := l.summary()
	committed := l.checkStored(t, s.adminToken())
	t.Logf("creations by status %v, slowest 503 %s, answered 503 but committed: %d",
		counts, slowest.Round(time.Millisecond), committed)
	if n := s.metric("latchkey_http_requests_total", `code="503"`); n == 0 {
		t.Error(`latchkey_http_requests_total{code="503"} did not count the 503s`)
	}
	if n := s.metric("latchkey_http_requests_total", `code="500"`); n != 0 {
		t.Errorf(`latchkey_http_requests_total{code="500"} = %g`, n)
	}
}

// underLock checks the answer to a write sent as the lock was taken: the
// promise is a clean 503 within the bound, or success once the lock is
// gone. Which one a request gets depends on where it queues: writes wait
// for the one writer connection (pool wait) and then for the lock
// (busy_timeout), so one that reaches the connection just as another gives
// up may still be waiting when the lock is released, and commits. A
// success is only accepted if it came after the release.
func underLock(t *testing.T, what string, r response, locked time.Time, hold time.Duration, success int) {
	t.Helper()
	if r.Status == success {
		if done := r.Sent.Add(r.Took); done.Before(locked.Add(hold)) {
			t.Errorf("%s: %d at %s, before the lock was released (%s)", what, r.Status,
				done.Sub(locked).Round(time.Millisecond), hold)
		}
		return
	}
	checkUnavailable(t, what, r, sqliteBound)
}
