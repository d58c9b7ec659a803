package adminapi

import (
	"errors"
	"math"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/oidc"
	"github.com/latchkey/latchkey/internal/store"
)

// Attack detection (AttackDetectionResource): a user's brute-force status,
// clearing one user's login failures or the whole realm's. An unknown user
// is no 404: Keycloak checks the realm-wide right instead and answers with
// an empty status.

func (h *Handler) mountAttackDetection(mux router) {
	const base = "/admin/realms/{realm}/attack-detection/brute-force/users"
	h.realmRoute(mux, "GET "+base+"/{id}", h.bruteForceStatus)
	h.realmRoute(mux, "DELETE "+base+"/{id}", h.clearBruteForceUser)
	h.realmRoute(mux, "DELETE "+base, h.clearBruteForceRealm)
}

// bruteForceRep is the map Keycloak's bruteForceUserStatus returns.
type bruteForceRep struct {
	NumFailures          int    `json:"numFailures"`
	NumTemporaryLockouts int    `json:"numTemporaryLockouts"`
	Disabled             bool   `json:"disabled"`
	LastIPFailure        string `json:"lastIPFailure"`
	LastFailure          int64  `json:"lastFailure"`
	FailedLoginNotBefore int64  `json:"failedLoginNotBefore"`
}

// attackTarget is the user in the path, nil when there is none.
func (h *Handler) attackTarget(q *req) (*model.User, error) {
	u, err := h.Store.GetUser(q.r.Context(), q.realm.ID, q.r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return u, err
}

// bruteForceStatus is GET .../brute-force/users/{id} (view-users).
func (h *Handler) bruteForceStatus(q *req) error {
	if !q.perms.viewUsers() {
		return errForbidden
	}
	u, err := h.attackTarget(q)
	if err != nil {
		return err
	}
	rep := bruteForceRep{LastIPFailure: "n/a"}
	if !q.realm.BruteForceProtected {
		return q.json(rep)
	}
	ctx := q.r.Context()
	f, err := h.Store.GetLoginFailure(ctx, q.realm.ID, q.r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		f = nil
	} else if err != nil {
		return err
	}
	if u != nil {
		locked, err := oidc.LockedOut(ctx, h.Store, q.realm, u, h.now())
		if err != nil {
			return err
		}
		rep.Disabled = locked != ""
		if locked == "user_disabled" {
			rep.FailedLoginNotBefore = math.MaxInt64
		}
	}
	if f == nil {
		return q.json(rep)
	}
	rep.NumFailures, rep.NumTemporaryLockouts = f.NumFailures, f.NumTemporaryLockouts
	rep.LastIPFailure = f.LastIPFailure
	if !f.LastFailure.IsZero() {
		rep.LastFailure = f.LastFailure.UnixMilli()
	}
	if rep.FailedLoginNotBefore == 0 {
		rep.FailedLoginNotBefore = f.FailedLoginNotBefore
	}
	return q.json(rep)
}

// clearBruteForceUser is DELETE .../brute-force/users/{id} (manage-users):
// admin event DELETE USER_LOGIN_FAILURE.
func (h *Handler) clearBruteForceUser(q *req) error {
	if !q.perms.manageUsers() {
		return errForbidden
	}
	id := q.r.PathValue("id")
	if err := h.Store.DeleteLoginFailure(q.r.Context(), q.realm.ID, id); err != nil {
		return err
	}
	h.adminEvent(q, opDelete, "USER_LOGIN_FAILURE", "attack-detection/brute-force/users/"+id, nil)
	return q.noContent()
}

// clearBruteForceRealm is DELETE .../brute-force/users (manage-users).
func (h *Handler) clearBruteForceRealm(q *req) error {
	if !q.perms.manageUsers() {
		return errForbidden
	}
	if _, err := h.Store.DeleteRealmLoginFailures(q.r.Context(), q.realm.ID); err != nil {
		return err
	}
	h.adminEvent(q, opDelete, "USER_LOGIN_FAILURE", "attack-detection/brute-force/users", nil)
	return q.noContent()
}
