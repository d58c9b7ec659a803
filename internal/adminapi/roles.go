package adminapi

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strconv"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// roleRep is Keycloak's RoleRepresentation.
type roleRep struct {
	ID          string              `json:"id,omitempty"`
	Name        string              `json:"name"`
	Description string              `json:"description,omitempty"`
	Composite   bool                `json:"composite"`
	ClientRole  bool                `json:"clientRole"`
	ContainerID string              `json:"containerId"`
	Attributes  map[string][]string `json:"attributes,omitempty"`
}

// roleInput is a RoleRepresentation as clients send it.
type roleInput struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Description *string             `json:"description"`
	Attributes  map[string][]string `json:"attributes"`
	Composites  *struct {
		Realm  []string            `json:"realm"`
		Client map[string][]string `json:"client"`
	} `json:"composites"`
}

func toRoleRep(r *model.Role, brief bool) roleRep {
	out := roleRep{ID: r.ID, Name: r.Name, Description: r.Description, Composite: r.Composite,
		ClientRole: r.ClientID != "", ContainerID: r.RealmID}
	if r.ClientID != "" {
		out.ContainerID = r.ClientID
	}
	if !brief {
		out.Attributes = r.Attributes
		if out.Attributes == nil {
			out.Attributes = map[string][]string{}
		}
	}
	return out
}

func toRoleReps(roles []model.Role, brief bool) []roleRep {
	out := make([]roleRep, 0, len(roles))
	for i := range roles {
		out = append(out, toRoleRep(&roles[i], brief))
	}
	return out
}

// container is where roles live: the realm, or one client. Realm roles
// need view/manage-realm; client roles view/manage-clients.
// Listing takes any admin role (RolePermissions.canList), reading the
// container's view right, changing its manage right.
type container struct {
	clientID string // internal id; "" for the realm
	path     string // ".../roles" prefix for Location headers
	list     bool
	view     bool
	manage   bool
}

func realmContainer(q *req) container {
	return container{path: "/admin/realms/" + q.realm.Name + "/roles",
		list: q.perms.isAdmin(), view: q.perms.viewRealm(), manage: q.perms.manageRealm()}
}

func (h *Handler) mountRoles(mux router) {
	realmRoles := func(fn func(*req, container) error) func(*req) error {
		return func(q *req) error { return fn(q, realmContainer(q)) }
	}
	clientRoles := func(fn func(*req, container) error) func(*req) error {
		return func(q *req) error {
			c, err := h.pathClient(q)
			if err != nil {
				return err
			}
			return fn(q, container{clientID: c.ID,
				path: "/admin/realms/" + q.realm.Name + "/clients/" + c.ID + "/roles",
				list: q.perms.isAdmin(), view: q.perms.viewClients(), manage: q.perms.manageClients()})
		}
	}
	for prefix, wrap := range map[string]func(func(*req, container) error) func(*req) error{
		"/admin/realms/{realm}/roles":              realmRoles,
		"/admin/realms/{realm}/clients/{id}/roles": clientRoles,
	} {
		h.realmRoute(mux, "GET "+prefix, wrap(h.listRoles))
		h.realmRoute(mux, "POST "+prefix, wrap(h.createRole))
		h.realmRoute(mux, "GET "+prefix+"/{role}", wrap(h.getRole))
		h.realmRoute(mux, "PUT "+prefix+"/{role}", wrap(h.updateRole))
		h.realmRoute(mux, "DELETE "+prefix+"/{role}", wrap(h.deleteRole))
		h.realmRoute(mux, "GET "+prefix+"/{role}/composites", wrap(h.getComposites))
		h.realmRoute(mux, "POST "+prefix+"/{role}/composites", wrap(h.addComposites))
		h.realmRoute(mux, "DELETE "+prefix+"/{role}/composites", wrap(h.removeComposites))
		h.realmRoute(mux, "GET "+prefix+"/{role}/composites/realm", wrap(h.getRealmComposites))
		h.realmRoute(mux, "GET "+prefix+"/{role}/composites/clients/{client}", wrap(h.getClientComposites))
		h.realmRoute(mux, "GET "+prefix+"/{role}/users", wrap(h.roleUsers))
		h.realmRoute(mux, "GET "+prefix+"/{role}/groups", wrap(h.roleGroups))
	}
	byID := func(fn func(*req, container) error) func(*req) error {
		return func(q *req) error {
			r, err := h.Store.GetRole(q.r.Context(), q.realm.ID, q.r.PathValue("id"))
			if errors.Is(err, store.ErrNotFound) {
				if !q.perms.isAdmin() {
					return errForbidden
				}
				return notFound("Could not find role with id")
			} else if err != nil {
				return err
			}
			c := realmContainer(q)
			if r.ClientID != "" {
				c = container{clientID: r.ClientID, list: q.perms.isAdmin(), view: q.perms.viewClients(), manage: q.perms.manageClients(),
					path: "/admin/realms/" + q.realm.Name + "/clients/" + r.ClientID + "/roles"}
			}
			q.r.SetPathValue("role", r.Name)
			return fn(q, c)
		}
	}
	h.realmRoute(mux, "GET /admin/realms/{realm}/roles-by-id/{id}", byID(h.getRole))
	h.realmRoute(mux, "PUT /admin/realms/{realm}/roles-by-id/{id}", byID(h.updateRole))
	h.realmRoute(mux, "DELETE /admin/realms/{realm}/roles-by-id/{id}", byID(h.deleteRole))
	h.realmRoute(mux, "GET /admin/realms/{realm}/roles-by-id/{id}/composites", byID(h.getComposites))
	h.realmRoute(mux, "POST /admin/realms/{realm}/roles-by-id/{id}/composites", byID(h.addComposites))
	h.realmRoute(mux, "DELETE /admin/realms/{realm}/roles-by-id/{id}/composites", byID(h.removeComposites))
}

