package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"

	"github.com/latchkey/latchkey/internal/store"
)

// Migrate applies the embedded migrations in fsys (plain SQL files named
// NNNN_name.sql, at its root) that db has not seen yet. It refuses, with
// store.ErrSchemaTooNew, a database that a newer latchkey has migrated past
// the last migration this binary knows. opts carry backend needs such as
// PostgreSQL's session locker. A run that meets transient contention is
// retried through the store's retry helper; each migration commits on its
// own, so a retry resumes where the last one stopped.
func Migrate(ctx context.Context, d Dialect, db *sql.DB, dialect goose.Dialect, fsys fs.FS, opts ...goose.ProviderOption) error {
	opts = append([]goose.ProviderOption{
		goose.WithLogger(goose.NopLogger()),
		goose.WithDisableGlobalRegistry(true),
	}, opts...)
	p, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("sqlstore: loading migrations: %w", err)
	}
	sources := p.ListSources()
	newest := sources[len(sources)-1].Version
	var current int64
	err = retry(ctx, d, func() error {
		var err error
		current, err = p.GetDBVersion(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: reading schema version: %w", err)
	}
	if current > newest {
		return fmt.Errorf("%w: database is at schema version %d, this binary knows up to %d; upgrade latchkey",
			store.ErrSchemaTooNew, current, newest)
	}
	err = retry(ctx, d, func() error {
		_, err := p.Up(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: migrating from version %d to %d: %w", current, newest, err)
	}
	return nil
}
