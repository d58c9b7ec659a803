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
// database.
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
func retry(ctx context.Context, d Dialect, fn func() error) error {
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || d.kind(err) != KindRetry {
			return err
		}
		if attempt == maxAttempts {
			return fmt.Errorf("sqlstore: giving up after %d attempts: %w", attempt, err)
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
	err := p.retry(ctx, func() error {
		tx, err := p.writer.BeginTx(ctx, p.dialect.TxOptions)
		if err != nil {
			return p.checked(ctx, err)
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback()
			return p.dialect.mapErr(err)
		}
		return p.checked(ctx, tx.Commit())
	})
	return err
}
