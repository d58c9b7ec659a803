package postgres

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/latchkey/latchkey/internal/store/sqlstore"
)

// classify maps pgx errors to what they mean to the store.
func classify(err error) sqlstore.ErrorKind {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "23505": // unique_violation
			return sqlstore.KindUnique
		case pg.Code == "23503": // foreign_key_violation
			return sqlstore.KindForeignKey
		case pg.Code == "40001", pg.Code == "40P01": // serialization_failure, deadlock_detected
			return sqlstore.KindRetry
		case strings.HasPrefix(pg.Code, "08"), pg.Code == "57P01", pg.Code == "57P03":
			// connection exceptions, admin shutdown, cannot connect now
			return sqlstore.KindUnavailable
		}
		return sqlstore.KindOther
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connect) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) {
		return sqlstore.KindUnavailable
	}
	return sqlstore.KindOther
}

// Dialect is PostgreSQL's description for sqlstore. Transactions are
// SERIALIZABLE so that they behave as SQLite's single writer does: a
// read-modify-write in InTx never loses a concurrent update, and the
// serialization failures that buys are retried by sqlstore.
var Dialect = sqlstore.Dialect{
	Name:      "postgres",
	Classify:  classify,
	TxOptions: &sql.TxOptions{Isolation: sql.LevelSerializable},

	LockSkipLocked: " FOR UPDATE SKIP LOCKED",
	// An unnamed statement, planned with its values each time.
	CustomPlan: []any{pgx.QueryExecModeExec},
}