// page reads first and max; max defaults to def (Keycloak's listing
// default), and bad numbers are 400.
func page(v url.Values, def int) (store.Page, error) {
	p := store.Page{Max: def}
	for name, dst := range map[string]*int{"first": &p.First, "max": &p.Max} {
		if s := v.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return p, jaxrs(http.StatusBadRequest, "HTTP 400 Bad Request")
			}
			*dst = n
		}
	}
	if p.First < 0 {
		p.First = 0
	}
	return p, nil
}

func (h *Handler) listRoles(q *req, c container) error {
	if !c.list {
		return errForbidden
	}
	v := q.r.URL.Query()
	p, err := page(v, 0)
	if err != nil {
		return err
	}
	roles, err := h.Store.ListRoles(q.r.Context(), q.realm.ID, c.clientID, store.RoleQuery{Search: v.Get("search"), Page: p})
	if err != nil {
		return err
	}
	return q.json(toRoleReps(roles, v.Get("briefRepresentation") != "false"))
}

// role loads the role named in the path: 404 "Could not find role" for a
// caller who may see the container, 403 otherwise.
func (h *Handler) role(q *req, c container) (*model.Role, error) {
	if !c.view {
		return nil, errForbidden
	}
	r, err := h.Store.GetRoleByName(q.r.Context(), q.realm.ID, c.clientID, q.r.PathValue("role"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Could not find role")
	}
	return r, err
}

func (h *Handler) createRole(q *req, c container) error {
	if !c.manage {
		return errForbidden
	}
	var in roleInput
	if err := decode(q, &in); err != nil {
		return err
	}
	if in.Name == "" {
		return badRequest("Role name cannot be empty")
	}
	r := &model.Role{RealmID: q.realm.ID, ClientID: c.clientID, Name: in.Name, Attributes: maps.Clone(in.Attributes)}
	if in.Description != nil {
		r.Description = *in.Description
	}
	err := h.Store.InTx(q.r.Context(), func(tx store.Store) error {
		if err := tx.CreateRole(q.r.Context(), r); err != nil {
			return err
		}
		if in.Composites == nil {
			return nil
		}
		ids, err := h.roleIDsByName(q, tx, in.Composites.Realm, in.Composites.Client)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		return tx.AddComposites(q.r.Context(), q.realm.ID, r.ID, ids)
	})
	if errors.Is(err, store.ErrConflict) {
		return conflict("Role with name " + in.Name + " already exists")
	}
	if err != nil {
		return err
	}
	h.adminEvent(q, opCreate, roleResource(c), roleEventPath(c, q, r.Name), in)
	return q.created(c.path + "/" + url.PathEscape(r.Name))
}

func roleResource(c container) string {
	if c.clientID != "" {
		return "CLIENT_ROLE"
	}
	return "REALM_ROLE"
}

func roleEventPath(c container, q *req, name string) string {
	if c.clientID != "" {
		return "clients/" + c.clientID + "/roles/" + name
	}
	return "roles/" + name
}

// roleIDsByName resolves composite role names (realm and by clientId).
func (h *Handler) roleIDsByName(q *req, st store.Store, realmNames []string, clientNames map[string][]string) ([]string, error) {
	ctx := q.r.Context()
	var ids []string
	for _, n := range realmNames {
		r, err := st.GetRoleByName(ctx, q.realm.ID, "", n)
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound("Could not find role")
		} else if err != nil {
			return nil, err
		}
		ids = append(ids, r.ID)
	}
	for clientID, names := range clientNames {
		c, err := st.GetClientByClientID(ctx, q.realm.ID, clientID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound("Could not find client")
		} else if err != nil {
			return nil, err
		}
		for _, n := range names {
			r, err := st.GetRoleByName(ctx, q.realm.ID, c.ID, n)
			if errors.Is(err, store.ErrNotFound) {
				return nil, notFound("Could not find role")
			} else if err != nil {
				return nil, err
			}
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

func (h *Handler) getRole(q *req, c container) error {
	r, err := h.role(q, c)
	if err != nil {
		return err
	}
	return q.json(toRoleRep(r, false))
}

// updateRole renames or re-describes a role (RoleContainerResource.updateRole).
func (h *Handler) updateRole(q *req, c container) error {
	if !c.manage {
		return errForbidden
	}
	r, err := h.role(q, c)
	if err != nil {
		return err
	}
	var in roleInput
	if err := decode(q, &in); err != nil {
		return err
	}
	if in.Name != "" {
		r.Name = in.Name
	}
	if in.Description != nil {
		r.Description = *in.Description
	}
	if in.Attributes != nil {
		r.Attributes = maps.Clone(in.Attributes)
	}
	if err := h.Store.UpdateRole(q.r.Context(), r); errors.Is(err, store.ErrConflict) {
		return conflict("Role with name " + r.Name + " already exists")
	} else if err != nil {
		return err
	}
	h.adminEvent(q, opUpdate, roleResource(c), roleEventPath(c, q, r.Name), in)
	return q.noContent()
}

func (h *Handler) deleteRole(q *req, c container) error {
	if !c.manage {
		return errForbidden
	}
	r, err := h.role(q, c)
	if err != nil {
		return err
	}
	if r.ID == q.realm.DefaultRoleID {
		return badRequest(r.Name + " is default role of the realm and cannot be removed.")
	}
	if err := h.Store.DeleteRole(q.r.Context(), q.realm.ID, r.ID); err != nil {
		return err
	}
	h.adminEvent(q, opDelete, roleResource(c), roleEventPath(c, q, r.Name), nil)
	return q.noContent()
}

func (h *Handler) getComposites(q *req, c container) error {
	r, err := h.role(q, c)
	if err != nil {
		return err
	}
	children, err := h.Store.ListComposites(q.r.Context(), q.realm.ID, r.ID)
	if err != nil {
		return err
	}
	return q.json(toRoleReps(children, false))
}

func (h *Handler) getRealmComposites(q *req, c container) error {
	return h.filteredComposites(q, c, "")
}

func (h *Handler) getClientComposites(q *req, c container) error {
	client, err := h.Store.GetClient(q.r.Context(), q.realm.ID, q.r.PathValue("client"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Could not find client")
	} else if err != nil {
		return err
	}
	return h.filteredComposites(q, c, client.ID)
}

func (h *Handler) filteredComposites(q *req, c container, clientID string) error {
	r, err := h.role(q, c)
	if err != nil {
		return err
	}
	children, err := h.Store.ListComposites(q.r.Context(), q.realm.ID, r.ID)
	if err != nil {
		return err
	}
	var out []model.Role
	for _, ch := range children {
		if ch.ClientID == clientID {
			out = append(out, ch)
		}
	}
	return q.json(toRoleReps(out, false))
}

// compositeBody reads [RoleRepresentation] naming roles by id (or, for
// realm roles, by name).
func (h *Handler) compositeBody(q *req) ([]string, error) {
	var in []roleInput
	if err := decode(q, &in); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(in))
	for _, r := range in {
		if r.ID != "" {
			ids = append(ids, r.ID)
			continue
		}
		role, err := h.Store.GetRoleByName(q.r.Context(), q.realm.ID, "", r.Name)
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound("Could not find role")
		} else if err != nil {
			return nil, err
		}
		ids = append(ids, role.ID)
	}
	return ids, nil
}

func (h *Handler) changeComposites(q *req, c container, add bool) error {
	if !c.manage {
		return errForbidden
	}
	r, err := h.role(q, c)
	if err != nil {
		return err
	}
	ids, err := h.compositeBody(q)
	if err != nil {
		return err
	}
	if add {
		if err := h.mayCompose(q, ids); err != nil {
			return err
		}
	}
	op := opCreate
	if add {
		err = h.Store.AddComposites(q.r.Context(), q.realm.ID, r.ID, ids)
	} else {
		op = opDelete
		err = h.Store.RemoveComposites(q.r.Context(), q.realm.ID, r.ID, ids)
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Could not find composite role")
	} else if err != nil {
		return err
	}
	h.adminEvent(q, op, roleResource(c), roleEventPath(c, q, r.Name)+"/composites", ids)
	return q.noContent()
}

// mayCompose checks each role to be added to a composite
// (RoleResource.addComposites: requireMapComposite), so that no admin
// role is handed out through a composite by a caller who could not grant
// it.
func (h *Handler) mayCompose(q *req, ids []string) error {
	g, err := h.granter(q)
	if err != nil {
		return err
	}
	for _, id := range ids {
		r, err := h.Store.GetRole(q.r.Context(), q.realm.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("Could not find composite role")
		} else if err != nil {
			return err
		}
		if !g.mayCompose(*r) {
			return errForbidden
		}
	}
	return nil
}

func (h *Handler) addComposites(q *req, c container) error    { return h.changeComposites(q, c, true) }
func (h *Handler) removeComposites(q *req, c container) error { return h.changeComposites(q, c, false) }

// roleUsers lists users holding a role directly: the container's view
// right and query-users (RoleResource.getUsersInRole).
func (h *Handler) roleUsers(q *req, c container) error {
	if !c.view || !q.perms.queryUsers() {
		return errForbidden
	}
	r, err := h.role(q, c)
	if err != nil {
		return err
	}
	p, err := page(q.r.URL.Query(), 100)
	if err != nil {
		return err
	}
	users, err := h.Store.ListRoleUsers(q.r.Context(), q.realm.ID, r.ID, p)
	if err != nil {
		return err
	}
	out := make([]memberRep, 0, len(users))
	for i := range users {
		out = append(out, toMemberRep(&users[i]))
	}
	return q.json(out)
}

// memberRep is the brief UserRepresentation that role member listings return.
type memberRep struct {
	ID               string `json:"id"`
	Username         string `json:"username"`
	FirstName        string `json:"firstName,omitempty"`
	LastName         string `json:"lastName,omitempty"`
	Email            string `json:"email,omitempty"`
	EmailVerified    bool   `json:"emailVerified"`
	CreatedTimestamp int64  `json:"createdTimestamp"`
	Enabled          bool   `json:"enabled"`
}

func toMemberRep(u *model.User) memberRep {
	return memberRep{ID: u.ID, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName,
		Email: u.Email, EmailVerified: u.EmailVerified, CreatedTimestamp: u.CreatedAt.UnixMilli(), Enabled: u.Enabled}
}
