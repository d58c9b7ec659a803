package adminapi

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/credential"
	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/user"
	"github.com/latchkey/latchkey/internal/userprofile"
)

func (h *Handler) mountUsers(mux router) {
	const base = "/admin/realms/{realm}/users"
	h.realmRoute(mux, "POST "+base, h.createUser)
	h.realmRoute(mux, "GET "+base, h.listUsers)
	h.realmRoute(mux, "GET "+base+"/count", h.countUsers)
	h.realmRoute(mux, "GET "+base+"/{id}", h.getUser)
	h.realmRoute(mux, "PUT "+base+"/{id}", h.updateUser)
	h.realmRoute(mux, "DELETE "+base+"/{id}", h.deleteUser)
	h.realmRoute(mux, "PUT "+base+"/{id}/reset-password", h.resetPassword)
	h.realmRoute(mux, "GET "+base+"/{id}/credentials", h.listCredentials)
	h.realmRoute(mux, "DELETE "+base+"/{id}/credentials/{credId}", h.deleteCredential)
	h.realmRoute(mux, "PUT "+base+"/{id}/send-verify-email", h.sendVerifyEmail)
	h.realmRoute(mux, "PUT "+base+"/{id}/execute-actions-email", h.executeActionsEmail)
	h.mountRoleMappings(mux, base+"/{id}/role-mappings", h.userSubject)
}

