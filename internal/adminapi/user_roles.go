package adminapi

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/role"
	"github.com/latchkey/latchkey/internal/store"
)

// Role mappings (RoleMapperResource and ClientRoleMappingsResource) hang
// on a subject: a user or a group. The endpoints are the same for both;
// the subject says who may read and change them and where the roles come
// from. Mapping a role also takes, per role, the right to grant it.

// subject is what role mappings are read from and written to.
type subject struct {
	id        string
	kind      string // "users" or "groups", for admin event paths
	canView   bool
	canManage bool
	// direct lists the roles mapped to the subject itself; roots those its
	// effective roles expand from (for a user its groups' roles too, for a
	// group its ancestors').
	direct func(ctx context.Context) ([]model.Role, error)
	roots  func(ctx context.Context) ([]model.Role, error)
	grant  func(ctx context.Context, roleIDs []string) error
	revoke func(ctx context.Context, roleIDs []string) error
}

// userSubject is the user in the path: reading needs view-users, mapping
// manage-users.
func (h *Handler) userSubject(q *req) (*subject, error) {
	u, err := h.targetUser(q)
	if err != nil {
		return nil, err
	}
	realmID := q.realm.ID
	return &subject{id: u.ID, kind: "users", canView: q.perms.viewUsers(), canManage: q.perms.manageUsers(),
		direct: func(ctx context.Context) ([]model.Role, error) { return h.Store.ListUserRoles(ctx, realmID, u.ID) },
		roots:  func(ctx context.Context) ([]model.Role, error) { return role.Roots(ctx, h.Store, realmID, u.ID) },
		grant: func(ctx context.Context, ids []string) error {
			return h.Store.GrantUserRoles(ctx, realmID, u.ID, ids)
		},
		revoke: func(ctx context.Context, ids []string) error {
			return h.Store.RevokeUserRoles(ctx, realmID, u.ID, ids)
		},
	}, nil
}

// mountRoleMappings adds the role-mapping endpoints under base for the
// subject resolve finds in the path.
func (h *Handler) mountRoleMappings(mux router, base string, resolve func(*req) (*subject, error)) {
	h.realmRoute(mux, "GET "+base, h.allMappings(resolve))
	h.realmRoute(mux, "GET "+base+"/realm", h.listMappings(resolve, scopeRealm, listDirect))
	h.realmRoute(mux, "GET "+base+"/realm/composite", h.listMappings(resolve, scopeRealm, listEffective))
	h.realmRoute(mux, "GET "+base+"/realm/available", h.listMappings(resolve, scopeRealm, listAvailable))
	h.realmRoute(mux, "POST "+base+"/realm", h.changeMappings(resolve, scopeRealm, true))
	h.realmRoute(mux, "DELETE "+base+"/realm", h.changeMappings(resolve, scopeRealm, false))
	h.realmRoute(mux, "GET "+base+"/clients/{client}", h.listMappings(resolve, scopeClient, listDirect))
	h.realmRoute(mux, "GET "+base+"/clients/{client}/composite", h.listMappings(resolve, scopeClient, listEffective))
	h.realmRoute(mux, "GET "+base+"/clients/{client}/available", h.listMappings(resolve, scopeClient, listAvailable))
	h.realmRoute(mux, "POST "+base+"/clients/{client}", h.changeMappings(resolve, scopeClient, true))
	h.realmRoute(mux, "DELETE "+base+"/clients/{client}", h.changeMappings(resolve, scopeClient, false))
}

type mappingScope int

const (
	scopeRealm mappingScope = iota
	scopeClient
)

type listKind int

const (
	listDirect listKind = iota
	listEffective
	listAvailable
)

