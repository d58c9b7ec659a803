package adminapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/role"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
)

// caller is an authenticated admin: a user (or service account) of master
// or of the realm being administered.
type caller struct {
	realm  *model.Realm // the token's realm
	user   *model.User
	azp    string
	claims adminClaims
	// access holds the caller's effective roles: from the database for
	// admin-cli tokens, from the token for every other client.
	access role.Access
	// allowedOrigins is the token's allowed-origins, for CORS.
	allowedOrigins []string
}

type adminClaims struct {
	Exp            int64                               `json:"exp"`
	Iat            int64                               `json:"iat"`
	Iss            string                              `json:"iss"`
	Sub            string                              `json:"sub"`
	Typ            string                              `json:"typ"`
	Azp            string                              `json:"azp"`
	Sid            string                              `json:"sid"`
	AllowedOrigins []string                            `json:"allowed-origins"`
	RealmAccess    struct{ Roles []string }            `json:"realm_access"`
	ResourceAccess map[string]struct{ Roles []string } `json:"resource_access"`
}

// Clients whose tokens carry no admin roles of their own: Keycloak reads
// their users' roles from the database (MgmtPermissions).
var dbRoleClients = map[string]bool{"admin-cli": true, "security-admin-console": true}

var accessAlgs = []string{signing.RS256, signing.ES256, signing.EdDSA}

// authenticate verifies the bearer token as Keycloak's AdminRoot does: the
// realm comes from the token's issuer, which must be this server's URL for
// that realm; the signature, expiry, user and session must hold.
func (h *Handler) authenticate(r *http.Request) (*caller, error) {
	token := bearer(r)
	if token == "" {
		return nil, errUnauthorized()
	}
	realmName, ok := issuerRealm(token)
	if !ok {
		return nil, errUnauthorized()
	}
	ctx := r.Context()
	tr, err := h.Store.GetRealmByName(ctx, realmName)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnauthorized()
	} else if err != nil {
		return nil, err
	}
	payload, _, err := h.Keys.Verify(ctx, tr.ID, token, accessAlgs...)
	if err != nil {
		if errors.Is(err, signing.ErrMalformed) || errors.Is(err, signing.ErrUnknownKey) || errors.Is(err, signing.ErrSignature) {
			return nil, errUnauthorized()
		}
		return nil, err
	}
	c := &caller{realm: tr}
	if json.Unmarshal(payload, &c.claims) != nil {
		return nil, errUnauthorized()
	}
	cl := c.claims
	wantIss := httpapi.BaseURL(r, h.Hostname) + "/realms/" + tr.Name
	if cl.Iss != wantIss || cl.Typ != "Bearer" || cl.Sub == "" || h.now().Unix() >= cl.Exp || !tr.Enabled {
		return nil, errUnauthorized()
	}
	u, err := h.Store.GetUser(ctx, tr.ID, cl.Sub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnauthorized()
	} else if err != nil {
		return nil, err
	}
	if !u.Enabled || cl.Iat < max(int64(tr.NotBefore), u.NotBefore) {
		return nil, errUnauthorized()
	}
	if cl.Sid != "" {
		s, err := h.Store.GetSession(ctx, tr.ID, cl.Sid)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (s.Expired(h.now()) || s.UserID != u.ID)) {
			return nil, errUnauthorized()
		} else if err != nil {
			return nil, err
		}
	}
	c.user, c.azp, c.allowedOrigins = u, cl.Azp, cl.AllowedOrigins
	if dbRoleClients[cl.Azp] {
		roles, err := role.Effective(ctx, h.Store, tr.ID, u.ID)
		if err != nil {
			return nil, err
		}
		if c.access, err = role.ToAccess(ctx, h.Store, tr.ID, roles); err != nil {
			return nil, err
		}
	} else {
		c.access = role.Access{Realm: cl.RealmAccess.Roles, Clients: map[string][]string{}}
		for cid, ra := range cl.ResourceAccess {
			c.access.Clients[cid] = ra.Roles
		}
	}
	return c, nil
}

