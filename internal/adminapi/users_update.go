package adminapi

import (
	"errors"
	"maps"
	"slices"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/user"
	"github.com/latchkey/latchkey/internal/userprofile"
)

// updateUser is PUT /users/{id} (UserResource.updateUser): a partial
// update. Absent fields keep their values, except that a body carrying
// "attributes" replaces the attributes and clears the names and email it
// leaves out (profile.update with removeAttributes). requiredActions, when
// present, replaces the known actions. The username changes only when the
// realm lets users edit it.
func (h *Handler) updateUser(q *req) error {
	cur, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.manageUsers() {
		return errForbidden
	}
	var in userInput
	if err := decode(q, &in); err != nil {
		return err
	}
	prof, err := userprofile.New(q.realm, userprofile.UserAPI)
	if err != nil {
		return err
	}
	u := *cur
	u.Attributes, u.RequiredActions = maps.Clone(cur.Attributes), slices.Clone(cur.RequiredActions)
	replace := in.Attributes != nil
	// Root attributes the configuration keeps from admins keep their values.
	set := func(name string, dst *string, v *string) {
		switch {
		case !prof.Writable(name):
		case v != nil:
			*dst = *v
		case replace:
			*dst = ""
		}
	}
	set("email", &u.Email, in.Email)
	set("firstName", &u.FirstName, in.FirstName)
	set("lastName", &u.LastName, in.LastName)
	switch {
	case q.realm.RegistrationEmailAsUsername:
		if u.Email != "" {
			u.Username = u.Email
		}
	case q.realm.EditUsernameAllowed && in.Username != nil:
		u.Username = *in.Username
	}
	if replace {
		u.Attributes = prof.Merge(u.Attributes, in.Attributes, true)
	}
	if in.Enabled != nil {
		u.Enabled = *in.Enabled
	}
	if in.EmailVerified != nil {
		u.EmailVerified = *in.EmailVerified
	}
	if in.RequiredActions != nil {
		var kept []string
		for _, a := range u.RequiredActions {
			if !user.KnownRequiredAction(a) {
				kept = append(kept, a)
			}
		}
		u.RequiredActions = append(kept, user.KnownRequiredActions(*in.RequiredActions)...)
	}
	if err := validateProfile(prof, &u); err != nil {
		return err
	}
	ctx := q.r.Context()
	creds, err := h.credentialsFromInput(q, &u, in.Credentials)
	if err != nil {
		return err
	}
	pol, err := h.Passwords.Policy(q.realm)
	if err != nil {
		return err
	}
	err = h.Store.InTx(ctx, func(tx store.Store) error {
		nu := u
		nu.Attributes, nu.RequiredActions = maps.Clone(u.Attributes), slices.Clone(u.RequiredActions)
		if err := tx.UpdateUser(ctx, &nu, !q.realm.DuplicateEmailsAllowed); err != nil {
			return err
		}
		for _, c := range creds {
			if c.Type == model.CredentialPassword {
				if err := password.Save(ctx, tx, pol, u.ID, c, h.now()); err != nil {
					return err
				}
				continue
			}
			c.UserID = u.ID
			if err := tx.CreateCredential(ctx, &c); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		return h.conflict(q, &u)
	case errors.Is(err, store.ErrNotFound):
		return notFound("User not found")
	case err != nil:
		return err
	}
	h.adminEvent(q, opUpdate, "USER", "users/"+u.ID, stripUserSecrets(in))
	return q.noContent()
}
