package adminapi

import (
	"errors"
	"maps"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/store"
)

func (h *Handler) mountRealms(mux router) {
	mux.Handle("GET /admin/realms", httpapi.Handle(h.Log, h.listRealms))
	mux.Handle("POST /admin/realms", httpapi.Handle(h.Log, h.createRealm))
	h.realmRoute(mux, "GET /admin/realms/{realm}", h.getRealm)
	h.realmRoute(mux, "PUT /admin/realms/{realm}", h.updateRealm)
	h.realmRoute(mux, "DELETE /admin/realms/{realm}", h.deleteRealm)
}

// realmRep is the RealmRepresentation latchkey returns: the realm's
// settings under Keycloak's names, and defaultRole as an object.
type realmRep struct {
	model.Realm
	// Shadows the stored id of the default role, which Keycloak shows as
	// the defaultRole object instead.
	DefaultRoleID string     `json:"defaultRoleId,omitempty"`
	DefaultRole   *roleBrief `json:"defaultRole,omitempty"`
}

// roleBrief is a brief RoleRepresentation.
type roleBrief struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Composite   bool   `json:"composite"`
	ClientRole  bool   `json:"clientRole"`
	ContainerID string `json:"containerId"`
}

func briefRole(r *model.Role) *roleBrief {
	container := r.RealmID
	if r.ClientID != "" {
		container = r.ClientID
	}
	return &roleBrief{ID: r.ID, Name: r.Name, Description: r.Description, Composite: r.Composite,
		ClientRole: r.ClientID != "", ContainerID: container}
}

// reducedRealm is what a caller with some admin role but not view-realm
// sees of a realm (RealmAdminResource.getRealm).
type reducedRealm struct {
	ID                          string   `json:"id"`
	Realm                       string   `json:"realm"`
	DisplayName                 string   `json:"displayName,omitempty"`
	DisplayNameHTML             string   `json:"displayNameHtml,omitempty"`
	InternationalizationEnabled bool     `json:"internationalizationEnabled"`
	SupportedLocales            []string `json:"supportedLocales,omitempty"`
	DefaultLocale               string   `json:"defaultLocale,omitempty"`
	BruteForceProtected         bool     `json:"bruteForceProtected"`
	RegistrationAllowed         bool     `json:"registrationAllowed"`
	RegistrationEmailAsUsername bool     `json:"registrationEmailAsUsername"`
	EditUsernameAllowed         bool     `json:"editUsernameAllowed"`
}

func (h *Handler) fullRealm(q *req, r *model.Realm) (any, error) {
	out := realmRep{Realm: *r}
	out.SMTPServer = maskSMTP(r.SMTPServer)
	if r.DefaultRoleID != "" {
		dr, err := h.Store.GetRole(q.r.Context(), r.ID, r.DefaultRoleID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			out.DefaultRole = briefRole(dr)
		}
	}
	return out, nil
}

func reduced(r *model.Realm) reducedRealm {
	return reducedRealm{ID: r.ID, Realm: r.Name, DisplayName: r.DisplayName, DisplayNameHTML: r.DisplayNameHTML,
		InternationalizationEnabled: r.InternationalizationEnabled, SupportedLocales: r.SupportedLocales,
		DefaultLocale: r.DefaultLocale, BruteForceProtected: r.BruteForceProtected,
		RegistrationAllowed: r.RegistrationAllowed, RegistrationEmailAsUsername: r.RegistrationEmailAsUsername,
		EditUsernameAllowed: r.EditUsernameAllowed}
}

