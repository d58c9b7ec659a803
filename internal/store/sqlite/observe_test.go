package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/sqlite"
	"github.com/latchkey/latchkey/internal/store/sqlstore"
)

// The error observer hears database failures, not expected outcomes, and
// not the errors of a caller's own function inside InTx.
func TestObserveErrors(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var kinds []string
	st.ObserveErrors(func(kind string) { mu.Lock(); kinds = append(kinds, kind); mu.Unlock() })

	if _, err := st.GetRealm(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	r := &model.Realm{Name: "a"}
	if err := st.CreateRealm(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateRealm(ctx, &model.Realm{Name: "a"}); !errors.Is(err, store.ErrConflict) {
		t.Fatal(err)
	}
	mine := errors.New("validation failed")
	if err := st.InTx(ctx, func(tx store.Store) error { return mine }); !errors.Is(err, mine) {
		t.Fatal(err)
	}
	mu.Lock()
	if len(kinds) != 0 {
		t.Errorf("expected outcomes were counted: %v", kinds)
	}
	mu.Unlock()

	_ = st.Close()
	if _, err := st.GetRealm(ctx, r.ID); err == nil {
		t.Fatal("read on a closed store succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(kinds) != 1 || kinds[0] != sqlstore.ErrorOther {
		t.Errorf("failure on a closed database observed as %v", kinds)
	}
}

// Optimize refreshes SQLite's statistics: after it, sqlite_stat1 describes
// the users indexes.
func TestOptimize(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "opt.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &model.Realm{Name: "r"}
	if err := st.CreateRealm(ctx, r); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		u := &model.User{RealmID: r.ID, Username: fmt.Sprintf("user%03d", i), Email: fmt.Sprintf("u%d@x.test", i)}
		if err := st.CreateUser(ctx, u, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.Writer().QueryRowContext(ctx, `SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'users'`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("no statistics for users after Optimize: %d, %v", n, err)
	}
}
