package export

import (
	"context"
	"errors"
	"maps"

	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/store"
)

// PartialExport describes realm r as Keycloak's POST
// /admin/realms/{realm}/partial-export does (ExportOptions(users=false,
// clients, groupsAndRoles, onlyServiceAccounts=clients) then
// stripForExport): the realm's settings, default role and default groups
// always; with exportClients the clients and the service-account users of
// the confidential ones (their role mappings and groups only with
// exportGroupsAndRoles, no credentials); with exportGroupsAndRoles the
// groups and realm roles, and client roles when clients are exported too.
// No other user is exported. Secrets are masked as "**********": client
// secrets and the SMTP password.
func PartialExport(ctx context.Context, st store.Store, r *model.Realm, exportClients, exportGroupsAndRoles bool) (kcrep.RealmRepresentation, error) {
	d, clients, err := loadRealmData(ctx, st, r)
	if err != nil {
		return kcrep.RealmRepresentation{}, err
	}
	rep, err := realmRep(ctx, st, d, clients)
	if err != nil {
		return kcrep.RealmRepresentation{}, err
	}
	if !exportGroupsAndRoles {
		rep.Roles, rep.Groups = nil, nil
	} else if !exportClients {
		rep.Roles.Client = nil
	}
	if !exportClients {
		rep.Clients = nil
	}
	for i := range rep.Clients {
		if rep.Clients[i].Secret != "" {
			rep.Clients[i].Secret = realm.MaskedSecret
		}
	}
	if rep.SMTPServer["password"] != "" {
		rep.SMTPServer = maps.Clone(rep.SMTPServer)
		rep.SMTPServer["password"] = realm.MaskedSecret
	}
	if exportClients {
		for i := range clients {
			c := &clients[i]
			if !c.ServiceAccountsEnabled || c.PublicClient || c.BearerOnly {
				continue
			}
			u, err := st.GetServiceAccountUser(ctx, r.ID, c.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return kcrep.RealmRepresentation{}, err
			}
			ur, err := userRep(ctx, st, d, u)
			if err != nil {
				return kcrep.RealmRepresentation{}, err
			}
			ur.Credentials = nil
			if !exportGroupsAndRoles {
				ur.RealmRoles, ur.ClientRoles, ur.Groups = nil, nil, nil
			}
			rep.Users = append(rep.Users, ur)
		}
	}
	return *rep, nil
}

// PartialImport adds the users, clients, groups and roles of rep to realm
// r, as Keycloak's POST /admin/realms/{realm}/partialImport does, in one
// transaction of st (see realm.Service.PartialImport for the semantics
// and the errors: realm.ErrResourceExists → 409, realm.ErrNoSuchClient →
// 412, both with {"errorMessage": err.Error()}; realm.ErrInvalid → 400).
func PartialImport(ctx context.Context, st store.Store, svc *realm.Service, r *model.Realm, rep kcrep.PartialImportRepresentation) (kcrep.PartialImportResults, error) {
	s := *svc
	s.Store = st
	return s.PartialImport(ctx, r, &rep)
}
