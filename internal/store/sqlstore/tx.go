package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// Retry bounds: SQLite's busy_timeout already waits inside the driver, so
// these cover what slips through (a BEGIN IMMEDIATE racing a checkpoint, a
// PostgreSQL deadlock or serialization failure). Under SERIALIZABLE each
// round of contenders on one row lets at least one commit, so the bound
// must exceed the number of writers that may pile onto one row; it is
// still small enough (a few seconds of backoff) not to hide a stuck
// database. A dialect's RetryBudget bounds the same in time: no attempt
// starts that long after the first, so a SQLite attempt that already
// waited out busy_timeout (5 s) inside the driver, because another process
// holds the write lock, is not repeated for minutes; the caller gets
// store.ErrUnavailable instead.
const (
	maxAttempts  = 30
	firstBackoff = 2 * time.Millisecond
	maxBackoff   = 100 * time.Millisecond
)

func (p *pools) retry(ctx context.Context, fn func() error) error {
	return retry(ctx, p.dialect, fn)
}

// checked maps an error the database itself returned and reports it to the
// observer. Errors of callers' functions inside InTx do not pass here, so
// they are never counted as database errors.
func (p *pools) checked(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	err = p.dialect.mapErr(err)
	p.observe(ctx, err)
	return err
}

// Error kinds reported to the observer.
const (
	ErrorUnavailable = "unavailable"
	ErrorContention  = "contention"
	ErrorOther       = "other"
)

// observe reports err to the observer unless it is an expected outcome.
func (p *pools) observe(ctx context.Context, err error) {
	fn := p.observer.Load()
	if fn == nil || ctx.Err() != nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return
	}
	kind := ErrorOther
	switch {
	case errors.Is(err, store.ErrUnavailable) || p.dialect.kind(err) == KindUnavailable:
		kind = ErrorUnavailable
	case p.dialect.kind(err) == KindRetry:
		kind = ErrorContention
	}
	(*fn)(kind)
}

// ObserveErrors makes the store call fn with the kind of every database
// error that is not an expected outcome (for metrics). fn must be fast and
// safe for concurrent use.
func (s *Store) ObserveErrors(fn func(kind string)) { s.p.observer.Store(&fn) }

// retry runs fn until it succeeds, fails for a reason other than transient
// contention, runs out of attempts or ctx ends. It is the one retry helper:
// transactions, reads outside them and migrations all go through it.
//
// Giving up is store.ErrUnavailable: the database is there but too busy to
// take the write now, which the caller answers as "retry later" (503),
// never as its driver's text ("database is locked").
func retry(ctx context.Context, d Dialect, fn func() error) error {
	backoff := firstBackoff
	start := time.Now()
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || d.kind(err) != KindRetry {
			return err
		}
		if attempt == maxAttempts || (d.RetryBudget > 0 && time.Since(start) >= d.RetryBudget) {
			return fmt.Errorf("%w: %s busy, giving up after %d attempts in %s: %w", store.ErrUnavailable,
				d.Name, attempt, time.Since(start).Round(time.Millisecond), err)
		}
		// Full jitter keeps colliding writers from colliding again.
		sleep := time.Duration(rand.Int64N(int64(backoff))) + time.Millisecond
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// inTx runs fn in a transaction on the writer, committing when fn returns
// nil, and runs it again from the start on transient contention.
func (p *pools) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return p.retry(ctx, func() error {
		return p.onConn(ctx, p.writer, func(c *sql.Conn) error {
			tx, err := c.BeginTx(ctx, p.dialect.TxOptions)
			if err != nil {
				return p.checked(ctx, err)
			}
			if err := fn(tx); err != nil {
				_ = tx.Rollback()
				return p.dialect.mapErr(err)
			}
			if err := tx.Commit(); err != nil {
				// Even an error that claims nothing was sent is not
				// trusted here: pgx has answered "conn closed" (safe to
				// retry) for a COMMIT the database had applied.
				err = p.checked(ctx, err)
				if errors.Is(err, store.ErrUnavailable) {
					return &commitUnknown{err}
				}
				return err
			}
			return nil
		})
	})
}

// commitUnknown is a COMMIT that failed with the connection: the database
// may or may not have committed, so the transaction is not run again. It
// says so to the HTTP layer through OutcomeUnknown, and unwraps to
// store.ErrUnavailable.
type commitUnknown struct{ err error }

func (e *commitUnknown) Error() string { return "commit outcome unknown: " + e.err.Error() }

func (e *commitUnknown) Unwrap() error { return e.err }

// OutcomeUnknown says the write may have been applied.
func (e *commitUnknown) OutcomeUnknown() bool { return true }

// SafeToRetry says the transaction must not run again (see unsent).
func (e *commitUnknown) SafeToRetry() bool { return false }

// staleConnRetries is how many times onConn takes another connection when
// the one it got turns out dead (the database restarted since it was
// pooled).
const staleConnRetries = 2

// onConn runs fn on a connection of db taken within the pool wait (see
// conn), and returns the connection after. An error that says nothing was
// sent (driver.ErrBadConn, pgx's SafeToRetry) means the connection was
// dead, so fn runs again on another: what database/sql does for calls on
// the pool itself. Inside a transaction the statements sent before it were
// never committed, so running the whole transaction again is safe; a
// failed COMMIT is never run again (commitUnknown).
func (p *pools) onConn(ctx context.Context, db *sql.DB, fn func(c *sql.Conn) error) error {
	for attempt := 0; ; attempt++ {
		c, err := p.conn(ctx, db)
		if err != nil {
			return err
		}
		err = fn(c)
		_ = c.Close()
		if attempt == staleConnRetries || ctx.Err() != nil || !unsent(err) {
			return err
		}
	}
}

// conn takes a connection from db, waiting at most p.wait for one (opening
// it included). Not getting one in time is store.ErrUnavailable, unless
// ctx ended first.
func (p *pools) conn(ctx context.Context, db *sql.DB) (*sql.Conn, error) {
	wctx, cancel := context.WithTimeout(ctx, p.wait)
	defer cancel()
	c, err := db.Conn(wctx)
	if err == nil {
		return c, nil
	}
	if ctx.Err() != nil {
		return nil, err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w: %s: no connection within %s: %w", store.ErrUnavailable, p.dialect.Name, p.wait, err)
		p.observe(ctx, err)
		return nil, err
	}
	// A failed connect is classified by the dialect (unavailable); a
	// closed store is a bug, reported as such.
	return nil, p.checked(ctx, err)
}
