package adminapi

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/oidc"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/role"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/userprofile"
)

// userRep is a UserRepresentation as Keycloak 26 renders it (fields in
// Keycloak's order; null fields left out).
type userRep struct {
	ID                         string                `json:"id"`
	Username                   string                `json:"username"`
	FirstName                  string                `json:"firstName,omitempty"`
	LastName                   string                `json:"lastName,omitempty"`
	Email                      string                `json:"email,omitempty"`
	EmailVerified              bool                  `json:"emailVerified"`
	Attributes                 map[string][]string   `json:"attributes,omitempty"`
	CreatedTimestamp           int64                 `json:"createdTimestamp"`
	Enabled                    bool                  `json:"enabled"`
	Totp                       *bool                 `json:"totp,omitempty"`
	ServiceAccountClientID     string                `json:"serviceAccountClientId,omitempty"`
	DisableableCredentialTypes *[]string             `json:"disableableCredentialTypes,omitempty"`
	RequiredActions            *[]string             `json:"requiredActions,omitempty"`
	NotBefore                  *int64                `json:"notBefore,omitempty"`
	Access                     map[string]bool       `json:"access,omitempty"`
	UserProfileMetadata        *userprofile.Metadata `json:"userProfileMetadata,omitempty"`
}

// visibleAttributes are the custom attributes the admin API shows: those
// the realm's user profile lets admins read, with at least one non-blank
// value. A stored configuration that cannot be read shows none.
func visibleAttributes(r *model.Realm, attrs map[string][]string) map[string][]string {
	prof, err := userprofile.New(r, userprofile.UserAPI)
	if err != nil {
		return nil
	}
	return prof.Visible(attrs)
}

// briefUser is Keycloak's toBriefRepresentation.
func briefUser(u *model.User) userRep {
	return userRep{ID: u.ID, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName,
		Email: u.Email, EmailVerified: u.EmailVerified, CreatedTimestamp: u.CreatedAt.UnixMilli(),
		Enabled: u.Enabled}
}

// fullUser is Keycloak's toRepresentation, without access.
func (h *Handler) fullUser(ctx context.Context, r *model.Realm, u *model.User) (userRep, error) {
	rep := briefUser(u)
	// Keycloak reports a user locked out by brute-force detection as not
	// enabled.
	if rep.Enabled {
		locked, err := oidc.LockedOut(ctx, h.Store, r, u, h.now())
		if err != nil {
			return rep, err
		}
		rep.Enabled = locked == ""
	}
	rep.Attributes = visibleAttributes(r, u.Attributes)
	no, none, ra := false, []string{}, slices.Clone(u.RequiredActions)
	if ra == nil {
		ra = []string{}
	}
	rep.Totp, rep.DisableableCredentialTypes, rep.RequiredActions = &no, &none, &ra
	nb := u.NotBefore
	rep.NotBefore = &nb
	if u.ServiceAccountClientID != "" {
		c, err := h.Store.GetClient(ctx, r.ID, u.ServiceAccountClientID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return rep, err
		}
		if err == nil {
			rep.ServiceAccountClientID = c.ClientID
		}
	}
	return rep, nil
}

// userAccess is UserPermissions.getAccess for GET /users/{id}.
func (h *Handler) userAccess(q *req, u *model.User) (map[string]bool, error) {
	manage := q.perms.manageUsers()
	imp := q.perms.any("impersonation")
	if imp {
		higher, err := h.higherPrivileges(q, u)
		if err != nil {
			return nil, err
		}
		imp = !higher
	}
	return map[string]bool{"view": q.perms.viewUsers(), "manage": manage, "mapRoles": manage,
		"manageGroupMembership": manage, "impersonate": imp, "resetPassword": manage}, nil
}

// higherPrivileges is UserPermissions.hasHigherPrivilegesThanAdmin: the
// target holds an admin role of the realm that the caller lacks (a realm
// admin or master admin lacks none).
func (h *Handler) higherPrivileges(q *req, u *model.User) (bool, error) {
	if q.perms.masterAdmin || q.perms.roles[realm.RoleRealmAdmin] {
		return false, nil
	}
	ctx := q.r.Context()
	roles, err := role.Effective(ctx, h.Store, q.realm.ID, u.ID)
	if err != nil {
		return false, err
	}
	admin, err := h.Store.GetClientByClientID(ctx, q.realm.ID, adminClientOf(q.realm))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	for _, rl := range roles {
		if rl.ClientID == admin.ID && !q.perms.roles[rl.Name] {
			return true, nil
		}
	}
	return false, nil
}

// adminClientOf is the client holding a realm's own admin roles.
func adminClientOf(r *model.Realm) string {
	if r.Name == realm.MasterRealm {
		return realm.MasterRealm + "-realm"
	}
	return "realm-management"
}

// stripUserSecrets is the representation an admin event stores: without
// credentials (Keycloak's StripSecretsUtils.stripUser).
func stripUserSecrets(in userInput) userInput {
	out := in
	out.Credentials = nil
	out.Attributes = maps.Clone(in.Attributes)
	return out
}