// mappingTarget resolves the subject and, for client scope, the client in
// the path, in Keycloak's order: subject (404 or 403), then client (404).
func (h *Handler) mappingTarget(q *req, resolve func(*req) (*subject, error), scope mappingScope) (*subject, string, error) {
	sub, err := resolve(q)
	if err != nil {
		return nil, "", err
	}
	if scope == scopeRealm {
		return sub, "", nil
	}
	c, err := h.Store.GetClient(q.r.Context(), q.realm.ID, q.r.PathValue("client"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", notFound("Client not found")
	} else if err != nil {
		return nil, "", err
	}
	return sub, c.ID, nil
}

// allMappings is GET .../role-mappings: direct mappings, realm roles and
// client roles grouped by clientId; empty parts are left out.
func (h *Handler) allMappings(resolve func(*req) (*subject, error)) func(*req) error {
	return func(q *req) error {
		sub, err := resolve(q)
		if err != nil {
			return err
		}
		if !sub.canView {
			return errForbidden
		}
		ctx := q.r.Context()
		roles, err := sub.direct(ctx)
		if err != nil {
			return err
		}
		type clientMappings struct {
			ID       string    `json:"id"`
			Client   string    `json:"client"`
			Mappings []roleRep `json:"mappings"`
		}
		var out struct {
			RealmMappings  []roleRep                  `json:"realmMappings,omitempty"`
			ClientMappings map[string]*clientMappings `json:"clientMappings,omitempty"`
		}
		byID := map[string]*clientMappings{}
		for _, rl := range roles {
			rr := toRoleRep(&rl, true)
			if !rl.ClientRole() {
				out.RealmMappings = append(out.RealmMappings, rr)
				continue
			}
			cm, ok := byID[rl.ClientID]
			if !ok {
				c, err := h.Store.GetClient(ctx, q.realm.ID, rl.ClientID)
				if err != nil {
					return err
				}
				cm = &clientMappings{ID: c.ID, Client: c.ClientID}
				byID[rl.ClientID] = cm
				if out.ClientMappings == nil {
					out.ClientMappings = map[string]*clientMappings{}
				}
				out.ClientMappings[c.ClientID] = cm
			}
			cm.Mappings = append(cm.Mappings, rr)
		}
		return q.json(out)
	}
}

// inScope keeps the roles of one container: realm roles, or one client's.
func inScope(roles []model.Role, clientID string) []model.Role {
	return slices.DeleteFunc(roles, func(r model.Role) bool { return r.ClientID != clientID })
}

func (h *Handler) listMappings(resolve func(*req) (*subject, error), scope mappingScope, kind listKind) func(*req) error {
	return func(q *req) error {
		sub, clientID, err := h.mappingTarget(q, resolve, scope)
		if err != nil {
			return err
		}
		if !sub.canView {
			return errForbidden
		}
		ctx := q.r.Context()
		switch kind {
		case listDirect:
			direct, err := sub.direct(ctx)
			if err != nil {
				return err
			}
			return q.json(toRoleReps(inScope(direct, clientID), true))
		case listEffective:
			roots, err := sub.roots(ctx)
			if err != nil {
				return err
			}
			all, err := role.Expand(ctx, h.Store, q.realm.ID, roots)
			if err != nil {
				return err
			}
			brief := q.r.URL.Query().Get("briefRepresentation") != "false"
			return q.json(toRoleReps(inScope(all, clientID), brief))
		}
		direct, err := sub.direct(ctx)
		if err != nil {
			return err
		}
		candidates, err := h.Store.ListRoles(ctx, q.realm.ID, clientID, store.RoleQuery{})
		if err != nil {
			return err
		}
		g, err := h.granter(q)
		if err != nil {
			return err
		}
		var out []model.Role
		for _, rl := range candidates {
			if g.may(rl) && !slices.ContainsFunc(direct, func(d model.Role) bool { return d.ID == rl.ID }) {
				out = append(out, rl)
			}
		}
		return q.json(toRoleReps(out, true))
	}
}

// changeMappings is POST (grant) or DELETE (revoke) of a list of roles,
// each named and with its id ("Role not found" unless both match). A
// DELETE without a body revokes every direct mapping of the scope. All or
// nothing: one refused role changes nothing.
func (h *Handler) changeMappings(resolve func(*req) (*subject, error), scope mappingScope, grant bool) func(*req) error {
	return func(q *req) error {
		sub, clientID, err := h.mappingTarget(q, resolve, scope)
		if err != nil {
			return err
		}
		if !sub.canManage {
			return errForbidden
		}
		ctx := q.r.Context()
		var body []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		present, err := decodeOptional(q, &body)
		if err != nil {
			return err
		}
		g, err := h.granter(q)
		if err != nil {
			return err
		}
		var roles []model.Role
		if !present && !grant {
			direct, err := sub.direct(ctx)
			if err != nil {
				return err
			}
			roles = inScope(direct, clientID)
		}
		for _, b := range body {
			rl, err := h.Store.GetRoleByName(ctx, q.realm.ID, clientID, b.Name)
			if errors.Is(err, store.ErrNotFound) || (err == nil && rl.ID != b.ID) {
				return notFound("Role not found")
			} else if err != nil {
				return err
			}
			roles = append(roles, *rl)
		}
		ids := make([]string, 0, len(roles))
		for _, rl := range roles {
			if !g.may(rl) {
				return errForbidden
			}
			ids = append(ids, rl.ID)
		}
		if len(ids) > 0 {
			if grant {
				err = sub.grant(ctx, ids)
			} else {
				err = sub.revoke(ctx, ids)
			}
			if err != nil {
				return err
			}
		}
		resource, path := "REALM_ROLE_MAPPING", sub.kind+"/"+sub.id+"/role-mappings/realm"
		if scope == scopeClient {
			resource, path = "CLIENT_ROLE_MAPPING", sub.kind+"/"+sub.id+"/role-mappings/clients/"+clientID
		}
		switch {
		case grant && len(roles) > 0:
			h.adminEvent(q, opCreate, resource, path, toRoleReps(roles, true))
		case !grant:
			h.adminEvent(q, opDelete, resource, path, toRoleReps(roles, true))
		}
		return q.noContent()
	}
}

// granter decides which roles a caller may map in the realm
// (RolePermissions.canMapRole, FGAP off): it needs manage-users; an admin
// role (a role of the realm's admin client, or of master's admin clients)
// it may grant when it holds that role itself, or holds the matching
// capability (auth.go's canGrant); master's admin and create-realm realm
// roles only when it holds them.
type granter struct {
	q            *req
	adminClients map[string]bool
	clientNames  map[string]string // internal id -> clientId, admin clients
}

func (h *Handler) granter(q *req) (*granter, error) {
	g := &granter{q: q, adminClients: map[string]bool{}, clientNames: map[string]string{}}
	ctx := q.r.Context()
	var admin []model.Client
	if q.realm.Name == realm.MasterRealm {
		cs, err := h.Store.ListClients(ctx, q.realm.ID, store.ClientQuery{ClientID: "-realm", Search: true})
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if strings.HasSuffix(c.ClientID, "-realm") {
				admin = append(admin, c)
			}
		}
	} else if c, err := h.Store.GetClientByClientID(ctx, q.realm.ID, "realm-management"); err == nil {
		admin = append(admin, *c)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	for _, c := range admin {
		g.adminClients[c.ID] = true
		g.clientNames[c.ID] = c.ClientID
	}
	return g, nil
}

func (g *granter) may(r model.Role) bool {
	return g.q.perms.manageUsers() && g.adminOK(r)
}

// mayCompose is RolePermissions.canMapComposite: adding r to a composite
// takes the right to manage r's container, and the admin-role rule.
func (g *granter) mayCompose(r model.Role) bool {
	p := g.q.perms
	if r.ClientID == "" && !p.manageRealm() || r.ClientID != "" && !p.manageClients() {
		return false
	}
	return g.adminOK(r)
}

// adminOK is RolePermissions.checkAdminRoles.
func (g *granter) adminOK(r model.Role) bool {
	p := g.q.perms
	if g.holds(r) {
		return true
	}
	if g.q.realm.Name == realm.MasterRealm && r.ClientID == "" && (r.Name == "admin" || r.Name == "create-realm") {
		return false
	}
	return p.canGrant(r, "", g.adminClients)
}

// holds reports whether the caller itself holds r (only roles of the
// caller's own realm can be held).
func (g *granter) holds(r model.Role) bool {
	c := g.q.caller
	if c.realm.ID != g.q.realm.ID {
		return false
	}
	if r.ClientID == "" {
		return slices.Contains(c.access.Realm, r.Name)
	}
	name, ok := g.clientNames[r.ClientID]
	return ok && slices.Contains(c.access.Clients[name], r.Name)
}
