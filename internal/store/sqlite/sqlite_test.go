package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/sqlite"
	"github.com/latchkey/latchkey/internal/store/sqlstore"
)

func open(t *testing.T, path string) *sqlstore.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lk.db")
	s := open(t, path)
	r := &model.Realm{Name: "one"}
	if err := s.CreateRealm(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	s2 := open(t, path)
	got, err := s2.GetRealmByName(ctx, "one")
	if err != nil || got.ID != r.ID {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
}

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lk.db")
	s := open(t, path)
	if _, err := s.Writer().ExecContext(ctx,
		`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, 1)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := sqlite.Open(ctx, path)
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Open on a newer schema: %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "9999") || !strings.Contains(err.Error(), " "+strconv.FormatInt(newestMigration(t), 10)) {
		t.Errorf("error should name both versions: %v", err)
	}
}

// Two Stores on one file stand for two processes: each has its own writer
// connection, so they really contend for SQLite's lock. No write may fail.
func TestConcurrentWritersNeverLocked(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lk.db")
	a := open(t, path)
	b := open(t, path)
	realm := &model.Realm{Name: "busy"}
	if err := a.CreateRealm(ctx, realm); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := s.InTx(ctx, func(tx store.Store) error {
					u := &model.User{RealmID: realm.ID, Username: fmt.Sprintf("u%d-%d", w, i), Enabled: true}
					if err := tx.CreateUser(ctx, u, true); err != nil {
						return err
					}
					return tx.CreateCredential(ctx, &model.Credential{UserID: u.ID, Type: model.CredentialPassword})
				})
				if err != nil {
					errs <- err
				}
				// Reads through the read pool run beside the writers.
				if _, err := s.CountUsers(ctx, realm.ID, store.UserQuery{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	n, err := b.CountUsers(ctx, realm.ID, store.UserQuery{})
	if err != nil || n != workers*each {
		t.Fatalf("CountUsers = %d, %v; want %d", n, err, workers*each)
	}
}

func TestMemory(t *testing.T) {
	ctx := context.Background()
	s := open(t, sqlite.Memory)
	r := &model.Realm{Name: "mem"}
	if err := s.CreateRealm(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRealm(ctx, &model.Realm{Name: "mem"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate realm: %v, want ErrConflict", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPingAfterClose(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "lk.db"))
	s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.Ping(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Ping after Close: %v, want ErrUnavailable", err)
	}
}