// userInput is a UserRepresentation as the admin API reads it: pointers
// tell an absent field from an empty one, which PUT needs.
type userInput struct {
	ID               string                           `json:"id,omitempty"`
	Username         *string                          `json:"username,omitempty"`
	FirstName        *string                          `json:"firstName,omitempty"`
	LastName         *string                          `json:"lastName,omitempty"`
	Email            *string                          `json:"email,omitempty"`
	EmailVerified    *bool                            `json:"emailVerified,omitempty"`
	Enabled          *bool                            `json:"enabled,omitempty"`
	Attributes       map[string][]string              `json:"attributes,omitempty"`
	CreatedTimestamp *int64                           `json:"createdTimestamp,omitempty"`
	RequiredActions  *[]string                        `json:"requiredActions,omitempty"`
	Credentials      []kcrep.CredentialRepresentation `json:"credentials,omitempty"`
	Groups           []string                         `json:"groups,omitempty"`
	// Ignored by this endpoint, as Keycloak ignores them (realm import
	// honours them); kept so the admin event shows what was sent.
	RealmRoles  []string            `json:"realmRoles,omitempty"`
	ClientRoles map[string][]string `json:"clientRoles,omitempty"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// targetUser loads the user in the path: 404 "User not found" for a caller
// that may query users, 403 for any other, so ids cannot be probed.
func (h *Handler) targetUser(q *req) (*model.User, error) {
	u, err := h.Store.GetUser(q.r.Context(), q.realm.ID, q.r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		if q.perms.queryUsers() {
			return nil, notFound("User not found")
		}
		return nil, errForbidden
	}
	return u, err
}

// createUser is POST /users (UsersResource.createUser): manage-users, or
// latchkey's create-users.
func (h *Handler) createUser(q *req) error {
	if !q.perms.createUsers() {
		return errForbidden
	}
	var in userInput
	if err := decode(q, &in); err != nil {
		return err
	}
	ctx := q.r.Context()
	prof, err := userprofile.New(q.realm, userprofile.UserAPI)
	if err != nil {
		return err
	}
	u := &model.User{Username: str(in.Username), Enabled: in.Enabled != nil && *in.Enabled,
		EmailVerified: in.EmailVerified != nil && *in.EmailVerified}
	// Root attributes the configuration keeps from admins are ignored.
	for _, f := range []struct {
		name string
		dst  *string
		v    *string
	}{{"email", &u.Email, in.Email}, {"firstName", &u.FirstName, in.FirstName}, {"lastName", &u.LastName, in.LastName}} {
		if prof.Writable(f.name) {
			*f.dst = str(f.v)
		}
	}
	if q.realm.RegistrationEmailAsUsername {
		u.Username = u.Email
	}
	if in.CreatedTimestamp != nil {
		u.CreatedAt = time.UnixMilli(*in.CreatedTimestamp)
	}
	u.Attributes = prof.Merge(nil, in.Attributes, false)
	if in.RequiredActions != nil {
		u.RequiredActions = user.KnownRequiredActions(*in.RequiredActions)
	}
	if err := validateProfile(prof, u); err != nil {
		return err
	}
	groups, err := h.groupsFromPaths(q, in.Groups)
	if err != nil {
		return err
	}
	creds, err := h.credentialsFromInput(q, u, in.Credentials)
	if err != nil {
		return err
	}
	err = h.Store.InTx(ctx, func(tx store.Store) error {
		cu := *u
		cu.Attributes, cu.RequiredActions = maps.Clone(u.Attributes), slices.Clone(u.RequiredActions)
		if err := user.Insert(ctx, tx, q.realm, &cu, slices.Clone(creds), nil); err != nil {
			return err
		}
		if err := joinGroups(ctx, tx, q.realm.ID, cu.ID, groups); err != nil {
			return err
		}
		*u = cu
		return nil
	})
	if errors.Is(err, user.ErrExists) {
		return h.conflict(q, u)
	} else if err != nil {
		return err
	}
	h.adminEvent(q, opCreate, "USER", "users/"+u.ID, stripUserSecrets(in))
	return q.created("/admin/realms/" + q.realm.Name + "/users/" + u.ID)
}

// validateProfile checks u against the realm's user profile in the admin
// context and answers a failure as UserResource.validateUserProfile does:
// a missing username first, then every field error.
func validateProfile(prof *userprofile.Profile, u *model.User) error {
	if strings.TrimSpace(u.Username) == "" {
		return badRequest("User name is missing")
	}
	if errs := prof.Validate(u); len(errs) > 0 {
		return fieldErrors(errs)
	}
	return nil
}

// fieldErrors is ErrorResponse.errors: one error as a bare object, more
// wrapped in {"errors":[...]}.
func fieldErrors(errs []userprofile.FieldError) error {
	type fieldError struct {
		Field        string `json:"field"`
		ErrorMessage string `json:"errorMessage"`
		Params       []any  `json:"params"`
	}
	out := make([]fieldError, len(errs))
	for i, e := range errs {
		out[i] = fieldError{Field: e.Field, ErrorMessage: e.Message, Params: e.Params}
	}
	if len(out) == 1 {
		return &httpapi.Error{Status: http.StatusBadRequest, Body: out[0]}
	}
	return &httpapi.Error{Status: http.StatusBadRequest, Body: map[string]any{"errors": out}}
}

// conflict answers a refused write with Keycloak's message, looked up
// after the transaction rolled back.
func (h *Handler) conflict(q *req, u *model.User) error {
	switch err := user.Conflict(q.r.Context(), h.Store, q.realm, u); {
	case errors.Is(err, user.ErrUsernameExists):
		return conflict("User exists with same username")
	case errors.Is(err, user.ErrEmailExists):
		return conflict("User exists with same email")
	case errors.Is(err, user.ErrExists):
		return conflict("User exists with same username or email")
	default:
		return err
	}
}

// credentialsFromInput is RepresentationToModel.createCredentials: a
// credential with a value is a password, whatever its type, and passes the
// policy (temporary adds UPDATE_PASSWORD); one with secretData and
// credentialData is an exported hash, stored as it is once latchkey knows
// it can verify it. Hashing happens here, before any transaction.
func (h *Handler) credentialsFromInput(q *req, u *model.User, in []kcrep.CredentialRepresentation) ([]model.Credential, error) {
	ctx := q.r.Context()
	var out []model.Credential
	for i := range in {
		cr := &in[i]
		switch {
		case cr.Value != "":
			if err := h.Passwords.Check(ctx, q.realm, u, cr.Value); err != nil {
				return nil, h.passwordError(q, u, err)
			}
			c, err := h.Passwords.NewCredential(ctx, q.realm, cr.Value)
			if err != nil {
				return nil, err
			}
			c.UserLabel = cr.UserLabel
			out = append(out, c)
			if cr.Type == model.CredentialPassword && cr.Temporary != nil && *cr.Temporary &&
				!slices.Contains(u.RequiredActions, "UPDATE_PASSWORD") {
				u.RequiredActions = append(u.RequiredActions, "UPDATE_PASSWORD")
			}
		case cr.SecretData != "" || cr.CredentialData != "" || cr.HashedSaltedValue != "":
			c, err := storedCredential(cr, h.now())
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// storedCredential takes an exported credential as it is.
func storedCredential(cr *kcrep.CredentialRepresentation, now time.Time) (model.Credential, error) {
	c := model.Credential{ID: cr.ID, Type: cr.Type, UserLabel: cr.UserLabel, SecretData: cr.SecretData,
		CredentialData: cr.CredentialData, Priority: 10, CreatedAt: now}
	if c.Type == "" {
		c.Type = model.CredentialPassword
	}
	if cr.Priority != nil {
		c.Priority = *cr.Priority
	}
	if cr.CreatedDate != nil {
		c.CreatedAt = time.UnixMilli(*cr.CreatedDate)
	}
	if cr.HashedSaltedValue != "" {
		it := 0
		if cr.HashIterations != nil {
			it = *cr.HashIterations
		}
		e, err := credential.EncodeLegacy(cr.HashedSaltedValue, cr.Salt, cr.Algorithm, it)
		if err != nil {
			return c, badRequest("Invalid credential: " + err.Error())
		}
		c.SecretData, c.CredentialData = e.SecretData, e.CredentialData
	}
	if c.Type == model.CredentialPassword || c.Type == model.CredentialPasswordHistory {
		e := credential.Encoded{SecretData: c.SecretData, CredentialData: c.CredentialData}
		if err := credential.Validate(e); err != nil {
			alg, _, _ := credential.Describe(e)
			return c, badRequest("Password hash with algorithm \"" + alg + "\" cannot be verified")
		}
	}
	return c, nil
}

// passwordError answers a password the policy refuses with Keycloak 25+'s
// body: the first violation's key and English message. As in Keycloak,
// whose profile validation runs first, a duplicate user is a 409 before
// any password problem.
func (h *Handler) passwordError(q *req, u *model.User, err error) error {
	var pe *password.PolicyError
	if !errors.As(err, &pe) {
		return err
	}
	if u.ID == "" {
		if c := user.Conflict(q.r.Context(), h.Store, q.realm, u); errors.Is(c, user.ErrUsernameExists) || errors.Is(c, user.ErrEmailExists) {
			return h.conflict(q, u)
		}
	}
	v := pe.Violations[0]
	return httpapi.OAuthError(http.StatusBadRequest, v.Key, v.Message)
}

func (h *Handler) getUser(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.viewUsers() {
		return errForbidden
	}
	rep, err := h.fullUser(q.r.Context(), q.realm, u)
	if err != nil {
		return err
	}
	if rep.Access, err = h.userAccess(q, u); err != nil {
		return err
	}
	if q.r.URL.Query().Get("userProfileMetadata") == "true" {
		if rep.UserProfileMetadata, err = userProfileMetadata(q.realm); err != nil {
			return err
		}
	}
	return q.json(rep)
}

func (h *Handler) deleteUser(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.manageUsers() {
		return errForbidden
	}
	if err := h.Store.DeleteUser(q.r.Context(), q.realm.ID, u.ID); errors.Is(err, store.ErrNotFound) {
		return badRequest("User couldn't be deleted")
	} else if err != nil {
		return err
	}
	h.adminEvent(q, opDelete, "USER", "users/"+u.ID, nil)
	return q.noContent()
}
