package adminapi

import (
	"context"
	"encoding/json"
	"net"

	"github.com/latchkey/latchkey/internal/model"
)

// Operation types of admin events.
const (
	opCreate = "CREATE"
	opUpdate = "UPDATE"
	opDelete = "DELETE"
	opAction = "ACTION"
)

// adminEvent records a change made through the admin API, as Keycloak's
// AdminEventBuilder does: stored when the realm records admin events, with
// the representation when it records details. rep must already be free of
// secrets (credentials, client secrets). Storing is best effort: the change
// is made; a failure to record it is logged.
func (h *Handler) adminEvent(q *req, op, resourceType, path string, rep any) {
	if !q.realm.AdminEventsEnabled {
		return
	}
	// Keycloak records the caller's client by its internal id.
	authClient := q.caller.azp
	if c, err := h.Store.GetClientByClientID(q.r.Context(), q.caller.realm.ID, q.caller.azp); err == nil {
		authClient = c.ID
	}
	e := model.AdminEvent{
		RealmID: q.realm.ID, Time: h.now(), AuthRealmID: q.caller.realm.ID, AuthClientID: authClient,
		AuthUserID: q.caller.user.ID, AuthIPAddress: remoteIP(q), OperationType: op,
		ResourceType: resourceType, ResourcePath: path,
	}
	if q.realm.AdminEventsDetailsEnabled && rep != nil {
		if b, err := json.Marshal(rep); err == nil {
			e.Representation = string(b)
		}
	}
	if err := h.Store.AppendAdminEvent(context.WithoutCancel(q.r.Context()), &e); err != nil {
		h.Log.WarnContext(q.r.Context(), "storing an admin event failed", "realm", q.realm.Name,
			"resource", path, "error", err)
	}
}

func remoteIP(q *req) string {
	host, _, err := net.SplitHostPort(q.r.RemoteAddr)
	if err != nil {
		return q.r.RemoteAddr
	}
	return host
}
