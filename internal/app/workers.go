package app

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// sessionSweepEvery is how often expired sessions are removed. Expired
// sessions are refused when used whatever their age; sweeping only keeps
// the table small.
const sessionSweepEvery = time.Minute

// sweepSessions deletes expired sessions in bounded batches, and expired
// events (expireEventsDue), until ctx ends. Several processes may sweep
// the same database; that is harmless.
func (a *App) sweepSessions(ctx context.Context) {
	t := time.NewTicker(sessionSweepEvery)
	defer t.Stop()
	var lastExpiry, lastOptimize time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Expired events go on the same loop, at their own pace, and so
		// does refreshing the planner's statistics.
		a.expireEventsDue(ctx, &lastExpiry)
		a.optimizeDue(ctx, &lastOptimize)
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

// adminEventsExpiration is the realm attribute in which Keycloak keeps how
// long admin events are kept (seconds; absent or <= 0: for good).
const adminEventsExpiration = "adminEventsExpiration"

// eventExpiryEvery is how often expired events are removed (Keycloak's
// ClearExpiredEvents task runs every 15 minutes by default).
const eventExpiryEvery = 15 * time.Minute

// ExpireEvents removes, in every realm, the user events older than the
// realm's eventsExpiration and the admin events older than its
// adminEventsExpiration attribute, as Keycloak's ClearExpiredEvents does.
// It returns how many of each it removed. Several processes may run it on
// the same database; that is harmless.
func (a *App) ExpireEvents(ctx context.Context, now time.Time) (events, adminEvents int, err error) {
	realms, err := a.store.ListRealms(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, r := range realms {
		if r.EventsExpiration > 0 {
			n, err := a.store.DeleteEvents(ctx, r.ID, now.Add(-time.Duration(r.EventsExpiration)*time.Second))
			if err != nil {
				return events, adminEvents, err
			}
			events += n
		}
		if secs, err := strconv.ParseInt(strings.TrimSpace(r.Attributes[adminEventsExpiration]), 10, 64); err == nil && secs > 0 {
			n, err := a.store.DeleteAdminEvents(ctx, r.ID, now.Add(-time.Duration(secs)*time.Second))
			if err != nil {
				return events, adminEvents, err
			}
			adminEvents += n
		}
	}
	return events, adminEvents, nil
}

// expireEventsDue runs ExpireEvents when eventExpiryEvery has passed since
// last; the session sweeper's loop calls it on each of its ticks.
func (a *App) expireEventsDue(ctx context.Context, last *time.Time) {
	now := time.Now()
	if !last.IsZero() && now.Sub(*last) < eventExpiryEvery {
		return
	}
	*last = now
	n, m, err := a.ExpireEvents(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("removing expired events failed", "error", err)
		}
		return
	}
	if n+m > 0 {
		a.log.Debug("expired events removed", "events", n, "adminEvents", m)
	}
}

// optimizeEvery is how often the store refreshes its planner statistics.
const optimizeEvery = time.Hour

// optimizeDue asks the store to refresh its planner statistics once an
// hour (SQLite; a no-op where the database does it itself).
func (a *App) optimizeDue(ctx context.Context, last *time.Time) {
	o, ok := a.store.(interface{ Optimize(context.Context) error })
	if !ok || time.Since(*last) < optimizeEvery {
		return
	}
	*last = time.Now()
	if err := o.Optimize(ctx); err != nil && ctx.Err() == nil {
		a.log.Warn("refreshing the database's statistics failed", "error", err)
	}
}
