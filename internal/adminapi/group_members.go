package adminapi

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/role"
	"github.com/latchkey/latchkey/internal/store"
)

// Group memberships of a user (UserResource), the realm's default groups
// (RealmAdminResource) and the groups a role is mapped to
// (RoleContainerResource).

func (h *Handler) mountMemberships(mux router) {
	const users = "/admin/realms/{realm}/users/{id}/groups"
	h.realmRoute(mux, "GET "+users, h.userGroups)
	h.realmRoute(mux, "GET "+users+"/count", h.countUserGroups)
	h.realmRoute(mux, "PUT "+users+"/{groupId}", h.joinGroup)
	h.realmRoute(mux, "DELETE "+users+"/{groupId}", h.leaveGroup)
	const defaults = "/admin/realms/{realm}/default-groups"
	h.realmRoute(mux, "GET "+defaults, h.defaultGroups)
	h.realmRoute(mux, "PUT "+defaults+"/{groupId}", h.changeDefaultGroup(true))
	h.realmRoute(mux, "DELETE "+defaults+"/{groupId}", h.changeDefaultGroup(false))
}

// userGroups is GET /users/{id}/groups: the user's direct groups by name,
// brief unless briefRepresentation=false, without access or counts.
func (h *Handler) userGroups(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.viewUsers() {
		return errForbidden
	}
	v := q.r.URL.Query()
	p, err := optionalPage(v, 0, 0)
	if err != nil {
		return err
	}
	if p.Max == 0 && v.Has("max") {
		return q.json([]*groupRep{})
	}
	ctx := q.r.Context()
	gs, err := h.Store.ListUserGroups(ctx, q.realm.ID, u.ID, store.GroupQuery{Search: v.Get("search"), Page: p})
	if err != nil {
		return err
	}
	reps, err := groupView{h: h, q: q, full: !boolDefault(v, "briefRepresentation", true)}.reps(ctx, gs)
	if err != nil {
		return err
	}
	return q.json(reps)
}

func (h *Handler) countUserGroups(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.viewUsers() {
		return errForbidden
	}
	n, err := h.Store.CountUserGroups(q.r.Context(), q.realm.ID, u.ID, store.GroupQuery{Search: q.r.URL.Query().Get("search")})
	if err != nil {
		return err
	}
	return q.json(map[string]int{"count": n})
}

