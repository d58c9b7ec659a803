package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/postgres"
)

// PostgresEnv names the variable that points tests at a PostgreSQL server.
const PostgresEnv = "LATCHKEY_TEST_POSTGRES_URL"

// PostgresURL creates an empty schema of its own for one test and returns a
// database URL whose connections use it (search_path), so tests and test
// packages running in parallel never see each other's rows. The schema is
// dropped when the test ends. It skips the test when PostgresEnv is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " is not set")
	}
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	admin := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "lk_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(context.Background(), `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres opens a fresh, migrated PostgreSQL store in a schema of its own,
// closed when the test ends. It skips the test when PostgresEnv is unset.
func Postgres(t testing.TB, opts ...postgres.Option) store.Store {
	t.Helper()
	dbURL := PostgresURL(t)
	st, err := postgres.Open(context.Background(), dbURL, opts...)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	// Registered after the schema's cleanup, so it runs before the DROP.
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// EachStore runs fn as a subtest on every backend: SQLite always,
// PostgreSQL when PostgresEnv is set (skipped otherwise).
func EachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}
