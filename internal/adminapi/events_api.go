package adminapi

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// The events API of RealmAdminResource: user events, admin events and the
// realm's events configuration. Reading takes view-events (or
// manage-events), deleting and configuring manage-events.

func (h *Handler) mountEvents(mux router) {
	const base = "/admin/realms/{realm}"
	h.realmRoute(mux, "GET "+base+"/events", h.listEvents)
	h.realmRoute(mux, "DELETE "+base+"/events", h.clearEvents)
	h.realmRoute(mux, "GET "+base+"/admin-events", h.listAdminEvents)
	h.realmRoute(mux, "DELETE "+base+"/admin-events", h.clearAdminEvents)
	h.realmRoute(mux, "GET "+base+"/events/config", h.getEventsConfig)
	h.realmRoute(mux, "PUT "+base+"/events/config", h.updateEventsConfig)
}

func (p perms) viewEvents() bool   { return p.any("view-events", "manage-events") }
func (p perms) manageEvents() bool { return p.any("manage-events") }

// eventRep is Keycloak's EventRepresentation.
type eventRep struct {
	ID        string            `json:"id"`
	Time      int64             `json:"time"`
	Type      string            `json:"type"`
	RealmID   string            `json:"realmId"`
	ClientID  string            `json:"clientId,omitempty"`
	UserID    string            `json:"userId,omitempty"`
	SessionID string            `json:"sessionId,omitempty"`
	IPAddress string            `json:"ipAddress,omitempty"`
	Error     string            `json:"error,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
}

// adminEventRep is Keycloak's AdminEventRepresentation.
type adminEventRep struct {
	ID             string            `json:"id"`
	Time           int64             `json:"time"`
	RealmID        string            `json:"realmId"`
	AuthDetails    authDetailsRep    `json:"authDetails"`
	OperationType  string            `json:"operationType"`
	ResourceType   string            `json:"resourceType,omitempty"`
	ResourcePath   string            `json:"resourcePath,omitempty"`
	Representation string            `json:"representation,omitempty"`
	Error          string            `json:"error,omitempty"`
	Details        map[string]string `json:"details,omitempty"`
}

type authDetailsRep struct {
	RealmID   string `json:"realmId,omitempty"`
	ClientID  string `json:"clientId,omitempty"`
	UserID    string `json:"userId,omitempty"`
	IPAddress string `json:"ipAddress,omitempty"`
}

// eventsConfigRep is Keycloak's RealmEventsConfigRepresentation. The
// pointers tell an absent field (left unchanged by PUT) from a zero one.
type eventsConfigRep struct {
	EventsEnabled             bool     `json:"eventsEnabled"`
	EventsExpiration          *int64   `json:"eventsExpiration,omitempty"`
	EventsListeners           []string `json:"eventsListeners"`
	EnabledEventTypes         []string `json:"enabledEventTypes"`
	AdminEventsEnabled        *bool    `json:"adminEventsEnabled"`
	AdminEventsDetailsEnabled *bool    `json:"adminEventsDetailsEnabled"`
}

// dateParam parses Keycloak's yyyy-MM-dd date (SimpleDateFormat, lenient:
// it reads the date at midnight, server time; latchkey uses UTC).
func dateParam(v url.Values, name, label string) (time.Time, error) {
	if !v.Has(name) {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-1-2", v.Get(name))
	if err != nil {
		return time.Time{}, jaxrs(http.StatusBadRequest, "Invalid value for '"+label+"', expected format is yyyy-MM-dd")
	}
	return t, nil
}

// eventPage reads first and max as Keycloak's events queries do: max
// defaults to 100.
func eventPage(v url.Values) (store.Page, bool, error) {
	p, err := pageParams(v)
	if err != nil {
		return p, false, err
	}
	if m, _ := intParam(v, "max"); m != nil && *m == 0 {
		return p, true, nil
	}
	return p, false, nil
}

// enumParams checks each value of a repeatable parameter against an enum
// (Keycloak's EventType.valueOf / OperationType.valueOf). Keycloak lets the
// IllegalArgumentException become a 500; latchkey answers 400.
func enumParams(v url.Values, name string, valid func(string) bool) ([]string, error) {
	var out []string
	for _, s := range v[name] {
		if !valid(s) {
			return nil, jaxrs(http.StatusBadRequest, "Invalid value for '"+name+"': "+s)
		}
		out = append(out, s)
	}
	return out, nil
}

// listEvents is GET /events: user events, newest first.
func (h *Handler) listEvents(q *req) error {
	if !q.perms.viewEvents() {
		return errForbidden
	}
	v := q.r.URL.Query()
	eq := store.EventQuery{ClientID: v.Get("client"), UserID: v.Get("user"), IPAddress: v.Get("ipAddress")}
	var err error
	if eq.Types, err = enumParams(v, "type", func(s string) bool { return slices.Contains(eventTypes, s) }); err != nil {
		return err
	}
	if eq.From, err = dateParam(v, "dateFrom", "Date(From)"); err != nil {
		return err
	}
	if eq.To, err = dateParam(v, "dateTo", "Date(To)"); err != nil {
		return err
	}
	eq.To = endOfDay(eq.To)
	page, none, err := eventPage(v)
	if err != nil {
		return err
	}
	out := []eventRep{}
	if none {
		return q.json(out)
	}
	eq.Page = page
	events, err := h.Store.ListEvents(q.r.Context(), q.realm.ID, eq)
	if err != nil {
		return err
	}
	for _, e := range events {
		out = append(out, eventRep{ID: e.ID, Time: e.Time.UnixMilli(), Type: e.Type, RealmID: e.RealmID,
			ClientID: e.ClientID, UserID: e.UserID, SessionID: e.SessionID, IPAddress: e.IPAddress,
			Error: e.Error, Details: e.Details})
	}
	return q.json(out)
}

// endOfDay makes dateTo inclusive of its whole day, as Keycloak's JPA
// query does (it compares with the next day's midnight).
func endOfDay(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.AddDate(0, 0, 1).Add(-time.Millisecond)
}

// clearEvents is DELETE /events: every user event of the realm.
func (h *Handler) clearEvents(q *req) error {
	if !q.perms.manageEvents() {
		return errForbidden
	}
	if _, err := h.Store.DeleteEvents(q.r.Context(), q.realm.ID, time.Time{}); err != nil {
		return err
	}
	return q.noContent()
}

// listAdminEvents is GET /admin-events, newest first.
func (h *Handler) listAdminEvents(q *req) error {
	if !q.perms.viewEvents() {
		return errForbidden
	}
	v := q.r.URL.Query()
	aq := store.AdminEventQuery{ResourcePath: v.Get("resourcePath"), AuthRealmID: v.Get("authRealm"),
		AuthClientID: v.Get("authClient"), AuthUserID: v.Get("authUser"), AuthIPAddress: v.Get("authIpAddress")}
	var err error
	if aq.OperationTypes, err = enumParams(v, "operationTypes", func(s string) bool {
		return slices.Contains([]string{opCreate, opUpdate, opDelete, opAction}, s)
	}); err != nil {
		return err
	}
	if aq.ResourceTypes, err = enumParams(v, "resourceTypes", func(s string) bool {
		return slices.Contains(resourceTypes, s)
	}); err != nil {
		return err
	}
	if aq.From, err = dateParam(v, "dateFrom", "Date(From)"); err != nil {
		return err
	}
	if aq.To, err = dateParam(v, "dateTo", "Date(To)"); err != nil {
		return err
	}
	aq.To = endOfDay(aq.To)
	page, none, err := eventPage(v)
	if err != nil {
		return err
	}
	out := []adminEventRep{}
	if none {
		return q.json(out)
	}
	aq.Page = page
	events, err := h.Store.ListAdminEvents(q.r.Context(), q.realm.ID, aq)
	if err != nil {
		return err
	}
	for _, e := range events {
		out = append(out, adminEventRep{ID: e.ID, Time: e.Time.UnixMilli(), RealmID: e.RealmID,
			AuthDetails: authDetailsRep{RealmID: e.AuthRealmID, ClientID: e.AuthClientID,
				UserID: e.AuthUserID, IPAddress: e.AuthIPAddress},
			OperationType: e.OperationType, ResourceType: e.ResourceType, ResourcePath: e.ResourcePath,
			Representation: e.Representation, Error: e.Error, Details: e.Details})
	}
	return q.json(out)
}

// clearAdminEvents is DELETE /admin-events.
func (h *Handler) clearAdminEvents(q *req) error {
	if !q.perms.manageEvents() {
		return errForbidden
	}
	if _, err := h.Store.DeleteAdminEvents(q.r.Context(), q.realm.ID, time.Time{}); err != nil {
		return err
	}
	return q.noContent()
}

// eventsConfig is the realm's configuration as GET /events/config shows it:
// an empty list of enabled types is answered with the types Keycloak saves
// by default.
func eventsConfig(r *model.Realm) eventsConfigRep {
	out := eventsConfigRep{EventsEnabled: r.EventsEnabled, EventsListeners: r.EventsListeners,
		EnabledEventTypes: r.EnabledEventTypes, AdminEventsEnabled: &r.AdminEventsEnabled,
		AdminEventsDetailsEnabled: &r.AdminEventsDetailsEnabled}
	if r.EventsExpiration != 0 {
		out.EventsExpiration = &r.EventsExpiration
	}
	if out.EventsListeners == nil {
		out.EventsListeners = []string{}
	}
	if len(out.EnabledEventTypes) == 0 {
		out.EnabledEventTypes = defaultEventTypes()
	}
	return out
}

func (h *Handler) getEventsConfig(q *req) error {
	if !q.perms.viewEvents() {
		return errForbidden
	}
	return q.json(eventsConfig(q.realm))
}

// updateEventsConfig is PUT /events/config (RealmManager.
// updateRealmEventsConfig): eventsEnabled and eventsExpiration are always
// set (absent: false, 0); lists and admin flags only when present.
func (h *Handler) updateEventsConfig(q *req) error {
	if !q.perms.manageEvents() {
		return errForbidden
	}
	var in eventsConfigRep
	if err := decode(q, &in); err != nil {
		return err
	}
	for _, t := range in.EnabledEventTypes {
		if !slices.Contains(eventTypes, t) {
			return jaxrs(http.StatusBadRequest, "Invalid value for 'enabledEventTypes': "+t)
		}
	}
	var updated *model.Realm
	err := h.Store.InTx(q.r.Context(), func(tx store.Store) error {
		r, err := tx.GetRealm(q.r.Context(), q.realm.ID)
		if err != nil {
			return err
		}
		r.EventsEnabled = in.EventsEnabled
		r.EventsExpiration = 0
		if in.EventsExpiration != nil {
			r.EventsExpiration = *in.EventsExpiration
		}
		if in.EventsListeners != nil {
			r.EventsListeners = dedupeStrings(in.EventsListeners)
		}
		if in.EnabledEventTypes != nil {
			r.EnabledEventTypes = dedupeStrings(in.EnabledEventTypes)
		}
		if in.AdminEventsEnabled != nil {
			r.AdminEventsEnabled = *in.AdminEventsEnabled
		}
		if in.AdminEventsDetailsEnabled != nil {
			r.AdminEventsDetailsEnabled = *in.AdminEventsDetailsEnabled
		}
		updated = r
		return tx.UpdateRealm(q.r.Context(), r)
	})
	if errors.Is(err, store.ErrNotFound) {
		return errNoRealm
	} else if err != nil {
		return err
	}
	// Recorded with the new settings and the old, as Keycloak's
	// refreshRealmEventsConfig does: a change that turns admin events off
	// is still recorded.
	was := *q.realm
	q.realm = updated
	if !updated.AdminEventsEnabled && was.AdminEventsEnabled {
		q.realm = &was
	}
	h.adminEvent(q, opUpdate, "REALM", "events/config", in)
	return q.noContent()
}

// dedupeStrings keeps the first of each value (Keycloak keeps sets).
func dedupeStrings(in []string) []string {
	out := []string{}
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
