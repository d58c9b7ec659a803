package testenv

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dbtest"
)

// SQLite opens a fresh, migrated SQLite store (dbtest.SQLite).
func SQLite(t testing.TB) store.Store { return dbtest.SQLite(t) }

// PostgresEnv names the variable that points tests at a PostgreSQL server.
const PostgresEnv = dbtest.PostgresEnv

// PostgresURL is dbtest.PostgresURL: a URL on an empty schema of the
// test's own; it skips the test when PostgresEnv is unset.
func PostgresURL(t testing.TB) string { return dbtest.PostgresURL(t) }

// Postgres is dbtest.Postgres.
func Postgres(t testing.TB) store.Store { return dbtest.Postgres(t) }

// EachStore runs fn as a subtest on every backend (dbtest.EachStore).
func EachStore(t *testing.T, fn func(t *testing.T, st store.Store)) { dbtest.EachStore(t, fn) }

// Logger returns a logger that discards, or writes to t.Log with -v. A
// fuzz target's server writes to stderr instead: F.Log may not be called
// while the fuzz function runs, and the server logs from its goroutines.
func Logger(t testing.TB) *slog.Logger {
	if _, fuzz := t.(*testing.F); fuzz && testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
