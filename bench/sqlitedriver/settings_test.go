package sqlitedriver

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestDriverSettings checks, for every driver, that the settings the
// benchmarks rely on are really in force: the pragmas on a pooled connection,
// BEGIN IMMEDIATE from db.BeginTx, foreign keys and unique indexes enforced.
// It logs the SQLite version each driver bundles and the error text it gives
// for a unique conflict.
func TestDriverSettings(t *testing.T) {
	for _, c := range candidates {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s := openStore(t, c, t.TempDir(), "NORMAL")

			var version string
			if err := s.r.QueryRow("SELECT sqlite_version()").Scan(&version); err != nil {
				t.Fatal(err)
			}
			for q, want := range map[string]string{
				"PRAGMA journal_mode": "wal",
				"PRAGMA synchronous":  "1",
				"PRAGMA foreign_keys": "1",
				"PRAGMA busy_timeout": "5000",
			} {
				var got string
				if err := s.r.QueryRow(q).Scan(&got); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if got != want {
					t.Errorf("%s = %q, want %q", q, got, want)
				}
			}

			// BeginTx must take the write lock at once: while it is open, a
			// BEGIN IMMEDIATE elsewhere fails at once with busy_timeout 0.
			tx, err := s.w.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			other, err := s.r.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := other.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
				t.Fatal(err)
			}
			if _, err := other.ExecContext(ctx, "BEGIN IMMEDIATE"); err == nil {
				t.Error("db.BeginTx did not take the write lock: _txlock=immediate ignored")
				other.ExecContext(ctx, "ROLLBACK")
			} else {
				t.Logf("second writer while BeginTx is open: %v", err)
			}
			other.ExecContext(ctx, "PRAGMA busy_timeout = 5000")
			other.Close()
			tx.Rollback()

			id := uuid.NewString()
			if _, err := s.w.Exec(insertUser, id, realmID, "alice", "alice@example.com", passwordHash, 1); err != nil {
				t.Fatal(err)
			}
			_, err = s.w.Exec(insertUser, uuid.NewString(), realmID, "alice", "other@example.com", passwordHash, 1)
			if err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed: users.realm_id, users.username") {
				t.Errorf("duplicate username: err = %v", err)
			}
			t.Logf("SQLite %s; unique conflict: %T: %v", version, err, err)
			_, err = s.w.Exec(insertCred, uuid.NewString(), uuid.NewString(), credData, 1)
			if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
				t.Errorf("credential for a missing user: err = %v", err)
			}
		})
	}
}
