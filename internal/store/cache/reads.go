package cache

import (
	"context"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// The cached reads. Inside a transaction each goes to the database.

// GetRealm returns the realm by id.
func (s *Store) GetRealm(ctx context.Context, id string) (*model.Realm, error) {
	if s.tx != nil {
		return s.Store.GetRealm(ctx, id)
	}
	c := s.c
	return lookup(c,
		func() (entry[*model.Realm], bool) { e, ok := c.realmsByID[id]; return e, ok },
		func() (*model.Realm, error) { return s.Store.GetRealm(ctx, id) },
		func(e entry[*model.Realm]) { c.realmsByID[id] = e },
		cloneRealm)
}

// GetRealmByName returns the realm by name.
func (s *Store) GetRealmByName(ctx context.Context, name string) (*model.Realm, error) {
	if s.tx != nil {
		return s.Store.GetRealmByName(ctx, name)
	}
	c := s.c
	return lookup(c,
		func() (entry[*model.Realm], bool) { e, ok := c.realmsByName[name]; return e, ok },
		func() (*model.Realm, error) { return s.Store.GetRealmByName(ctx, name) },
		func(e entry[*model.Realm]) { c.realmsByName[name] = e },
		cloneRealm)
}

// GetClient returns a client by internal id.
func (s *Store) GetClient(ctx context.Context, realmID, id string) (*model.Client, error) {
	if s.tx != nil {
		return s.Store.GetClient(ctx, realmID, id)
	}
	c := s.c
	return lookup(c,
		func() (entry[*model.Client], bool) {
			if d := c.realms[realmID]; d != nil {
				e, ok := d.clientsByID[id]
				return e, ok
			}
			return entry[*model.Client]{}, false
		},
		func() (*model.Client, error) { return s.Store.GetClient(ctx, realmID, id) },
		func(e entry[*model.Client]) { c.realmLocked(realmID).clientsByID[id] = e },
		cloneClient)
}

// GetClientByClientID returns a client by its public clientId.
func (s *Store) GetClientByClientID(ctx context.Context, realmID, clientID string) (*model.Client, error) {
	if s.tx != nil {
		return s.Store.GetClientByClientID(ctx, realmID, clientID)
	}
	c := s.c
	return lookup(c,
		func() (entry[*model.Client], bool) {
			if d := c.realms[realmID]; d != nil {
				e, ok := d.clientsByClientID[clientID]
				return e, ok
			}
			return entry[*model.Client]{}, false
		},
		func() (*model.Client, error) { return s.Store.GetClientByClientID(ctx, realmID, clientID) },
		func(e entry[*model.Client]) { c.realmLocked(realmID).clientsByClientID[clientID] = e },
		cloneClient)
}

// GetServiceAccountUser returns the service-account user of a client.
func (s *Store) GetServiceAccountUser(ctx context.Context, realmID, clientID string) (*model.User, error) {
	if s.tx != nil {
		return s.Store.GetServiceAccountUser(ctx, realmID, clientID)
	}
	c := s.c
	return lookup(c,
		func() (entry[*model.User], bool) {
			if d := c.realms[realmID]; d != nil {
				e, ok := d.serviceAccounts[clientID]
				return e, ok
			}
			return entry[*model.User]{}, false
		},
		func() (*model.User, error) { return s.Store.GetServiceAccountUser(ctx, realmID, clientID) },
		func(e entry[*model.User]) { c.realmLocked(realmID).serviceAccounts[clientID] = e },
		cloneUser)
}

// ListComposites returns a role's direct children.
func (s *Store) ListComposites(ctx context.Context, realmID, parentID string) ([]model.Role, error) {
	if s.tx != nil {
		return s.Store.ListComposites(ctx, realmID, parentID)
	}
	c := s.c
	return lookup(c,
		func() (entry[[]model.Role], bool) {
			if d := c.realms[realmID]; d != nil {
				e, ok := d.composites[parentID]
				return e, ok
			}
			return entry[[]model.Role]{}, false
		},
		func() ([]model.Role, error) { return s.Store.ListComposites(ctx, realmID, parentID) },
		func(e entry[[]model.Role]) { c.realmLocked(realmID).composites[parentID] = e },
		model.CloneRoles)
}

// ListUserRoles returns the roles mapped to the user directly.
func (s *Store) ListUserRoles(ctx context.Context, realmID, userID string) ([]model.Role, error) {
	if s.tx != nil {
		return s.Store.ListUserRoles(ctx, realmID, userID)
	}
	c := s.c
	return lookup(c,
		func() (entry[[]model.Role], bool) {
			if d := c.realms[realmID]; d != nil {
				e, ok := d.userRoles[userID]
				return e, ok
			}
			return entry[[]model.Role]{}, false
		},
		func() ([]model.Role, error) { return s.Store.ListUserRoles(ctx, realmID, userID) },
		func(e entry[[]model.Role]) {
			d := c.realmLocked(realmID)
			capUsers(c, d.userRoles)
			d.userRoles[userID] = e
		},
		model.CloneRoles)
}

// ListUserGroupRoles returns the roles the user holds through groups.
func (s *Store) ListUserGroupRoles(ctx context.Context, realmID, userID string) ([]model.Role, error) {
	if s.tx != nil {
		return s.Store.ListUserGroupRoles(ctx, realmID, userID)
	}
	c := s.c
	return lookup(c,
		func() (entry[[]model.Role], bool) {
			if d := c.realms[realmID]; d != nil {
				e, ok := d.userGroupRoles[userID]
				return e, ok
			}
			return entry[[]model.Role]{}, false
		},
		func() ([]model.Role, error) { return s.Store.ListUserGroupRoles(ctx, realmID, userID) },
		func(e entry[[]model.Role]) {
			d := c.realmLocked(realmID)
			capUsers(c, d.userGroupRoles)
			d.userGroupRoles[userID] = e
		},
		model.CloneRoles)
}

// GetUser returns a user by id: what every token check (userinfo, the
// admin API's caller, refresh) reads.
func (s *Store) GetUser(ctx context.Context, realmID, id string) (*model.User, error) {
	if s.tx != nil {
		return s.Store.GetUser(ctx, realmID, id)
	}
	c := s.c
	return lookup(c,
		func() (entry[*model.User], bool) {
			if d := c.realms[realmID]; d != nil {
				e, ok := d.users[id]
				return e, ok
			}
			return entry[*model.User]{}, false
		},
		func() (*model.User, error) { return s.Store.GetUser(ctx, realmID, id) },
		func(e entry[*model.User]) {
			d := c.realmLocked(realmID)
			capUsers(c, d.users)
			d.users[id] = e
		},
		cloneUser)
}

// ListClients returns a realm's clients. Only the whole, unfiltered
// listing is cached: the one registration and verification read on every
// request to learn the realm's web origins (clientcors).
func (s *Store) ListClients(ctx context.Context, realmID string, q store.ClientQuery) ([]model.Client, error) {
	if s.tx != nil || q != (store.ClientQuery{}) {
		return s.Store.ListClients(ctx, realmID, q)
	}
	c := s.c
	return lookup(c,
		func() (entry[[]model.Client], bool) {
			if d := c.realms[realmID]; d != nil && d.allClients != nil {
				return *d.allClients, true
			}
			return entry[[]model.Client]{}, false
		},
		func() ([]model.Client, error) { return s.Store.ListClients(ctx, realmID, q) },
		func(e entry[[]model.Client]) { c.realmLocked(realmID).allClients = &e },
		cloneClients)
}

func cloneClients(cs []model.Client) []model.Client {
	if cs == nil {
		return nil
	}
	out := make([]model.Client, len(cs))
	for i := range cs {
		out[i] = *cs[i].Clone()
	}
	return out
}
