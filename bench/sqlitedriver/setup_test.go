package sqlitedriver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	mattn "github.com/mattn/go-sqlite3"
	ncruces "github.com/ncruces/go-sqlite3/driver"
	modernc "modernc.org/sqlite"
)

// candidate is one driver under test. The order here is the column order in
// benchstat output; modernc comes first so ratios are relative to it.
type candidate struct {
	name string
	drv  driver.Driver
}

var candidates = []candidate{
	{"modernc", &modernc.Driver{}},
	{"ncruces", &ncruces.SQLite{}},
	{"mattn", &mattn.SQLiteDriver{}},
}

// order returns the candidates in the order to run them: rotated by
// $SQLITEDRIVER_ROTATE (run.sh rotates it every round) so that no driver
// always runs first, or always right after the same other driver.
func order() []candidate {
	rot, _ := strconv.Atoi(os.Getenv("SQLITEDRIVER_ROTATE"))
	n := len(candidates)
	rot = ((rot % n) + n) % n
	return append(append([]candidate(nil), candidates[rot:]...), candidates[:rot]...)
}

// A realm and the sizes of the seeded read database.
const (
	realmID    = "0b6f1a9e-6a43-4f0e-9d1c-1f3c5b7e2a10"
	otherRealm = "5d2c8e71-3b9a-4c6f-8e0d-7a1b2c3d4e5f"
	seedUsers  = 100_000 // users in realmID
	otherUsers = 2_000   // users in otherRealm, so WHERE realm_id has something to skip
	roleID     = "e3a1c2d4-0000-4000-8000-000000000001"
	// 97 bytes: the shape of an argon2id PHC string with Keycloak's parameters.
	passwordHash = "$argon2id$v=19$m=7168,t=5,p=1$c2FsdHNhbHRzYWx0c2FsdA$9pXWNkqxJ8vN1m2o3p4q5r6s7t8u9v0w1x2y3z4A5B6"
	credData     = `{"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],"memory":["7168"]}}`
)

const schema = `
CREATE TABLE IF NOT EXISTS roles (
	id       TEXT PRIMARY KEY,
	realm_id TEXT NOT NULL,
	name     TEXT NOT NULL,
	UNIQUE (realm_id, name)
);
CREATE TABLE IF NOT EXISTS users (
	id             TEXT PRIMARY KEY,
	realm_id       TEXT NOT NULL,
	username       TEXT NOT NULL,
	email          TEXT,
	email_verified INTEGER NOT NULL DEFAULT 0,
	enabled        INTEGER NOT NULL DEFAULT 1,
	password_hash  TEXT,
	created_at     INTEGER NOT NULL,
	UNIQUE (realm_id, username),
	UNIQUE (realm_id, email)
);
CREATE TABLE IF NOT EXISTS credentials (
	id              TEXT PRIMARY KEY,
	user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	type            TEXT NOT NULL,
	credential_data TEXT NOT NULL,
	created_at      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS credentials_user ON credentials(user_id);
CREATE TABLE IF NOT EXISTS user_role_mappings (
	user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
	PRIMARY KEY (user_id, role_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS user_role_mappings_role ON user_role_mappings(role_id);
`

const (
	insertUser = `INSERT INTO users (id, realm_id, username, email, email_verified, enabled, password_hash, created_at)
VALUES (?, ?, ?, ?, 0, 1, ?, ?)`
	insertCred = `INSERT INTO credentials (id, user_id, type, credential_data, created_at) VALUES (?, ?, 'password', ?, ?)`
	insertRole = `INSERT INTO user_role_mappings (user_id, role_id) VALUES (?, ?)`
	getByName  = `SELECT id, realm_id, username, email, email_verified, enabled, password_hash, created_at
FROM users WHERE realm_id = ? AND username = ?`
	prefixSearch = `SELECT id, username, email FROM users
WHERE realm_id = ? AND username >= ? AND username < ? ORDER BY username LIMIT 20`
	countRealm = `SELECT count(*) FROM users WHERE realm_id = ?`
)

