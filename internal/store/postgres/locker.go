package postgres

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3/lock"
)

// migrationLock is a goose session locker that waits in the server for the
// advisory lock (pg_advisory_lock) instead of polling for it every few
// seconds as goose's own locker does, so a process that starts beside
// another migrates as soon as the first is done. The lock key is derived
// from the current schema: processes sharing a schema take turns, while
// databases kept side by side in separate schemas do not wait for each
// other.
type migrationLock struct{}

var _ lock.SessionLocker = migrationLock{}

const lockKey = `hashtext('latchkey-migrations:' || current_schema())`

func (migrationLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`)
	return err
}

func (migrationLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+lockKey+`)`)
	return err
}
