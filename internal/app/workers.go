package app

import (
	"context"
	"time"
)

// sessionSweepEvery is how often expired sessions are removed. Expired
// sessions are refused when used whatever their age; sweeping only keeps
// the table small.
const sessionSweepEvery = time.Minute

// sweepSessions deletes expired sessions in bounded batches until ctx
// ends. Several processes may sweep the same database; that is harmless.
func (a *App) sweepSessions(ctx context.Context) {
	t := time.NewTicker(sessionSweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for {
			n, err := a.store.DeleteExpiredSessions(ctx, time.Now(), 1000)
			if err != nil {
				if ctx.Err() == nil {
					a.log.Warn("sweeping expired sessions failed", "error", err)
				}
				break
			}
			if n > 0 {
				a.log.Debug("expired sessions removed", "count", n)
			}
			if n < 1000 {
				break
			}
		}
	}
}
