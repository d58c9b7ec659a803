package adminapi

import (
	"encoding/json"
	"errors"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/userprofile"
)

// The user profile configuration (UserProfileResource): read by any admin
// role, changed with manage-realm.
func (h *Handler) mountUserProfile(mux router) {
	const base = "/admin/realms/{realm}/users/profile"
	h.realmRoute(mux, "GET "+base, h.getUserProfile)
	h.realmRoute(mux, "PUT "+base, h.putUserProfile)
	h.realmRoute(mux, "GET "+base+"/metadata", h.getUserProfileMetadata)
}

func (h *Handler) getUserProfile(q *req) error {
	if !q.perms.isAdmin() {
		return errForbidden
	}
	c, err := userprofile.Load(q.realm)
	if err != nil {
		return err
	}
	return q.json(c)
}

func (h *Handler) getUserProfileMetadata(q *req) error {
	if !q.perms.isAdmin() {
		return errForbidden
	}
	prof, err := userprofile.New(q.realm, userprofile.UserAPI)
	if err != nil {
		return err
	}
	return q.json(prof.Metadata(false))
}

// putUserProfile is UserProfileResource.update: 400 with
// ComponentValidationException's message for a configuration Keycloak
// refuses; a JSON null goes back to the default configuration. The
// answer is the configuration now in force.
func (h *Handler) putUserProfile(q *req) error {
	if !q.perms.manageRealm() {
		return errForbidden
	}
	var raw json.RawMessage
	if err := decode(q, &raw); err != nil {
		return err
	}
	var cfg *userprofile.Config
	if string(raw) != "null" {
		c, err := userprofile.Parse(raw)
		if err != nil {
			return badRequest("UserProfile configuration is invalid due to JSON parsing error: " + err.Error())
		}
		if err := userprofile.Check(c); err != nil {
			return badRequest(err.Error())
		}
		cfg = c
	}
	var updated *model.Realm
	err := h.Store.InTx(q.r.Context(), func(tx store.Store) error {
		r, err := tx.GetRealm(q.r.Context(), q.realm.ID)
		if err != nil {
			return err
		}
		if r.Attributes, err = userprofile.Store(r.Attributes, cfg); err != nil {
			return err
		}
		updated = r
		return tx.UpdateRealm(q.r.Context(), r)
	})
	if errors.Is(err, store.ErrNotFound) {
		return errNoRealm
	} else if err != nil {
		return err
	}
	q.realm = updated
	out, err := userprofile.Load(updated)
	if err != nil {
		return err
	}
	h.adminEvent(q, opUpdate, "USER_PROFILE", "users/profile", out)
	return q.json(out)
}

// userProfileMetadata is the userProfileMetadata of GET
// /users/{id}?userProfileMetadata=true: the admin context's metadata for a
// stored user.
func userProfileMetadata(r *model.Realm) (*userprofile.Metadata, error) {
	prof, err := userprofile.New(r, userprofile.UserAPI)
	if err != nil {
		return nil, err
	}
	m := prof.Metadata(true)
	return &m, nil
}
