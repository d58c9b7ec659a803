package postgres_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dbtest"
	"github.com/latchkey/latchkey/internal/store/postgres"
	"github.com/latchkey/latchkey/internal/store/sqlstore"
)

const envURL = "LATCHKEY_TEST_POSTGRES_URL"

// testSchema is a database URL on an empty schema of the test's own.
func testSchema(t *testing.T) string { return dbtest.PostgresURL(t) }

func newStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	dbURL := testSchema(t)
	s, err := postgres.Open(context.Background(), dbURL, postgres.WithMaxConns(8))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	// Registered after the schema's cleanup, so it runs before the DROP.
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	ctx := context.Background()
	dbURL := testSchema(t)
	s, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	r := &model.Realm{Name: "one"}
	if err := s.CreateRealm(ctx, r); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer s2.Close()
	got, err := s2.GetRealmByName(ctx, "one")
	if err != nil || got.ID != r.ID {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
}

// Processes starting together on one database must not race to migrate.
func TestConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	dbURL := testSchema(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(ctx, dbURL, postgres.WithMaxConns(2))
			if err != nil {
				errs <- err
				return
			}
			errs <- s.Ping(ctx)
			s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	dbURL := testSchema(t)
	s, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Writer().ExecContext(ctx,
		`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = postgres.Open(ctx, dbURL)
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Open on a newer schema: %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "9999") {
		t.Errorf("error should name the versions: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	if os.Getenv(envURL) == "" {
		t.Skip(envURL + " is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Port 1 on the loopback interface: nothing listens there.
	_, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Open on a closed port: %v, want ErrUnavailable", err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	realm := &model.Realm{Name: "busy"}
	if err := s.CreateRealm(ctx, realm); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts, created := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.CreateUser(ctx, &model.User{RealmID: realm.ID, Username: "same"}, true)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errors.Is(err, store.ErrConflict):
				conflicts++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if created != 1 || conflicts != 7 {
		t.Fatalf("created %d, conflicts %d; want 1 and 7", created, conflicts)
	}
}
