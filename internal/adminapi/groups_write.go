package adminapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Writing groups: create (top level or as a child), move (POST of an
// existing group's id), update, delete; and listing a group's children
// and members.

// groupBody decodes a GroupRepresentation and checks its name
// (ObjectUtil.isBlank: "Group name is missing").
func groupBody(q *req) (*groupInput, error) {
	var in groupInput
	if err := decode(q, &in); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Name) == "" {
		return nil, badRequest("Group name is missing")
	}
	return &in, nil
}

func (in *groupInput) apply(g *model.Group) {
	g.Name = in.Name
	g.Description = str(in.Description)
	if in.Attributes != nil {
		g.Attributes = in.Attributes
	}
}

// eventRep is the representation an admin event of a group records.
func (in *groupInput) eventRep(id string) groupInput {
	out := *in
	out.ID = id
	return out
}

// moveGroup moves an existing group (the body's id) under parentID ("" for
// the top level); conflictMsg answers a sibling with the same name.
func (h *Handler) moveGroup(q *req, id, parentID, conflictMsg string) error {
	child, err := h.Store.GetGroup(q.r.Context(), q.realm.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Could not find child by id")
	} else if err != nil {
		return err
	}
	if child.ParentID == parentID {
		return nil
	}
	err = h.Store.MoveGroup(q.r.Context(), q.realm.ID, child.ID, parentID)
	switch {
	case errors.Is(err, store.ErrConflict):
		return conflict(conflictMsg)
	case errors.Is(err, store.ErrGroupCycle):
		return badRequest("Cannot move a group under itself or one of its subgroups")
	}
	return err
}

// createTopGroup is POST /groups: a new top-level group (201), or, with
// the id of an existing group, that group moved to the top level (204).
func (h *Handler) createTopGroup(q *req) error {
	if !q.perms.manageGroups() {
		return errForbidden
	}
	in, err := groupBody(q)
	if err != nil {
		return err
	}
	msg := "Top level group named '" + in.Name + "' already exists."
	if in.ID != "" {
		if err := h.moveGroup(q, in.ID, "", msg); err != nil {
			return err
		}
		h.adminEvent(q, opUpdate, "GROUP", "groups", in)
		return q.noContent()
	}
	g := &model.Group{RealmID: q.realm.ID}
	in.apply(g)
	if err := h.Store.CreateGroup(q.r.Context(), g); errors.Is(err, store.ErrConflict) {
		return conflict(msg)
	} else if err != nil {
		return err
	}
	h.adminEvent(q, opCreate, "GROUP", "groups/"+g.ID, in.eventRep(g.ID))
	return q.created("/admin/realms/" + q.realm.Name + "/groups/" + g.ID)
}

// updateGroup is PUT /groups/{id}: name, description and (when sent)
// attributes; subgroups are ignored.
func (h *Handler) updateGroup(q *req) error {
	g, err := h.targetGroup(q)
	if err != nil {
		return err
	}
	if !q.perms.manageGroups() {
		return errForbidden
	}
	in, err := groupBody(q)
	if err != nil {
		return err
	}
	if in.ID != "" && in.ID != g.ID {
		return badRequest("Invalid group id")
	}
	in.apply(g)
	if err := h.Store.UpdateGroup(q.r.Context(), g); errors.Is(err, store.ErrConflict) {
		return conflict("Sibling group named '" + in.Name + "' already exists.")
	} else if err != nil {
		return err
	}
	h.adminEvent(q, opUpdate, "GROUP", "groups/"+g.ID, in)
	return q.noContent()
}

// deleteGroup removes the group and its subgroups.
func (h *Handler) deleteGroup(q *req) error {
	g, err := h.targetGroup(q)
	if err != nil {
		return err
	}
	if !q.perms.manageGroups() {
		return errForbidden
	}
	if err := h.Store.DeleteGroup(q.r.Context(), q.realm.ID, g.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	h.adminEvent(q, opDelete, "GROUP", "groups/"+g.ID, nil)
	return q.noContent()
}

// listChildren is GET /groups/{id}/children: full representations by
// default, 10 at a time.
func (h *Handler) listChildren(q *req) error {
	g, err := h.targetGroup(q)
	if err != nil {
		return err
	}
	if !q.perms.viewGroups() {
		return errForbidden
	}
	v := q.r.URL.Query()
	p, err := optionalPage(v, 0, 10)
	if err != nil {
		return err
	}
	gq := store.GroupQuery{ParentID: g.ID, Search: v.Get("search"), Exact: boolDefault(v, "exact", false), Page: p}
	if p.Max == 0 && v.Has("max") {
		return q.json([]*groupRep{})
	}
	ctx := q.r.Context()
	kids, err := h.Store.ListGroups(ctx, q.realm.ID, gq)
	if err != nil {
		return err
	}
	reps, err := groupView{h: h, q: q, full: !boolDefault(v, "briefRepresentation", false), access: true, count: true}.reps(ctx, kids)
	if err != nil {
		return err
	}
	return q.json(reps)
}

// addChild is POST /groups/{id}/children: a new subgroup (201 with its
// representation), or an existing group moved here (204).
func (h *Handler) addChild(q *req) error {
	parent, err := h.targetGroup(q)
	if err != nil {
		return err
	}
	if !q.perms.manageGroups() {
		return errForbidden
	}
	in, err := groupBody(q)
	if err != nil {
		return err
	}
	msg := "Sibling group named '" + in.Name + "' already exists."
	path := "groups/" + parent.ID + "/children"
	if in.ID != "" {
		if err := h.moveGroup(q, in.ID, parent.ID, msg); err != nil {
			return err
		}
		h.adminEvent(q, opUpdate, "GROUP", path, in)
		return q.noContent()
	}
	child := &model.Group{RealmID: q.realm.ID, ParentID: parent.ID}
	in.apply(child)
	ctx := q.r.Context()
	if err := h.Store.CreateGroup(ctx, child); errors.Is(err, store.ErrConflict) {
		return conflict(msg)
	} else if err != nil {
		return err
	}
	h.adminEvent(q, opCreate, "GROUP", path, in.eventRep(child.ID))
	created, err := h.Store.GetGroup(ctx, q.realm.ID, child.ID)
	if err != nil {
		return err
	}
	rep, err := groupView{h: h, q: q, full: true, access: true}.rep(ctx, created)
	if err != nil {
		return err
	}
	q.w.Header().Set("Location", q.base+"/admin/realms/"+q.realm.Name+"/groups/"+child.ID)
	httpapi.WriteJSON(q.w, http.StatusCreated, rep)
	return nil
}

// groupMembers is GET /groups/{id}/members: direct members by username,
// full representations unless briefRepresentation=true, 100 at a time.
func (h *Handler) groupMembers(q *req) error {
	g, err := h.targetGroup(q)
	if err != nil {
		return err
	}
	if !q.perms.viewGroups() {
		return errForbidden
	}
	v := q.r.URL.Query()
	p, err := optionalPage(v, 0, defaultMax)
	if err != nil {
		return err
	}
	out := []userRep{}
	if p.Max == 0 {
		return q.json(out)
	}
	ctx := q.r.Context()
	users, err := h.Store.ListGroupMembers(ctx, q.realm.ID, g.ID, p)
	if err != nil {
		return err
	}
	brief := boolDefault(v, "briefRepresentation", false)
	for i := range users {
		rep := briefUser(&users[i])
		if !brief {
			if rep, err = h.fullUser(ctx, q.realm, &users[i]); err != nil {
				return err
			}
		}
		out = append(out, rep)
	}
	return q.json(out)
}
