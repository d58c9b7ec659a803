package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strconv"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/latchkey/latchkey/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Memory is the path that opens a private in-memory database, for tests
// that need no file. It has one connection for reads and writes alike (WAL
// needs a file), so a read outside a transaction waits for the open one.
const Memory = ":memory:"

type config struct {
	readConns   int
	busyTimeout time.Duration
	durable     bool
}

// Option tunes Open.
type Option func(*config)

// WithReadConns sets the size of the read pool (default: the number of
// CPUs, at least 4).
func WithReadConns(n int) Option { return func(c *config) { c.readConns = n } }

// WithBusyTimeout sets how long a connection waits for another process's
// lock before SQLite reports it busy (default 5s); the retry helper waits
// beyond that.
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// WithDurableCommits makes every commit wait until the WAL is on disk
// (synchronous=FULL): an acknowledged write then survives a power loss or
// an operating-system crash, not only a crash of the process, for one
// fsync per commit. Without it (synchronous=NORMAL, the default here), the
// last commits before a power loss may be lost; the database stays intact.
func WithDurableCommits(on bool) Option { return func(c *config) { c.durable = on } }

// Open opens (creating if needed) the SQLite database at path, migrates it
// to this binary's schema and returns the store. path is a file name, or
// Memory.
func Open(ctx context.Context, path string, opts ...Option) (*sqlstore.Store, error) {
	cfg := config{readConns: max(4, runtime.NumCPU()), busyTimeout: 5 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}

	writer, err := sql.Open("sqlite", dsn(path, cfg, true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	// One writer connection: SQLite serialises writers anyway, and queueing
	// them in database/sql is cheaper than SQLITE_BUSY round trips.
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		writer.Close()
		return nil, err
	}
	if err := sqlstore.Migrate(ctx, Dialect, writer, goose.DialectSQLite3, sub); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	// Fresh planner statistics: without them SQLite cannot tell that a
	// prefix search is best served by the OR of four index ranges rather
	// than by walking a whole realm in username order. 0x10002 limits the
	// work so that opening stays fast on a big database.
	if err := sqlstore.RunOptimize(ctx, writer, Dialect, `PRAGMA optimize=0x10002`); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: %s: optimize: %w", path, err)
	}
	if path == Memory {
		return sqlstore.New(Dialect, writer, writer), nil
	}

	reader, err := sql.Open("sqlite", dsn(path, cfg, false))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	reader.SetMaxOpenConns(cfg.readConns)
	// A connection reads the planner's statistics when it opens: recycling
	// readers lets them see what Optimize refreshed.
	reader.SetConnMaxLifetime(time.Hour)
	reader.SetMaxIdleConns(cfg.readConns)
	return sqlstore.New(Dialect, writer, reader), nil
}

// dsn puts the pragmas in the connection string so that every connection
// the pools open gets them. busy_timeout comes first so that switching to
// WAL already waits for a lock held by another process.
func dsn(path string, cfg config, writer bool) string {
	q := url.Values{}
	pragmas := []string{"busy_timeout(" + strconv.FormatInt(cfg.busyTimeout.Milliseconds(), 10) + ")"}
	if path != Memory {
		pragmas = append(pragmas, "journal_mode(WAL)")
	}
	sync := "synchronous(NORMAL)"
	if cfg.durable {
		sync = "synchronous(FULL)"
	}
	pragmas = append(pragmas, "foreign_keys(ON)", sync)
	if writer {
		// BEGIN IMMEDIATE takes the write lock up front: a transaction that
		// read first and upgraded later could fail with SQLITE_BUSY that
		// no amount of waiting resolves.
		q.Set("_txlock", "immediate")
	} else {
		pragmas = append(pragmas, "query_only(ON)")
	}
	q["_pragma"] = pragmas
	if path == Memory {
		return "file::memory:?" + q.Encode()
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}
