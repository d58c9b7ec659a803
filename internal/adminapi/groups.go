package adminapi

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Groups (GroupsResource, GroupResource; GroupPermissions with FGAP off):
// listing takes view-users, manage-users or query-groups; reading a group
// view-users or manage-users; changing it manage-users.

func (h *Handler) mountGroups(mux router) {
	const base = "/admin/realms/{realm}/groups"
	h.realmRoute(mux, "GET "+base, h.listGroups)
	h.realmRoute(mux, "POST "+base, h.createTopGroup)
	h.realmRoute(mux, "GET "+base+"/count", h.countGroups)
	h.realmRoute(mux, "GET "+base+"/{id}", h.getGroup)
	h.realmRoute(mux, "PUT "+base+"/{id}", h.updateGroup)
	h.realmRoute(mux, "DELETE "+base+"/{id}", h.deleteGroup)
	h.realmRoute(mux, "GET "+base+"/{id}/children", h.listChildren)
	h.realmRoute(mux, "POST "+base+"/{id}/children", h.addChild)
	h.realmRoute(mux, "GET "+base+"/{id}/members", h.groupMembers)
	h.mountRoleMappings(mux, base+"/{id}/role-mappings", h.groupSubject)
	h.realmRoute(mux, "GET /admin/realms/{realm}/group-by-path/{path...}", h.groupByPath)
	h.mountMemberships(mux)
}

func (p perms) listGroups() bool   { return p.any("view-users", "manage-users", "query-groups") }
func (p perms) viewGroups() bool   { return p.viewUsers() }
func (p perms) manageGroups() bool { return p.manageUsers() }

// groupRep is Keycloak's GroupRepresentation, fields in its order. The
// optional parts are interfaces so that an empty map or list still shows
// where Keycloak shows one (subGroups always; roles and attributes in a
// full representation).
type groupRep struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Description   string          `json:"description,omitempty"`
	Path          string          `json:"path"`
	ParentID      string          `json:"parentId,omitempty"`
	SubGroupCount *int            `json:"subGroupCount,omitempty"`
	SubGroups     []*groupRep     `json:"subGroups"`
	Attributes    any             `json:"attributes,omitempty"`
	RealmRoles    any             `json:"realmRoles,omitempty"`
	ClientRoles   any             `json:"clientRoles,omitempty"`
	Access        map[string]bool `json:"access,omitempty"`
}

// groupInput is a GroupRepresentation as clients send it.
type groupInput struct {
	ID          string              `json:"id,omitempty"`
	Name        string              `json:"name"`
	Description *string             `json:"description,omitempty"`
	Attributes  map[string][]string `json:"attributes,omitempty"`
	Path        string              `json:"path,omitempty"`
}

// groupView builds representations: brief (ModelToRepresentation without
// full), full (with role mappings and attributes), with the caller's
// access and the subgroup count where Keycloak adds them.
type groupView struct {
	h      *Handler
	q      *req
	full   bool
	access bool
	count  bool
}

func (v groupView) rep(ctx context.Context, g *model.Group) (*groupRep, error) {
	out := &groupRep{ID: g.ID, Name: g.Name, Description: g.Description, Path: g.Path, ParentID: g.ParentID,
		SubGroups: []*groupRep{}}
	if v.count {
		n := g.SubGroupCount
		out.SubGroupCount = &n
	}
	if v.access {
		out.Access = groupAccess(v.q)
	}
	if !v.full {
		return out, nil
	}
	attrs := g.Attributes
	if attrs == nil {
		attrs = map[string][]string{}
	}
	out.Attributes = attrs
	roles, err := v.h.Store.ListGroupRoles(ctx, v.q.realm.ID, g.ID)
	if err != nil {
		return nil, err
	}
	realmRoles, clientRoles := []string{}, map[string][]string{}
	names := map[string]string{}
	for _, r := range roles {
		if !r.ClientRole() {
			realmRoles = append(realmRoles, r.Name)
			continue
		}
		cid, ok := names[r.ClientID]
		if !ok {
			c, err := v.h.Store.GetClient(ctx, v.q.realm.ID, r.ClientID)
			if err != nil {
				return nil, err
			}
			cid, names[r.ClientID] = c.ClientID, c.ClientID
		}
		clientRoles[cid] = append(clientRoles[cid], r.Name)
	}
	out.RealmRoles, out.ClientRoles = realmRoles, clientRoles
	return out, nil
}

