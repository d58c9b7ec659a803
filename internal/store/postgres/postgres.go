package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

type config struct {
	maxConns int
}

// Option tunes Open.
type Option func(*config)

// WithMaxConns bounds the connection pool (default 20).
func WithMaxConns(n int) Option { return func(c *config) { c.maxConns = n } }

// Open connects to the database at url (postgres://user@host/db?...; any
// unknown parameter such as search_path is sent as a run-time setting),
// migrates it to this binary's schema and returns the store. A database
// that cannot be reached is store.ErrUnavailable.
func Open(ctx context.Context, url string, opts ...Option) (*sqlstore.Store, error) {
	cfg := config{maxConns: 20}
	for _, o := range opts {
		o(&cfg)
	}
	connCfg, err := pgx.ParseConfig(url)
	if err != nil {
		// The error may quote the URL; it is the operator's own setting.
		return nil, fmt.Errorf("postgres: parsing the database URL: %w", err)
	}
	db := stdlib.OpenDB(*connCfg)
	db.SetMaxOpenConns(cfg.maxConns)
	db.SetMaxIdleConns(min(cfg.maxConns, 5))
	db.SetConnMaxIdleTime(5 * time.Minute)

	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: postgres %s:%d: %w", store.ErrUnavailable, connCfg.Host, connCfg.Port, err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, err
	}
	// Several processes may start at once on one database: the advisory
	// lock makes them take turns, and the later ones find nothing to do.
	if err := sqlstore.Migrate(ctx, Dialect, db, goose.DialectPostgres, sub,
		goose.WithSessionLocker(migrationLock{})); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return sqlstore.New(Dialect, db, db), nil
}