// listRealms lists the realms the caller may see: full representations
// where it may view the realm, reduced ones where it holds another admin
// role; 403 when it sees none.
func (h *Handler) listRealms(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(r)
	if err != nil {
		return err
	}
	h.cors(c).Apply(w, r)
	realms, err := h.Store.ListRealms(r.Context())
	if err != nil {
		return err
	}
	brief := r.URL.Query().Get("briefRepresentation") == "true"
	q := &req{w: w, r: r, caller: c}
	out := []any{}
	for i := range realms {
		rl := &realms[i]
		p, err := c.permsFor(rl)
		if err != nil || !p.isAdmin() {
			continue
		}
		switch {
		case brief || !p.viewRealm():
			out = append(out, reduced(rl))
		default:
			full, err := h.fullRealm(q, rl)
			if err != nil {
				return err
			}
			out = append(out, full)
		}
	}
	if len(out) == 0 {
		return errForbidden
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// createRealm is POST /admin/realms: a full RealmRepresentation, which may
// embed roles, clients and users, created through the same path as
// --import-realm. Only master callers with create-realm may.
func (h *Handler) createRealm(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(r)
	if err != nil {
		return err
	}
	h.cors(c).Apply(w, r)
	if c.realm.Name != realm.MasterRealm || !hasRole(c.access.Realm, "create-realm") {
		return errForbidden
	}
	q := &req{w: w, r: r, caller: c, base: httpapi.BaseURL(r, h.Hostname)}
	var rep kcrep.RealmRepresentation
	if err := decode(q, &rep); err != nil {
		return err
	}
	if err := validRealmName(rep.Realm); err != nil {
		return err
	}
	created, err := h.Realms.Import(r.Context(), &rep)
	switch {
	case errors.Is(err, realm.ErrExists) || rep.Realm == realm.MasterRealm:
		return conflict("Conflict detected. See logs for details")
	case errors.Is(err, password.ErrPolicy):
		return badRequest(policyMessage(err))
	case errors.Is(err, store.ErrConflict):
		return conflict(err.Error())
	case errors.Is(err, realm.ErrInvalid):
		return badRequest(err.Error())
	case errors.As(err, new(*password.PolicyError)):
		return badRequest(err.Error())
	case err != nil:
		return err
	}
	if !hasRole(c.access.Realm, "admin") {
		// Keycloak grants a creator who is not master's admin every role of
		// the new realm's {realm}-realm client, so it can administer it.
		if err := h.grantRealmAdmin(r, c, created.Name); err != nil {
			return err
		}
	}
	// Recorded in the new realm, when it records admin events (its
	// representation may carry users' credentials: it is not stored).
	q.realm = created
	h.adminEvent(q, opCreate, "REALM", "", nil)
	return q.created("/admin/realms/" + created.Name)
}

func (h *Handler) grantRealmAdmin(r *http.Request, c *caller, name string) error {
	ctx := r.Context()
	client, err := h.Store.GetClientByClientID(ctx, c.realm.ID, name+"-realm")
	if err != nil {
		return err
	}
	roles, err := h.Store.ListRoles(ctx, c.realm.ID, client.ID, store.RoleQuery{})
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(roles))
	for _, rl := range roles {
		ids = append(ids, rl.ID)
	}
	return h.Store.GrantUserRoles(ctx, c.realm.ID, c.user.ID, ids)
}

func (h *Handler) getRealm(q *req) error {
	switch {
	case q.perms.viewRealm():
		full, err := h.fullRealm(q, q.realm)
		if err != nil {
			return err
		}
		return q.json(full)
	case q.perms.isAdmin():
		return q.json(reduced(q.realm))
	}
	return errForbidden
}

// updateRealm is PUT /admin/realms/{realm}: only the settings present in
// the body change; a rename moves the {realm}-realm client in master too.
func (h *Handler) updateRealm(q *req) error {
	if !q.perms.manageRealm() {
		return errForbidden
	}
	var rep kcrep.RealmRepresentation
	if err := decode(q, &rep); err != nil {
		return err
	}
	updated := *q.realm
	if rep.SMTPServer != nil && rep.SMTPServer["password"] == maskedSecret {
		// The mask a GET showed, sent back: keep the stored password.
		rep.SMTPServer = maps.Clone(rep.SMTPServer)
		rep.SMTPServer["password"] = q.realm.SMTPServer["password"]
	}
	realm.Apply(&updated, &rep)
	if rep.Realm != "" && rep.Realm != q.realm.Name {
		if q.realm.Name == realm.MasterRealm {
			return badRequest("Can't rename master realm")
		}
		if err := validRealmName(rep.Realm); err != nil {
			return err
		}
		updated.Name = rep.Realm
	}
	if err := h.Passwords.ValidatePolicy(updated.PasswordPolicy); err != nil {
		return badRequest(policyMessage(err))
	}
	err := h.Realms.Update(q.r.Context(), q.realm.Name, &updated)
	if errors.Is(err, realm.ErrExists) {
		return conflict("Realm with same name exists")
	}
	if err != nil {
		return err
	}
	q.realm = &updated
	rep.SMTPServer = maskSMTP(rep.SMTPServer)
	h.adminEvent(q, opUpdate, "REALM", "", rep)
	return q.noContent()
}

func (h *Handler) deleteRealm(q *req) error {
	if !q.perms.manageRealm() {
		return errForbidden
	}
	if q.realm.Name == realm.MasterRealm {
		return badRequest("Can't remove master realm")
	}
	if err := h.Realms.Delete(q.r.Context(), q.realm.Name); err != nil {
		return err
	}
	h.Keys.Invalidate(q.realm.ID)
	return q.noContent()
}

// validRealmName refuses names Keycloak refuses (empty, or with characters
// that cannot stand in a URL path segment).
func validRealmName(name string) error {
	if strings.TrimSpace(name) == "" {
		return badRequest("Realm name cannot be empty")
	}
	for _, c := range []string{"/", "\\", "%", "?", "#"} {
		if strings.Contains(name, c) {
			return badRequest("Character '" + c + "' not allowed.")
		}
	}
	return nil
}

// policyMessage is the Keycloak text of an invalid password policy.
func policyMessage(err error) string {
	var pe *policy.Error
	if errors.As(err, &pe) {
		return pe.Message
	}
	return err.Error()
}

func hasRole(roles []string, name string) bool {
	for _, r := range roles {
		if r == name {
			return true
		}
	}
	return false
}

// maskSMTP hides the SMTP password as Keycloak does (**********); the
// other settings show as stored.
func maskSMTP(m map[string]string) map[string]string {
	if m["password"] == "" {
		return m
	}
	out := maps.Clone(m)
	out["password"] = maskedSecret
	return out
}