// issuerRealm reads the realm name from the token's (not yet verified)
// issuer: the last path element of .../realms/{name}.
func issuerRealm(token string) (string, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", false
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return "", false
	}
	i := strings.LastIndex(c.Iss, "/realms/")
	if i < 0 || c.Iss[i+len("/realms/"):] == "" {
		return "", false
	}
	return c.Iss[i+len("/realms/"):], true
}

func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// perms is what a caller may do in one realm: the admin roles it holds on
// that realm's admin client (realm-management from the realm itself,
// {realm}-realm from master).
type perms struct {
	roles map[string]bool
	// masterAdmin is master's admin realm role: only it may grant
	// realm-admin.
	masterAdmin bool
}

// permsFor returns the caller's permissions on target, or 403 when the
// caller's realm is neither master nor target.
func (c *caller) permsFor(target *model.Realm) (perms, error) {
	var clientID string
	switch {
	case c.realm.Name == realm.MasterRealm:
		clientID = target.Name + "-realm"
	case c.realm.ID == target.ID:
		clientID = "realm-management"
	default:
		return perms{}, errForbidden
	}
	p := perms{roles: map[string]bool{}}
	for _, n := range c.access.Clients[clientID] {
		p.roles[n] = true
	}
	if c.realm.Name == realm.MasterRealm {
		for _, n := range c.access.Realm {
			p.masterAdmin = p.masterAdmin || n == "admin"
		}
	}
	return p, nil
}

// any reports whether p holds one of the roles.
func (p perms) any(roles ...string) bool {
	for _, r := range roles {
		if p.roles[r] {
			return true
		}
	}
	return false
}

// isAdmin is MgmtPermissions.hasAnyAdminRole: p holds one of Keycloak's
// admin roles. create-users alone does not count: it allows creating users
// and nothing else.
func (p perms) isAdmin() bool {
	for r := range p.roles {
		if r != realm.RoleCreateUsers {
			return true
		}
	}
	return false
}

// Keycloak's RBAC checks (UserPermissions, ClientPermissions,
// RealmPermissions, default FGAP off), plus create-users.
func (p perms) queryUsers() bool  { return p.any("query-users", "view-users", "manage-users") }
func (p perms) viewUsers() bool   { return p.any("view-users", "manage-users") }
func (p perms) manageUsers() bool { return p.any("manage-users") }
func (p perms) createUsers() bool { return p.any("manage-users", realm.RoleCreateUsers) }
func (p perms) listClients() bool {
	return p.any("query-clients", "view-clients", "manage-clients", "query-users")
}
func (p perms) viewClients() bool   { return p.any("view-clients", "manage-clients") }
func (p perms) manageClients() bool { return p.any("manage-clients") }
func (p perms) viewRealm() bool     { return p.any("view-realm", "manage-realm") }
func (p perms) manageRealm() bool   { return p.any("manage-realm") }

// canGrant is RolePermissions.checkAdminRoles: an admin role of the
// managed realm may be granted only by a caller holding the matching
// capability; realm-admin only by master's admin.
func (p perms) canGrant(r model.Role, adminClientID string, adminClients map[string]bool) bool {
	if r.ClientID == "" || !adminClients[r.ClientID] {
		return true
	}
	switch name := r.Name; {
	case name == realm.RoleRealmAdmin:
		return p.masterAdmin
	case strings.HasPrefix(name, "query-"):
		return true
	case strings.HasSuffix(name, "-users") || name == "impersonation":
		return p.manageUsers()
	case strings.HasSuffix(name, "-clients") || name == "create-client":
		return p.manageClients()
	case strings.HasSuffix(name, "-realm"):
		return p.manageRealm()
	case strings.HasSuffix(name, "-events"):
		return p.any("manage-events")
	case strings.HasSuffix(name, "-identity-providers"):
		return p.any("manage-identity-providers")
	case strings.HasSuffix(name, "-authorization"):
		return p.any("manage-authorization", "manage-clients")
	}
	return p.masterAdmin
}

var _ = context.Background
