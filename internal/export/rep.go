package export

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

// KeycloakVersion is the Keycloak version whose export format latchkey
// writes, put in keycloakVersion.
const KeycloakVersion = "26.0.0"

// realmData is what an export needs to describe a realm's users: its
// clients by internal id.
type realmData struct {
	realm   *model.Realm
	clients map[string]*model.Client // by internal id
}

func loadRealmData(ctx context.Context, st store.Store, r *model.Realm) (*realmData, []model.Client, error) {
	clients, err := st.ListClients(ctx, r.ID, store.ClientQuery{})
	if err != nil {
		return nil, nil, err
	}
	d := &realmData{realm: r, clients: map[string]*model.Client{}}
	for i := range clients {
		d.clients[clients[i].ID] = &clients[i]
	}
	return d, clients, nil
}

// viaJSON converts between two types that share Keycloak's JSON names (the
// model's tags are Keycloak's representation names).
func viaJSON(from, to any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, to)
}

// RealmRepresentation describes realm r as Keycloak's export does, without
// its users: settings, clients with their secrets, realm and client roles
// with composites by name, the default role, groups and default groups.
func RealmRepresentation(ctx context.Context, st store.Store, r *model.Realm) (*kcrep.RealmRepresentation, error) {
	d, clients, err := loadRealmData(ctx, st, r)
	if err != nil {
		return nil, err
	}
	return realmRep(ctx, st, d, clients)
}

func realmRep(ctx context.Context, st store.Store, d *realmData, clients []model.Client) (*kcrep.RealmRepresentation, error) {
	r := d.realm
	rep := &kcrep.RealmRepresentation{}
	if err := viaJSON(r, rep); err != nil {
		return nil, fmt.Errorf("realm %s: %w", r.Name, err)
	}
	rep.KeycloakVersion = KeycloakVersion
	// The model's policy is "" for none; the representation says so
	// explicitly so that an import does not keep another default.
	policy := r.PasswordPolicy
	rep.PasswordPolicy = &policy

	roles := &kcrep.RolesRepresentation{Realm: []kcrep.RoleRepresentation{}, Client: map[string][]kcrep.RoleRepresentation{}}
	realmRoles, err := st.ListRoles(ctx, r.ID, "", store.RoleQuery{})
	if err != nil {
		return nil, err
	}
	for i := range realmRoles {
		rr, err := roleRep(ctx, st, d, &realmRoles[i])
		if err != nil {
			return nil, err
		}
		roles.Realm = append(roles.Realm, rr)
		if realmRoles[i].ID == r.DefaultRoleID {
			def := rr
			def.Composites = nil
			def.Attributes = nil
			rep.DefaultRole = &def
		}
	}
	rep.Clients = make([]kcrep.ClientRepresentation, 0, len(clients))
	for i := range clients {
		c := &clients[i]
		var cr kcrep.ClientRepresentation
		if err := viaJSON(c, &cr); err != nil {
			return nil, fmt.Errorf("client %s: %w", c.ClientID, err)
		}
		if cr.RedirectURIs == nil {
			cr.RedirectURIs = []string{}
		}
		if cr.WebOrigins == nil {
			cr.WebOrigins = []string{}
		}
		if cr.Attributes == nil {
			cr.Attributes = map[string]string{}
		}
		rep.Clients = append(rep.Clients, cr)
		croles, err := st.ListRoles(ctx, r.ID, c.ID, store.RoleQuery{})
		if err != nil {
			return nil, err
		}
		list := []kcrep.RoleRepresentation{}
		for j := range croles {
			rr, err := roleRep(ctx, st, d, &croles[j])
			if err != nil {
				return nil, err
			}
			list = append(list, rr)
		}
		roles.Client[c.ClientID] = list
	}
	rep.Roles = roles
	if rep.Groups, err = groupReps(ctx, st, d, ""); err != nil {
		return nil, err
	}
	if rep.DefaultGroups, err = defaultGroupPaths(ctx, st, r); err != nil {
		return nil, err
	}
	return rep, nil
}

func boolp(b bool) *bool { return &b }

