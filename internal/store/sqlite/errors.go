package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/latchkey/latchkey/internal/store/sqlstore"
)

// classify maps modernc's result codes to what they mean to the store.
func classify(err error) sqlstore.ErrorKind {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return sqlstore.KindOther
	}
	switch code := e.Code(); {
	case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE, code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return sqlstore.KindUnique
	case code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sqlstore.KindForeignKey
	case code&0xff == sqlite3.SQLITE_BUSY, code&0xff == sqlite3.SQLITE_LOCKED:
		return sqlstore.KindRetry
	}
	return sqlstore.KindOther
}

// Dialect is SQLite's description for sqlstore.
var Dialect = sqlstore.Dialect{Name: "sqlite", Classify: classify, OptimizeSQL: "PRAGMA optimize",
	RetryBudget: 4 * time.Second, FTS5Trigrams: true, AfterOptimize: dropFTSSamples}

// dropFTSSamples deletes the STAT4 samples ANALYZE took of the FTS5
// trigram index's shadow tables. With samples, SQLite treats the plan of
// FTS5's internal seek statement (term <= ?) as depending on the bound
// term and prepares it again for every new term, in every segment: an
// infix search spent most of its time in SQLite's parser (2-5x slower at
// 50,000 users). The samples help no query of ours.
func dropFTSSamples(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM sqlite_stat4 WHERE tbl LIKE 'users\_trgm%' ESCAPE '\'`)
	return err
}