// membershipTarget resolves PUT/DELETE /users/{id}/groups/{groupId} in
// Keycloak's order: the user (404 or 403), manage-group-membership (403),
// the group (404 "Group not found").
func (h *Handler) membershipTarget(q *req) (*model.User, *model.Group, error) {
	u, err := h.targetUser(q)
	if err != nil {
		return nil, nil, err
	}
	if !q.perms.manageUsers() {
		return nil, nil, errForbidden
	}
	g, err := h.Store.GetGroup(q.r.Context(), q.realm.ID, q.r.PathValue("groupId"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, notFound("Group not found")
	} else if err != nil {
		return nil, nil, err
	}
	return u, g, nil
}

// mayJoin decides whether the caller may put a user into g. Keycloak asks
// only for manage-users; latchkey also asks for the right to grant every
// role the group passes on (its own, its ancestors' and their composites),
// as a direct role mapping would, so that a group holding realm-admin is
// no way around the admin-role rule.
func (h *Handler) mayJoin(q *req, gr *granter, g *model.Group) error {
	roles, err := role.GroupEffective(q.r.Context(), h.Store, q.realm.ID, g.ID)
	if err != nil {
		return err
	}
	for _, rl := range roles {
		if !gr.may(rl) {
			return errForbidden
		}
	}
	return nil
}

func (h *Handler) joinGroup(q *req) error {
	u, g, err := h.membershipTarget(q)
	if err != nil {
		return err
	}
	gr, err := h.granter(q)
	if err != nil {
		return err
	}
	if err := h.mayJoin(q, gr, g); err != nil {
		return err
	}
	ctx := q.r.Context()
	added, err := h.Store.AddGroupMember(ctx, q.realm.ID, g.ID, u.ID)
	if err != nil {
		return err
	}
	if added {
		rep, err := groupView{h: h, q: q, full: true}.rep(ctx, g)
		if err != nil {
			return err
		}
		h.adminEvent(q, opCreate, "GROUP_MEMBERSHIP", "users/"+u.ID+"/groups/"+g.ID, rep)
	}
	return q.noContent()
}

func (h *Handler) leaveGroup(q *req) error {
	u, g, err := h.membershipTarget(q)
	if err != nil {
		return err
	}
	ctx := q.r.Context()
	removed, err := h.Store.RemoveGroupMember(ctx, q.realm.ID, g.ID, u.ID)
	if err != nil {
		return err
	}
	if removed {
		rep, err := groupView{h: h, q: q, full: true}.rep(ctx, g)
		if err != nil {
			return err
		}
		h.adminEvent(q, opDelete, "GROUP_MEMBERSHIP", "users/"+u.ID+"/groups/"+g.ID, rep)
	}
	return q.noContent()
}

// defaultGroups is GET /default-groups (view-realm): brief
// representations by name.
func (h *Handler) defaultGroups(q *req) error {
	if !q.perms.viewRealm() {
		return errForbidden
	}
	ctx := q.r.Context()
	gs, err := h.Store.ListDefaultGroups(ctx, q.realm.ID)
	if err != nil {
		return err
	}
	reps, err := groupView{h: h, q: q}.reps(ctx, gs)
	if err != nil {
		return err
	}
	return q.json(reps)
}

// changeDefaultGroup is PUT or DELETE /default-groups/{groupId}
// (manage-realm).
func (h *Handler) changeDefaultGroup(add bool) func(*req) error {
	return func(q *req) error {
		if !q.perms.manageRealm() {
			return errForbidden
		}
		ctx := q.r.Context()
		id := q.r.PathValue("groupId")
		var err error
		if add {
			err = h.Store.AddDefaultGroup(ctx, q.realm.ID, id)
		} else {
			err = h.Store.RemoveDefaultGroup(ctx, q.realm.ID, id)
		}
		if errors.Is(err, store.ErrNotFound) {
			return notFound("Group not found")
		} else if err != nil {
			return err
		}
		op := opCreate
		if !add {
			op = opDelete
		}
		h.adminEvent(q, op, "REALM", "default-groups/"+id, nil)
		return q.noContent()
	}
}

// roleGroups is GET .../roles/{role}/groups: the groups the role is
// mapped to directly, 100 at a time, brief unless
// briefRepresentation=false (RoleContainerResource.getGroupsInRole).
func (h *Handler) roleGroups(q *req, c container) error {
	r, err := h.role(q, c)
	if err != nil {
		return err
	}
	v := q.r.URL.Query()
	p, err := optionalPage(v, 0, defaultMax)
	if err != nil {
		return err
	}
	if p.Max == 0 {
		return q.json([]*groupRep{})
	}
	ctx := q.r.Context()
	gs, err := h.Store.ListRoleGroups(ctx, q.realm.ID, r.ID, p)
	if err != nil {
		return err
	}
	reps, err := groupView{h: h, q: q, full: !boolDefault(v, "briefRepresentation", true)}.reps(ctx, gs)
	if err != nil {
		return err
	}
	return q.json(reps)
}

// groupsFromPaths resolves the group paths of POST /users (Keycloak's
// RepresentationToModel.createGroups). Keycloak answers an unknown path
// with a RuntimeException, a 500; latchkey answers 400 with the same
// message. Putting a new user into groups takes manage-users (create-users
// alone does not allow it: groups carry roles) and the right to grant what
// each group passes on.
func (h *Handler) groupsFromPaths(q *req, paths []string) ([]model.Group, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	if !q.perms.manageUsers() {
		return nil, errForbidden
	}
	gr, err := h.granter(q)
	if err != nil {
		return nil, err
	}
	var out []model.Group
	for _, p := range paths {
		g, err := h.Store.GetGroupByPath(q.r.Context(), q.realm.ID, p)
		if errors.Is(err, store.ErrNotFound) {
			return nil, badRequest("Unable to find group specified by path: " + p)
		} else if err != nil {
			return nil, err
		}
		if err := h.mayJoin(q, gr, g); err != nil {
			return nil, err
		}
		out = append(out, *g)
	}
	return out, nil
}

// errGroupGone reports a group of POST /users deleted while the user was
// being created.
var errGroupGone = badRequest("A group of the user was deleted meanwhile")

// joinGroups makes a new user a member of groups inside the creating
// transaction.
func joinGroups(ctx context.Context, tx store.Store, realmID, userID string, groups []model.Group) error {
	for _, g := range groups {
		if _, err := tx.AddGroupMember(ctx, realmID, g.ID, userID); errors.Is(err, store.ErrNotFound) {
			return errGroupGone
		} else if err != nil {
			return err
		}
	}
	return nil
}
