package adminapi

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Sessions (UserResource, RealmAdminResource, ClientResource): listing a
// user's or a client's sessions, ending one, a user's or all of a realm's.
// Ending a user's or the realm's sessions also sets notBefore, so that
// tokens issued before it stop working, as Keycloak does.

func (h *Handler) mountSessions(mux router) {
	const base = "/admin/realms/{realm}"
	h.realmRoute(mux, "GET "+base+"/users/{id}/sessions", h.userSessions)
	h.realmRoute(mux, "POST "+base+"/users/{id}/logout", h.logoutUser)
	h.realmRoute(mux, "DELETE "+base+"/sessions/{session}", h.deleteSession)
	h.realmRoute(mux, "GET "+base+"/clients/{id}/user-sessions", h.clientSessions)
	h.realmRoute(mux, "GET "+base+"/clients/{id}/session-count", h.clientSessionCount)
	h.realmRoute(mux, "POST "+base+"/logout-all", h.logoutAll)
}

// userSessionRep is Keycloak's UserSessionRepresentation.
type userSessionRep struct {
	ID         string            `json:"id"`
	Username   string            `json:"username"`
	UserID     string            `json:"userId"`
	IPAddress  string            `json:"ipAddress,omitempty"`
	Start      int64             `json:"start"`
	LastAccess int64             `json:"lastAccess"`
	RememberMe bool              `json:"rememberMe"`
	Clients    map[string]string `json:"clients"`
}

// sessionReps renders sessions; usernames and clientIds are looked up once
// each. Keycloak keeps session times in seconds: start and lastAccess are
// whole seconds in milliseconds.
func (h *Handler) sessionReps(ctx context.Context, realmID string, list []model.Session, u *model.User) ([]userSessionRep, error) {
	users := map[string]*model.User{}
	if u != nil {
		users[u.ID] = u
	}
	clients := map[string]string{}
	out := []userSessionRep{}
	for _, s := range list {
		su, ok := users[s.UserID]
		if !ok {
			var err error
			if su, err = h.Store.GetUser(ctx, realmID, s.UserID); errors.Is(err, store.ErrNotFound) {
				continue // deleted meanwhile
			} else if err != nil {
				return nil, err
			}
			users[s.UserID] = su
		}
		rep := userSessionRep{ID: s.ID, Username: su.Username, UserID: su.ID, IPAddress: s.IPAddress,
			Start: s.Started.Unix() * 1000, LastAccess: s.LastRefresh.Unix() * 1000,
			RememberMe: s.RememberMe, Clients: map[string]string{}}
		for _, cid := range s.Clients {
			name, ok := clients[cid]
			if !ok {
				c, err := h.Store.GetClient(ctx, realmID, cid)
				if errors.Is(err, store.ErrNotFound) {
					continue
				} else if err != nil {
					return nil, err
				}
				name, clients[cid] = c.ClientID, c.ClientID
			}
			rep.Clients[cid] = name
		}
		out = append(out, rep)
	}
	return out, nil
}

// userSessions is GET /users/{id}/sessions: the user's live online
// sessions (view-users).
func (h *Handler) userSessions(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.viewUsers() {
		return errForbidden
	}
	list, err := h.Store.ListUserSessions(q.r.Context(), q.realm.ID, u.ID)
	if err != nil {
		return err
	}
	now := h.now()
	live := list[:0]
	for _, s := range list {
		if !s.Offline && !s.Expired(now) {
			live = append(live, s)
		}
	}
	out, err := h.sessionReps(q.r.Context(), q.realm.ID, live, u)
	if err != nil {
		return err
	}
	return q.json(out)
}

// logoutUser is POST /users/{id}/logout (manage-users): the user's
// notBefore becomes now and every session of the user ends.
func (h *Handler) logoutUser(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.manageUsers() {
		return errForbidden
	}
	ctx := q.r.Context()
	err = h.Store.InTx(ctx, func(tx store.Store) error {
		cur, err := tx.GetUser(ctx, q.realm.ID, u.ID)
		if err != nil {
			return err
		}
		cur.NotBefore = h.now().Unix()
		if err := tx.UpdateUser(ctx, cur, !q.realm.DuplicateEmailsAllowed); err != nil {
			return err
		}
		_, err = tx.DeleteUserSessions(ctx, q.realm.ID, u.ID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return notFound("User not found")
	} else if err != nil {
		return err
	}
	h.adminEvent(q, opAction, "USER", "users/"+u.ID+"/logout", nil)
	return q.noContent()
}

// deleteSession is DELETE /sessions/{session} (manage-users). Keycloak's
// message has three s.
func (h *Handler) deleteSession(q *req) error {
	if !q.perms.manageUsers() {
		return errForbidden
	}
	ctx := q.r.Context()
	id := q.r.PathValue("session")
	s, err := h.Store.GetSession(ctx, q.realm.ID, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && s.Expired(h.now())) {
		return notFound("Sesssion not found")
	} else if err != nil {
		return err
	}
	if err := h.Store.DeleteSession(ctx, q.realm.ID, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	h.adminEvent(q, opDelete, "USER_SESSION", "sessions/"+id, nil)
	return q.noContent()
}

// clientSessions is GET /clients/{id}/user-sessions (view-clients): the
// live online sessions the client took part in, first and max (default
// 100) paging them.
func (h *Handler) clientSessions(q *req) error {
	c, err := h.pathClient(q)
	if err != nil {
		return err
	}
	if !q.perms.viewClients() {
		return errForbidden
	}
	page, none, err := eventPage(q.r.URL.Query())
	if err != nil {
		return err
	}
	if none {
		return q.json([]userSessionRep{})
	}
	list, err := h.Store.ListClientSessions(q.r.Context(), q.realm.ID, c.ID, h.now(), page)
	if err != nil {
		return err
	}
	out, err := h.sessionReps(q.r.Context(), q.realm.ID, list, nil)
	if err != nil {
		return err
	}
	return q.json(out)
}

// clientSessionCount is GET /clients/{id}/session-count: {"count": n}.
func (h *Handler) clientSessionCount(q *req) error {
	c, err := h.pathClient(q)
	if err != nil {
		return err
	}
	if !q.perms.viewClients() {
		return errForbidden
	}
	n, err := h.Store.CountClientSessions(q.r.Context(), q.realm.ID, c.ID, h.now())
	if err != nil {
		return err
	}
	return q.json(map[string]int{"count": n})
}

// globalRequestResult is Keycloak's GlobalRequestResult: the clients'
// admin URLs told to log out. latchkey has no admin URLs to call, so both
// lists are absent.
type globalRequestResult struct {
	SuccessRequests []string `json:"successRequests,omitempty"`
	FailedRequests  []string `json:"failedRequests,omitempty"`
}

// logoutAll is POST /logout-all (manage-users): the realm's notBefore
// becomes now (ResourceAdminManager.logoutAll) and every session ends.
func (h *Handler) logoutAll(q *req) error {
	if !q.perms.manageUsers() {
		return errForbidden
	}
	ctx := q.r.Context()
	err := h.Store.InTx(ctx, func(tx store.Store) error {
		r, err := tx.GetRealm(ctx, q.realm.ID)
		if err != nil {
			return err
		}
		r.NotBefore = int(h.now().Unix())
		if err := tx.UpdateRealm(ctx, r); err != nil {
			return err
		}
		_, err = tx.DeleteRealmSessions(ctx, q.realm.ID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return errNoRealm
	} else if err != nil {
		return err
	}
	result := globalRequestResult{}
	h.adminEvent(q, opAction, "REALM", "logout-all", result)
	return q.json(result)
}
