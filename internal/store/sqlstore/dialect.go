package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// ErrorKind is what a backend's driver error means to the store.
type ErrorKind int

const (
	// KindOther is any error the store has no special meaning for.
	KindOther ErrorKind = iota
	// KindUnique is a unique-constraint violation: store.ErrConflict.
	KindUnique
	// KindForeignKey is a foreign-key violation: the referenced row is
	// missing, so the caller gets store.ErrNotFound.
	KindForeignKey
	// KindRetry is transient contention (SQLITE_BUSY, a serialization
	// failure, a deadlock): the whole transaction is run again.
	KindRetry
	// KindUnavailable means the database could not be reached.
	KindUnavailable
)

// Dialect is what one SQL backend tells the shared implementation about
// itself.
type Dialect struct {
	// Name is used in error messages ("sqlite", "postgres").
	Name string
	// Classify says what a driver error means. It must look through wrapped
	// errors (errors.As), since errors reach it wrapped.
	Classify func(error) ErrorKind
	// TxOptions begins every transaction. InTx promises that a
	// read-modify-write in fn loses no concurrent update; SQLite gives that
	// by having one writer, PostgreSQL needs SERIALIZABLE, whose failures
	// are then retried. nil means the driver's default.
	TxOptions *sql.TxOptions
	// LockSkipLocked ends a SELECT whose rows the statement goes on to
	// update, so that concurrent claimers of a queue (the mail outbox) take
	// different rows instead of waiting on each other: " FOR UPDATE SKIP
	// LOCKED" on PostgreSQL, "" on SQLite, whose single writer already
	// serialises them.
	LockSkipLocked string
	// OptimizeSQL refreshes the planner's statistics ("" when the database
	// does it by itself, as PostgreSQL's autovacuum does).
	OptimizeSQL string
	// AfterOptimize runs in the same transaction as OptimizeSQL, to adjust
	// what it wrote (SQLite drops the STAT4 samples of its FTS5 tables).
	AfterOptimize func(ctx context.Context, tx *sql.Tx) error
	// RetryBudget bounds in time how long contention is retried (0: only
	// the number of attempts bounds it). SQLite needs it, since each of its
	// attempts may already have waited busy_timeout for another process's
	// lock; PostgreSQL's serialization failures are cheap to retry, and
	// under CPU overload a time bound turns a burst of registrations into
	// 503s that the next attempt would have committed.
	RetryBudget time.Duration
	// FTS5Trigrams says that infix searches are served by the FTS5 trigram
	// table users_trgm, which queries must name (SQLite); false when
	// indexes on the users columns serve the LIKE itself (PostgreSQL's
	// pg_trgm). See users_trgm.go.
	FTS5Trigrams bool
	// CustomPlan goes before the arguments of queries whose best plan
	// depends on the values (the user search): a driver option asking for
	// a plan made with them every time. PostgreSQL's pgx otherwise caches
	// prepared statements, and after five runs PostgreSQL may switch to a
	// generic plan, which for LIKE $2 walks the realm even for a term the
	// trigram indexes find in a millisecond. nil where there is no such
	// cache worth avoiding (SQLite).
	CustomPlan []any
}

func (d Dialect) kind(err error) ErrorKind {
	if err == nil {
		return KindOther
	}
	if d.Classify != nil {
		if k := d.Classify(err); k != KindOther {
			return k
		}
	}
	if connectionLost(err) {
		return KindUnavailable
	}
	return KindOther
}

// connectionLost says whether err, which the dialect has no meaning for,
// is the connection failing rather than the statement: the server hung up
// mid-message (io.ErrUnexpectedEOF, io.EOF), the network failed
// (net.Error), or database/sql or the driver found the connection
// unusable before sending anything (driver.ErrBadConn, sql.ErrConnDone, an
// error whose SafeToRetry says so, as pgx's "conn closed" does).
func connectionLost(err error) bool {
	var netErr net.Error
	var r interface{ SafeToRetry() bool }
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || (errors.As(err, &r) && r.SafeToRetry())
}

// unsent says whether err declares that nothing reached the database, so
// that the call may run again on another connection. The outermost error
// with a SafeToRetry method decides, so that a wrapper can refuse.
func unsent(err error) bool {
	var r interface{ SafeToRetry() bool }
	if errors.As(err, &r) {
		return r.SafeToRetry()
	}
	return errors.Is(err, driver.ErrBadConn)
}

// mapErr turns a driver error into the store's sentinels while keeping the
// driver error in the chain, so that the retry helper can still classify it.
// It is idempotent: an error already carrying a sentinel is returned as is.
func (d Dialect) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) ||
		errors.Is(err, store.ErrUnavailable) {
		return err
	}
	switch d.kind(err) {
	case KindUnique:
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	case KindForeignKey:
		return fmt.Errorf("%w: referenced row missing: %w", store.ErrNotFound, err)
	case KindUnavailable:
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}
