package oidc

import (
	"context"
	"net"
	"net/http"
	"slices"

	"github.com/latchkey/latchkey/internal/model"
)

// event records a user event: counted always, stored when the realm saves
// events (eventsEnabled, and the type among enabledEventTypes when that is
// set), as Keycloak's JPA event store does. Storing is best effort: a
// failure is logged and never fails the request it describes.
func (h *Handler) event(r *http.Request, realm *model.Realm, e model.Event) {
	if h.Events != nil {
		h.Events.CountEvent(realm.Name, e.Type, e.Error)
	}
	if !realm.EventsEnabled || (len(realm.EnabledEventTypes) > 0 && !slices.Contains(realm.EnabledEventTypes, e.Type)) {
		return
	}
	e.RealmID = realm.ID
	e.Time = h.now()
	e.IPAddress = remoteIP(r)
	// The request may be cancelled once answered; the event should not be.
	if err := h.Store.AppendEvent(context.WithoutCancel(r.Context()), &e); err != nil {
		h.Log.WarnContext(r.Context(), "storing an event failed", "realm", realm.Name, "type", e.Type, "error", err)
	}
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
