package cache_test

import (
	"context"
	"database/sql"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store/cache"
	"github.com/latchkey/latchkey/internal/store/dbtest"
	"github.com/latchkey/latchkey/internal/store/postgres"
)

// process is one latchkey process's view of a shared database: its own
// pool, its own cache, its own notifier.
func process(t *testing.T, dbURL, name string) *cache.Store {
	t.Helper()
	u, _ := url.Parse(dbURL)
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	raw, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	pc, err := postgres.ConnConfig(u.String())
	if err != nil {
		t.Fatal(err)
	}
	n := cache.NewPostgresNotifier(pc, nil)
	n.Probe, n.ProbeTimeout = 300*time.Millisecond, 300*time.Millisecond
	c := cache.New(raw, cache.Options{Notifier: n}, nil)
	n.Start(c)
	c.OnClose(n.Close)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func eventually(t *testing.T, what string, bound time.Duration, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > bound {
			t.Fatalf("%s: not within %v", what, bound)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

func TestProcessesDropWhatAnotherChanged(t *testing.T) {
	dbURL := dbtest.PostgresURL(t)
	ctx := context.Background()
	tag := uuid.NewString()[:8]
	a, b := process(t, dbURL, "cache-a-"+tag), process(t, dbURL, "cache-b-"+tag)
	eventually(t, "both listening", 10*time.Second, func() bool { return a.Serving() && b.Serving() })

	realm := &model.Realm{ID: uuid.NewString(), Name: "shared", Enabled: true}
	if err := a.CreateRealm(ctx, realm); err != nil {
		t.Fatal(err)
	}
	c := &model.Client{ID: uuid.NewString(), RealmID: realm.ID, ClientID: "svc", Secret: "v1", Enabled: true}
	if err := a.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	secretOnB := func() string {
		got, err := b.GetClientByClientID(ctx, realm.ID, "svc")
		if err != nil {
			t.Fatal(err)
		}
		return got.Secret
	}
	// A's own creations reach B as drops too; once they have, B serves
	// the client from memory.
	eventually(t, "B serves the client from memory", 2*time.Second, func() bool {
		return served(t, b, func() error { secretOnB(); return nil })
	})

	// A changes it: B drops its copy when A's NOTIFY arrives.
	c.Secret = "v2"
	if err := a.UpdateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	d := eventually(t, "B sees A's change", 2*time.Second, func() bool { return secretOnB() == "v2" })
	t.Logf("B saw A's change after %v", d)

	// B's listening connection dies: B serves from the database until it
	// listens again, so a change it cannot hear is seen at once.
	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = $1 AND query LIKE 'LISTEN%'`, "cache-b-"+tag); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B notices it is deaf", 5*time.Second, func() bool { return !b.Serving() })
	c.Secret = "v3"
	if err := a.UpdateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got := secretOnB(); got != "v3" {
		t.Fatalf("a deaf B answered %q from memory", got)
	}
	eventually(t, "B listens again", 10*time.Second, b.Serving)
	c.Secret = "v4"
	if err := a.UpdateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B sees A's change after listening again", 2*time.Second, func() bool { return secretOnB() == "v4" })
	eventually(t, "B serves from memory after listening again", 2*time.Second, func() bool {
		return served(t, b, func() error { secretOnB(); return nil })
	})
}
