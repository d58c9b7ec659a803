package adminapi

import (
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/internal/export"
	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/realm"
)

func (h *Handler) mountPartial(mux router) {
	h.realmRoute(mux, "POST /admin/realms/{realm}/partialImport", h.partialImport)
	h.realmRoute(mux, "POST /admin/realms/{realm}/partial-export", h.partialExport)
}

// partialImport is POST /partialImport (RealmAdminResource.partialImport,
// manage-realm): users, clients, groups and roles from a representation,
// with ifResourceExists FAIL, SKIP or OVERWRITE, all in one transaction.
func (h *Handler) partialImport(q *req) error {
	if !q.perms.manageRealm() {
		return errForbidden
	}
	var rep kcrep.PartialImportRepresentation
	if err := decode(q, &rep); err != nil {
		return err
	}
	res, err := export.PartialImport(q.r.Context(), h.Store, h.Realms, q.realm, rep)
	var pe *password.PolicyError
	switch {
	case errors.Is(err, realm.ErrResourceExists):
		return conflict(err.Error())
	case errors.Is(err, realm.ErrNoSuchClient):
		return httpapi.AdminError(http.StatusPreconditionFailed, err.Error())
	case errors.Is(err, realm.ErrInvalid), errors.Is(err, password.ErrPolicy):
		return badRequest(err.Error())
	case errors.As(err, &pe):
		return httpapi.OAuthError(http.StatusBadRequest, pe.Violations[0].Key, pe.Violations[0].Message)
	case err != nil:
		return err
	}
	for _, r := range res.Results {
		op := opCreate
		if r.Action == kcrep.ActionOverwritten {
			op = opUpdate
		} else if r.Action != kcrep.ActionAdded {
			continue
		}
		h.adminEvent(q, op, r.ResourceType, partialPath(r), nil)
	}
	return q.json(res)
}

// partialPath is the admin event's resource path of a partial-import result.
func partialPath(r kcrep.PartialImportResult) string {
	switch r.ResourceType {
	case kcrep.ResourceUser:
		return "users/" + r.ID
	case kcrep.ResourceClient:
		return "clients/" + r.ID
	case kcrep.ResourceGroup:
		return "groups/" + r.ID
	case kcrep.ResourceRealmRole:
		return "roles/" + r.ResourceName
	}
	return r.ResourceName
}

// partialExport is POST /partial-export?exportClients=&exportGroupsAndRoles=
// (view-realm, plus view-clients for clients and the right to list groups
// for groups and roles): no users, secrets masked.
func (h *Handler) partialExport(q *req) error {
	v := q.r.URL.Query()
	clients, groups := v.Get("exportClients") == "true", v.Get("exportGroupsAndRoles") == "true"
	if !q.perms.viewRealm() || (clients && !q.perms.viewClients()) ||
		(groups && !q.perms.any("query-groups", "view-users", "manage-users")) {
		return errForbidden
	}
	rep, err := export.PartialExport(q.r.Context(), h.Store, q.realm, clients, groups)
	if err != nil {
		return err
	}
	return q.json(rep)
}
