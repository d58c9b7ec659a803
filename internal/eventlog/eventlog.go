// Package eventlog records user events (LOGIN, REGISTER, ...) the way
// Keycloak's event store does: always counted for metrics, stored when the
// realm saves events. Every endpoint that emits events goes through it.
package eventlog

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Counter counts events for metrics.
type Counter interface {
	CountEvent(realm, event, errorID string)
}

// Recorder records events.
type Recorder struct {
	Store   store.EventStore
	Counter Counter // may be nil
	Log     *slog.Logger
	Now     func() time.Time
}

// Record counts e and stores it when the realm stores events (eventsEnabled,
// and e's type among enabledEventTypes when that list is set). Storing is
// best effort: a failure is logged and never fails the request it describes.
func (rec *Recorder) Record(ctx context.Context, realm *model.Realm, ip string, e model.Event) {
	if rec.Counter != nil {
		rec.Counter.CountEvent(realm.Name, e.Type, e.Error)
	}
	if !realm.EventsEnabled || (len(realm.EnabledEventTypes) > 0 && !slices.Contains(realm.EnabledEventTypes, e.Type)) {
		return
	}
	e.RealmID = realm.ID
	e.IPAddress = ip
	if rec.Now != nil {
		e.Time = rec.Now()
	} else {
		e.Time = time.Now()
	}
	// The request may be cancelled once answered; the event should not be.
	if err := rec.Store.AppendEvent(context.WithoutCancel(ctx), &e); err != nil && rec.Log != nil {
		rec.Log.WarnContext(ctx, "storing an event failed", "realm", realm.Name, "type", e.Type, "error", err)
	}
}
