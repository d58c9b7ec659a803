package sqlite

import (
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
	RetryBudget: 4 * time.Second, FTS5Trigrams: true}
