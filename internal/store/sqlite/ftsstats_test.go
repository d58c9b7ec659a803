package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Optimize (and Open, which optimizes) leaves no STAT4 samples of the FTS5
// trigram index's tables: with them, SQLite re-prepares FTS5's internal
// statements for every searched term.
func TestOptimizeLeavesNoFTSSamples(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "latchkey.db")
	st := open(t, path)
	realm := &model.Realm{ID: uuid.NewString(), Name: "r", Enabled: true}
	if err := st.CreateRealm(ctx, realm); err != nil {
		t.Fatal(err)
	}
	err := st.InTx(ctx, func(tx store.Store) error {
		for i := range 3000 {
			u := &model.User{RealmID: realm.ID, Username: fmt.Sprintf("user.name%d", i),
				Email: fmt.Sprintf("user%d@example.com", i), FirstName: "First", LastName: "Last", Enabled: true}
			if err := tx.CreateUser(ctx, u, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A full ANALYZE samples every index, the FTS5 shadow tables included.
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	samples := func(like string) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_stat4 WHERE tbl LIKE $1`, like).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if samples("users_trgm%") == 0 {
		t.Fatal("ANALYZE took no samples of the FTS5 tables: the test proves nothing")
	}
	if err := st.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if n := samples("users_trgm%"); n != 0 {
		t.Errorf("after Optimize, %d STAT4 samples of the FTS5 tables remain", n)
	}
}
