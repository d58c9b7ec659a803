package realm

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// importedRole is a role the partial import wrote, whose composites are
// linked once every role exists.
type importedRole struct {
	role  *model.Role
	comp  *kcrep.Composites
	where string
}

// roles writes realm roles, then client roles, then links composites by
// name, as Keycloak's RepresentationToModel.importRoles does. An
// overwritten role is updated in place: description, attributes and
// composites are replaced; its id and the users and groups mapped to it
// stay.
func (pi *partialImport) roles(ctx context.Context, tx store.Store) error {
	rr := pi.rep.Roles
	if rr == nil {
		return nil
	}
	var written []importedRole
	for i := range rr.Realm {
		rep := &rr.Realm[i]
		role, action, err := pi.writeRole(ctx, tx, pi.b.RealmRoles, "", rep, pi.realmRoleEx[i])
		if err != nil {
			return fmt.Errorf("roles.realm[%d] (%s): %w", i, rep.Name, err)
		}
		pi.add(action, kcrep.ResourceRealmRole, rep.Name, role.ID)
		if action != kcrep.ActionSkipped {
			written = append(written, importedRole{role, rep.Composites, fmt.Sprintf("roles.realm[%d]", i)})
		}
	}
	sets := clientRoleSets(rr)
	for _, cid := range slices.Sorted(maps.Keys(sets)) {
		c := pi.b.Clients[cid] // prepare made sure it exists by now
		if pi.b.ClientRole[cid] == nil {
			pi.b.ClientRole[cid] = map[string]*model.Role{}
		}
		for i := range sets[cid] {
			rep := &sets[cid][i]
			role, action, err := pi.writeRole(ctx, tx, pi.b.ClientRole[cid], c.ID, rep, pi.clientRoleEx[cid][i])
			if err != nil {
				return fmt.Errorf("roles.client.%s[%d] (%s): %w", cid, i, rep.Name, err)
			}
			pi.add(action, kcrep.ResourceClientRole, cid+"-->"+rep.Name, c.ID)
			if action != kcrep.ActionSkipped {
				written = append(written, importedRole{role, rep.Composites, fmt.Sprintf("roles.client.%s[%d]", cid, i)})
			}
		}
	}
	for _, w := range written {
		if w.comp == nil {
			continue
		}
		children, err := resolveRoles(pi.b, w.comp.Realm, mergeClientNames(w.comp.Client, w.comp.Application))
		if err != nil {
			return fmt.Errorf("%s.composites: %w", w.where, err)
		}
		if len(children) > 0 {
			if err := tx.AddComposites(ctx, pi.b.Realm.ID, w.role.ID, children); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeRole skips, overwrites in place or creates one role.
func (pi *partialImport) writeRole(ctx context.Context, tx store.Store, known map[string]*model.Role, clientID string,
	rep *kcrep.RoleRepresentation, exists bool) (*model.Role, string, error) {
	if exists {
		role := known[rep.Name]
		if pi.policy == kcrep.PolicySkip {
			return role, kcrep.ActionSkipped, nil
		}
		role.Description = rep.Description
		role.Attributes = maps.Clone(rep.Attributes)
		if err := tx.UpdateRole(ctx, role); err != nil {
			return nil, "", err
		}
		old, err := tx.ListComposites(ctx, pi.b.Realm.ID, role.ID)
		if err != nil {
			return nil, "", err
		}
		if len(old) > 0 {
			ids := make([]string, 0, len(old))
			for _, c := range old {
				ids = append(ids, c.ID)
			}
			if err := tx.RemoveComposites(ctx, pi.b.Realm.ID, role.ID, ids); err != nil {
				return nil, "", err
			}
		}
		return role, kcrep.ActionOverwritten, nil
	}
	role := &model.Role{RealmID: pi.b.Realm.ID, ClientID: clientID, Name: rep.Name,
		Description: rep.Description, Attributes: maps.Clone(rep.Attributes)}
	if err := tx.CreateRole(ctx, role); err != nil {
		return nil, "", err
	}
	known[rep.Name] = role
	return role, kcrep.ActionAdded, nil
}

// isEmptyJSON reports whether a raw section holds nothing: absent, null,
// [] or {}.
func isEmptyJSON(m json.RawMessage) bool {
	var v any
	if len(m) == 0 || json.Unmarshal(m, &v) != nil {
		return len(m) == 0
	}
	switch v := v.(type) {
	case nil:
		return true
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

func unmarshal(m json.RawMessage, v any) error { return json.Unmarshal(m, v) }
