package postgres_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/latchkey/latchkey/internal/store/postgres"
	"github.com/latchkey/latchkey/internal/store/sqlstore"
	"github.com/latchkey/latchkey/internal/store/storetest"
)

// migrationsUpTo is the backend's migration set cut at version n: what an
// older binary shipped. It also returns the newest version of the full set.
func migrationsUpTo(t *testing.T, n int64) (fstest.MapFS, int64) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("listing migrations: %v, %d files", err, len(files))
	}
	fsys := fstest.MapFS{}
	var newest int64
	for _, f := range files {
		v, err := strconv.ParseInt(strings.SplitN(filepath.Base(f), "_", 2)[0], 10, 64)
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		newest = max(newest, v)
		if v > n {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fsys[filepath.Base(f)] = &fstest.MapFile{Data: b}
	}
	return fsys, newest
}

// A database written by an older binary (schema version 1, before sessions
// and events; version 2, before admin events; version 3, before the mail
// outbox and verification codes) is migrated on Open and keeps its rows.
func TestMigrateFromOlderVersions(t *testing.T) {
	_, newest := migrationsUpTo(t, 0)
	if newest < 4 {
		t.Fatalf("newest migration = %d, want at least 4", newest)
	}
	for from := int64(1); from < newest; from++ {
		t.Run(fmt.Sprintf("version%d", from), func(t *testing.T) { testMigrateFrom(t, from, newest) })
	}
}

func testMigrateFrom(t *testing.T, from, newest int64) {
	ctx := context.Background()
	dbURL := testSchema(t)
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	older, _ := migrationsUpTo(t, from)
	if err := sqlstore.Migrate(ctx, postgres.Dialect, db, goose.DialectPostgres, older); err != nil {
		t.Fatalf("migrating to version %d: %v", from, err)
	}
	old := sqlstore.New(postgres.Dialect, db, db)
	legacy := storetest.SeedLegacy(t, old, from)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := postgres.Open(ctx, dbURL, postgres.WithMaxConns(4))
	if err != nil {
		t.Fatalf("Open on a version %d database: %v", from, err)
	}
	t.Cleanup(func() { s.Close() })
	var version int64
	if err := s.Writer().QueryRowContext(ctx,
		`SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != newest {
		t.Fatalf("schema version after Open = %d, want %d", version, newest)
	}
	storetest.CheckMigrated(t, s, legacy)
}
