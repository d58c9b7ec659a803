package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
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
			return p.dialect.mapErr(err)
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback()
			return p.dialect.mapErr(err)
		}
		return p.dialect.mapErr(tx.Commit())
	})
	return err
}