// pragmas are run, in this order, on every new connection of every driver,
// so that no driver's DSN dialect or defaults make a difference. busy_timeout
// comes before journal_mode so that switching to WAL can wait for a lock.
func pragmas(sync string) []string {
	return []string{
		"PRAGMA busy_timeout = 5000",
		"PRAGMA journal_mode = WAL",
		"PRAGMA synchronous = " + sync,
		"PRAGMA foreign_keys = ON",
	}
}

// pragmaConnector wraps a driver's connector and runs the pragmas on each
// connection it opens.
type pragmaConnector struct {
	inner   driver.Connector
	pragmas []string
}

func (c *pragmaConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("%T does not implement driver.ExecerContext", conn)
	}
	for _, p := range c.pragmas {
		if _, err := ex.ExecContext(ctx, p, nil); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return conn, nil
}

func (c *pragmaConnector) Driver() driver.Driver { return c.inner.Driver() }

// dsnConnector is the connector for a driver that has no OpenConnector.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// openPool opens a *sql.DB on path. Every driver gets the same URI; the only
// query parameter is _txlock=immediate, which all three understand, so that
// db.BeginTx issues BEGIN IMMEDIATE (checked by TestDriverSettings).
func openPool(tb testing.TB, c candidate, path, sync string, maxConns int) *sql.DB {
	tb.Helper()
	dsn := "file:" + filepath.ToSlash(path) + "?_txlock=immediate"
	var inner driver.Connector
	if dc, ok := c.drv.(driver.DriverContext); ok {
		var err error
		if inner, err = dc.OpenConnector(dsn); err != nil {
			tb.Fatal(err)
		}
	} else {
		inner = dsnConnector{c.drv, dsn}
	}
	db := sql.OpenDB(&pragmaConnector{inner: inner, pragmas: pragmas(sync)})
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	tb.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		tb.Fatalf("%s: %v", c.name, err)
	}
	return db
}

// store is one database file with a single-writer pool and a read pool, the
// layout latchkey uses.
type store struct {
	w, r *sql.DB
}

func openStore(tb testing.TB, c candidate, dir, sync string) store {
	tb.Helper()
	path := filepath.Join(dir, c.name+".db")
	s := store{w: openPool(tb, c, path, sync, 1)}
	if _, err := s.w.Exec(schema); err != nil {
		tb.Fatalf("%s: schema: %v", c.name, err)
	}
	if _, err := s.w.Exec(`INSERT OR IGNORE INTO roles (id, realm_id, name) VALUES (?, ?, 'default-roles')`, roleID, realmID); err != nil {
		tb.Fatal(err)
	}
	s.r = openPool(tb, c, path, sync, runtime.GOMAXPROCS(0))
	return s
}

func username(i int) string { return fmt.Sprintf("user%06d", i) }
func email(i int) string    { return fmt.Sprintf("user%06d@example.com", i) }

// seed fills the store with seedUsers users in realmID and otherUsers in
// otherRealm, in one transaction, then checkpoints so that every driver reads
// from the same main database file with an empty WAL.
func seed(tb testing.TB, s store) {
	tb.Helper()
	ctx := context.Background()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := tx.Prepare(insertUser)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range seedUsers + otherUsers {
		realm := realmID
		if i >= seedUsers {
			realm = otherRealm
		}
		if _, err := st.Exec(uuid.NewString(), realm, username(i), email(i), passwordHash, int64(1_700_000_000+i)); err != nil {
			tb.Fatal(err)
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if _, err := s.w.Exec("ANALYZE"); err != nil {
		tb.Fatal(err)
	}
	if _, err := s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		tb.Fatal(err)
	}
}

// cpuPerOp starts measuring the process's CPU time (user + system, all
// threads, so cgo and GC included) and returns a function that reports it per
// operation as cpu-ns/op. On a machine shared with other work, CPU time per
// operation varies much less than wall time. Call it after setup, as
// `defer cpuPerOp(b)()`, in a benchmark that runs its loop once (b.Loop) or
// per call (RunParallel).
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