func (v groupView) reps(ctx context.Context, gs []model.Group) ([]*groupRep, error) {
	out := make([]*groupRep, 0, len(gs))
	for i := range gs {
		r, err := v.rep(ctx, &gs[i])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// groupAccess is GroupPermissions.getAccess.
func groupAccess(q *req) map[string]bool {
	m := q.perms.manageGroups()
	return map[string]bool{"view": q.perms.viewGroups(), "manage": m, "manageMembership": m}
}

// targetGroup loads the group in the path; Keycloak looks it up before
// any permission check.
func (h *Handler) targetGroup(q *req) (*model.Group, error) {
	g, err := h.Store.GetGroup(q.r.Context(), q.realm.ID, q.r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Could not find group by id")
	}
	return g, err
}

// groupSubject is the group in the path as a holder of role mappings:
// reading needs view-users, mapping manage-users; its effective roles
// include its ancestors' (GroupAdapter.hasRole).
func (h *Handler) groupSubject(q *req) (*subject, error) {
	g, err := h.targetGroup(q)
	if err != nil {
		return nil, err
	}
	realmID := q.realm.ID
	return &subject{id: g.ID, kind: "groups", canView: q.perms.viewGroups(), canManage: q.perms.manageGroups(),
		direct: func(ctx context.Context) ([]model.Role, error) { return h.Store.ListGroupRoles(ctx, realmID, g.ID) },
		roots: func(ctx context.Context) ([]model.Role, error) {
			return h.Store.ListInheritedGroupRoles(ctx, realmID, g.ID)
		},
		grant: func(ctx context.Context, ids []string) error {
			return h.Store.GrantGroupRoles(ctx, realmID, g.ID, ids)
		},
		revoke: func(ctx context.Context, ids []string) error {
			return h.Store.RevokeGroupRoles(ctx, realmID, g.ID, ids)
		},
	}, nil
}

// optionalPage reads first and max as Keycloak's Integer parameters with
// no default: absent means unbounded.
func optionalPage(v url.Values, defFirst, defMax int) (store.Page, error) {
	p := store.Page{First: defFirst, Max: defMax}
	first, err := intParam(v, "first")
	if err != nil {
		return p, err
	}
	max, err := intParam(v, "max")
	if err != nil {
		return p, err
	}
	if first != nil {
		p.First = max0(*first)
	}
	if max != nil {
		p.Max = max0(*max)
	}
	return p, nil
}

func max0(n int) int { return max(n, 0) }

// boolDefault is a boolean parameter with a default.
func boolDefault(v url.Values, name string, def bool) bool {
	if b := boolParam(v, name); b != nil {
		return *b
	}
	return def
}

// listGroups is GET /groups (GroupsResource.getGroups): q= searches
// attributes and search= names, both over the whole tree; otherwise the
// top level. With populateHierarchy (the default) each match comes inside
// its ancestors, roots sorted by name.
func (h *Handler) listGroups(q *req) error {
	if !q.perms.listGroups() {
		return errForbidden
	}
	v := q.r.URL.Query()
	p, err := optionalPage(v, 0, 0)
	if err != nil {
		return err
	}
	out := []*groupRep{}
	if p.Max == 0 && v.Has("max") {
		return q.json(out)
	}
	gq := store.GroupQuery{Page: p}
	switch {
	case v.Has("q"):
		gq.AnyLevel, gq.Attributes = true, searchQueryFields(v.Get("q"))
	case v.Has("search"):
		gq.AnyLevel, gq.Search = true, strings.TrimSpace(v.Get("search"))
		gq.Exact = boolDefault(v, "exact", false)
	}
	ctx := q.r.Context()
	groups, err := h.Store.ListGroups(ctx, q.realm.ID, gq)
	if err != nil {
		return err
	}
	// With query-groups alone a caller may list but sees no group
	// (GroupUtils skips groups it cannot view).
	if !q.perms.viewGroups() {
		return q.json(out)
	}
	view := groupView{h: h, q: q, full: !boolDefault(v, "briefRepresentation", true), access: true,
		count: boolDefault(v, "subGroupsCount", true)}
	if !boolDefault(v, "populateHierarchy", true) {
		reps, err := view.reps(ctx, groups)
		if err != nil {
			return err
		}
		return q.json(reps)
	}
	roots, err := view.hierarchy(ctx, groups)
	if err != nil {
		return err
	}
	return q.json(roots)
}

// hierarchy is GroupUtils.populateGroupHierarchyFromSubGroups: each group
// hangs under its ancestors, siblings merged, with no other subgroups.
func (v groupView) hierarchy(ctx context.Context, groups []model.Group) ([]*groupRep, error) {
	byID := map[string]*groupRep{}
	parentOf := map[string]string{}
	var roots []*groupRep
	add := func(g *model.Group) (*groupRep, bool, error) {
		if r, ok := byID[g.ID]; ok {
			return r, false, nil
		}
		r, err := v.rep(ctx, g)
		if err != nil {
			return nil, false, err
		}
		byID[g.ID], parentOf[g.ID] = r, g.ParentID
		return r, true, nil
	}
	for i := range groups {
		cur, isNew, err := add(&groups[i])
		if err != nil {
			return nil, err
		}
		for isNew {
			pid := parentOf[cur.ID]
			if pid == "" {
				roots = append(roots, cur)
				break
			}
			pg, err := v.h.Store.GetGroup(ctx, v.q.realm.ID, pid)
			if errors.Is(err, store.ErrNotFound) {
				break // deleted meanwhile
			} else if err != nil {
				return nil, err
			}
			parent, parentNew, err := add(pg)
			if err != nil {
				return nil, err
			}
			parent.SubGroups = append(parent.SubGroups, cur)
			cur, isNew = parent, parentNew
		}
	}
	var sortTree func(rs []*groupRep)
	sortTree = func(rs []*groupRep) {
		slices.SortStableFunc(rs, func(a, b *groupRep) int { return strings.Compare(a.Name, b.Name) })
		for _, r := range rs {
			sortTree(r.SubGroups)
		}
	}
	sortTree(roots)
	if roots == nil {
		roots = []*groupRep{}
	}
	return roots, nil
}

// countGroups is GET /groups/count: groups named like search at any
// level, or all groups (top=true: the top level).
func (h *Handler) countGroups(q *req) error {
	if !q.perms.listGroups() {
		return errForbidden
	}
	v := q.r.URL.Query()
	gq := store.GroupQuery{AnyLevel: !boolDefault(v, "top", false)}
	if v.Has("search") {
		gq = store.GroupQuery{AnyLevel: true, Search: v.Get("search")}
	}
	n, err := h.Store.CountGroups(q.r.Context(), q.realm.ID, gq)
	if err != nil {
		return err
	}
	return q.json(map[string]int{"count": n})
}

func (h *Handler) getGroup(q *req) error {
	g, err := h.targetGroup(q)
	if err != nil {
		return err
	}
	if !q.perms.viewGroups() {
		return errForbidden
	}
	rep, err := groupView{h: h, q: q, full: true, access: true, count: true}.rep(q.r.Context(), g)
	if err != nil {
		return err
	}
	return q.json(rep)
}

// groupByPath is GET /group-by-path/{path}.
func (h *Handler) groupByPath(q *req) error {
	g, err := h.Store.GetGroupByPath(q.r.Context(), q.realm.ID, q.r.PathValue("path"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Group path does not exist")
	} else if err != nil {
		return err
	}
	if !q.perms.viewGroups() {
		return errForbidden
	}
	rep, err := groupView{h: h, q: q, full: true}.rep(q.r.Context(), g)
	if err != nil {
		return err
	}
	return q.json(rep)
}
