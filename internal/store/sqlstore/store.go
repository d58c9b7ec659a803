package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// querier is what both *sql.DB and *sql.Tx offer, so that one method body
// runs inside or outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// pools is shared by a Store and the transaction-bound Stores made from it.
type pools struct {
	dialect Dialect
	// writer runs every transaction. On SQLite it has one connection, so
	// writers queue in Go instead of fighting over the file lock.
	writer *sql.DB
	// reader serves reads outside transactions; it may be writer itself.
	reader *sql.DB
	// wait bounds how long a call waits for a pooled connection, opening
	// one included (see SetPoolWait).
	wait time.Duration

	closeOnce sync.Once
	closeErr  error

	// observer, when set, hears of every error that is not an expected
	// outcome (not found, conflict, a cancelled request).
	observer atomic.Pointer[func(kind string)]
}

// Store is store.Store on database/sql. The zero value is not usable; build
// one with New.
type Store struct {
	p  *pools
	tx *sql.Tx // non-nil inside InTx
}

var _ store.Store = (*Store)(nil)

// New returns a Store that writes through writer and reads through reader
// (pass the same *sql.DB twice when the backend needs no split). The Store
// owns both and closes them in Close.
func New(d Dialect, writer, reader *sql.DB) *Store {
	if reader == nil {
		reader = writer
	}
	return &Store{p: &pools{dialect: d, writer: writer, reader: reader, wait: DefaultPoolWait}}
}

// DefaultPoolWait is how long a call waits for a connection unless
// SetPoolWait says otherwise.
const DefaultPoolWait = 5 * time.Second

// SetPoolWait bounds how long a read, a write or a transaction waits to get
// a connection from its pool, opening a new one included (d > 0). A call
// that gets none in time fails with store.ErrUnavailable instead of queueing
// without end behind a database that stopped answering, or behind SQLite's
// one writer held by a long transaction. Call it before using the store.
func (s *Store) SetPoolWait(d time.Duration) {
	if d > 0 {
		s.p.wait = d
	}
}

// Writer returns the pool that runs transactions, for backends' own
// maintenance (migrations run before New, tests).
func (s *Store) Writer() *sql.DB { return s.p.writer }

// Close closes the pools. Calling it again returns the first result.
func (s *Store) Close() error {
	if s.tx != nil {
		return errors.New("sqlstore: Close called inside a transaction")
	}
	s.p.closeOnce.Do(func() {
		err := s.p.writer.Close()
		if s.p.reader != s.p.writer {
			err = errors.Join(err, s.p.reader.Close())
		}
		s.p.closeErr = err
	})
	return s.p.closeErr
}

// Ping runs a query on the read pool, so that a ready database really
// answered rather than a pool reporting an idle connection.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	err := s.reader().QueryRowContext(ctx, "SELECT 1").Scan(&one)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", store.ErrUnavailable, s.p.dialect.Name, err)
	}
	return nil
}

func (s *Store) reader() querier {
	if s.tx != nil {
		return s.tx
	}
	return s.p.reader
}

// read runs fn against the transaction when there is one, else against the
// read pool, retrying transient contention. Errors come back mapped.
func (s *Store) read(ctx context.Context, fn func(q querier) error) error {
	if s.tx != nil {
		return s.p.checked(ctx, fn(s.tx))
	}
	return s.p.dialect.mapErr(s.p.retry(ctx, func() error {
		return s.p.onConn(ctx, s.p.reader, func(c *sql.Conn) error {
			return s.p.checked(ctx, fn(c))
		})
	}))
}

// write runs fn in the current transaction, or in a new one on the writer
// through the one retry helper; no write ever bypasses it.
func (s *Store) write(ctx context.Context, fn func(q querier) error) error {
	if s.tx != nil {
		return s.p.checked(ctx, fn(s.tx))
	}
	return s.p.inTx(ctx, func(tx *sql.Tx) error { return s.p.checked(ctx, fn(tx)) })
}

// InTx implements store.Store.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	return s.p.inTx(ctx, func(tx *sql.Tx) error {
		return fn(&Store{p: s.p, tx: tx})
	})
}

// Optimize refreshes the planner's statistics where the database needs to
// be asked (SQLite): without fresh ones, a realm that grew since the
// server started can get a plan that walks the realm for a lookup
// (docs/query-plans.md). The app calls it periodically.
func (s *Store) Optimize(ctx context.Context) error {
	if s.p.dialect.OptimizeSQL == "" {
		return nil
	}
	return s.p.checked(ctx, RunOptimize(ctx, s.p.writer, s.p.dialect, s.p.dialect.OptimizeSQL))
}

// RunOptimize runs pragma (the dialect's OptimizeSQL or a variant of it)
// and the dialect's AfterOptimize in one transaction on db, so that other
// connections see the statistics only as AfterOptimize leaves them.
func RunOptimize(ctx context.Context, db *sql.DB, d Dialect, pragma string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, pragma); err != nil {
		return err
	}
	if d.AfterOptimize != nil {
		if err := d.AfterOptimize(ctx, tx); err != nil {
			return err
		}
	}
	return tx.Commit()
}