// roleRep describes a role with its composites by name, as Keycloak's
// export does (ModelToRepresentation.toRepresentation plus composites).
func roleRep(ctx context.Context, st store.Store, d *realmData, role *model.Role) (kcrep.RoleRepresentation, error) {
	container := role.RealmID
	if role.ClientID != "" {
		container = role.ClientID
	}
	rr := kcrep.RoleRepresentation{ID: role.ID, Name: role.Name, Description: role.Description,
		Composite: boolp(role.Composite), ClientRole: boolp(role.ClientID != ""), ContainerID: container,
		Attributes: maps.Clone(role.Attributes)}
	if rr.Attributes == nil {
		rr.Attributes = map[string][]string{}
	}
	if !role.Composite {
		return rr, nil
	}
	children, err := st.ListComposites(ctx, role.RealmID, role.ID)
	if err != nil {
		return rr, err
	}
	comp := &kcrep.Composites{}
	for _, c := range children {
		if c.ClientID == "" {
			comp.Realm = append(comp.Realm, c.Name)
			continue
		}
		cl, ok := d.clients[c.ClientID]
		if !ok {
			return rr, fmt.Errorf("role %s: composite %s of an unknown client %s", role.Name, c.Name, c.ClientID)
		}
		if comp.Client == nil {
			comp.Client = map[string][]string{}
		}
		comp.Client[cl.ClientID] = append(comp.Client[cl.ClientID], c.Name)
	}
	if len(comp.Realm) > 0 || len(comp.Client) > 0 {
		rr.Composites = comp
	}
	return rr, nil
}

// userRep describes u as Keycloak's ExportUtils.exportUser does: the user,
// its role mappings by name, and its credentials exactly as stored.
func userRep(ctx context.Context, st store.Store, d *realmData, u *model.User) (kcrep.UserRepresentation, error) {
	created := u.CreatedAt.UnixMilli()
	ur := kcrep.UserRepresentation{ID: u.ID, Username: u.Username, FirstName: u.FirstName,
		LastName: u.LastName, Email: u.Email, EmailVerified: boolp(u.EmailVerified),
		Attributes: maps.Clone(u.Attributes), CreatedTimestamp: &created, Enabled: boolp(u.Enabled),
		Totp: boolp(false), DisableableCredentialTypes: []string{},
		RequiredActions: slices.Clone(u.RequiredActions), Groups: []string{}}
	if ur.RequiredActions == nil {
		ur.RequiredActions = []string{}
	}
	nb := u.NotBefore
	ur.NotBefore = &nb
	if u.ServiceAccountClientID != "" {
		c, ok := d.clients[u.ServiceAccountClientID]
		if !ok {
			return ur, fmt.Errorf("user %s: service account of an unknown client %s", u.Username, u.ServiceAccountClientID)
		}
		ur.ServiceAccountClientID = c.ClientID
	}
	creds, err := st.ListCredentials(ctx, u.ID)
	if err != nil {
		return ur, err
	}
	ur.Credentials = make([]kcrep.CredentialRepresentation, 0, len(creds))
	for _, c := range creds {
		date := c.CreatedAt.UnixMilli()
		cr := kcrep.CredentialRepresentation{ID: c.ID, Type: c.Type, UserLabel: c.UserLabel,
			CreatedDate: &date, SecretData: c.SecretData, CredentialData: c.CredentialData}
		if c.Priority != 10 {
			p := c.Priority
			cr.Priority = &p
		}
		ur.Credentials = append(ur.Credentials, cr)
	}
	if ur.Groups, err = userGroupPaths(ctx, st, d.realm.ID, u.ID); err != nil {
		return ur, err
	}
	return ur, userRoleMappings(ctx, st, d, u, &ur)
}

// userRoleMappings fills realmRoles and clientRoles (by clientId) with the
// roles mapped to u directly.
func userRoleMappings(ctx context.Context, st store.Store, d *realmData, u *model.User, ur *kcrep.UserRepresentation) error {
	roles, err := st.ListUserRoles(ctx, d.realm.ID, u.ID)
	if err != nil {
		return err
	}
	for _, role := range roles {
		if role.ClientID == "" {
			ur.RealmRoles = append(ur.RealmRoles, role.Name)
			continue
		}
		c, ok := d.clients[role.ClientID]
		if !ok {
			return fmt.Errorf("user %s: role %s of an unknown client %s", u.Username, role.Name, role.ClientID)
		}
		if ur.ClientRoles == nil {
			ur.ClientRoles = map[string][]string{}
		}
		ur.ClientRoles[c.ClientID] = append(ur.ClientRoles[c.ClientID], role.Name)
	}
	return nil
}
