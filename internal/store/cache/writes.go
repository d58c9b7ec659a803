package cache

import (
	"context"

	"github.com/latchkey/latchkey/internal/model"
)

// The writes that can change a cached record. Each runs on the wrapped
// store and then drops what it may have changed, whether or not it
// failed (a failed write changed nothing, and a drop is cheap). Writes
// that change nothing the cache holds (users created, credentials,
// sessions, events, mail, codes, login failures) pass through: see
// passThrough in the tests for the full list and the reasons.

// CreateRealm creates a realm.
func (s *Store) CreateRealm(ctx context.Context, r *model.Realm) error {
	defer func() { s.changed(ctx, realmChanged(r.ID)) }() // the store may set r.ID
	return s.Store.CreateRealm(ctx, r)
}

// UpdateRealm updates a realm.
func (s *Store) UpdateRealm(ctx context.Context, r *model.Realm) error {
	defer s.changed(ctx, realmChanged(r.ID))
	return s.Store.UpdateRealm(ctx, r)
}

// DeleteRealm deletes a realm.
func (s *Store) DeleteRealm(ctx context.Context, id string) error {
	defer s.changed(ctx, realmChanged(id))
	return s.Store.DeleteRealm(ctx, id)
}

// UpdateUser updates a user.
func (s *Store) UpdateUser(ctx context.Context, u *model.User, uniqueEmail bool) error {
	defer s.changed(ctx, userChanged(u.RealmID, u.ID))
	return s.Store.UpdateUser(ctx, u, uniqueEmail)
}

// DeleteUser deletes a user.
func (s *Store) DeleteUser(ctx context.Context, realmID, id string) error {
	defer s.changed(ctx, userChanged(realmID, id))
	return s.Store.DeleteUser(ctx, realmID, id)
}

// CreateClient creates a client.
func (s *Store) CreateClient(ctx context.Context, c *model.Client) error {
	defer s.changed(ctx, realmChanged(c.RealmID))
	return s.Store.CreateClient(ctx, c)
}

// UpdateClient updates a client.
func (s *Store) UpdateClient(ctx context.Context, c *model.Client) error {
	defer s.changed(ctx, realmChanged(c.RealmID))
	return s.Store.UpdateClient(ctx, c)
}

// DeleteClient deletes a client, its roles and its service account.
func (s *Store) DeleteClient(ctx context.Context, realmID, id string) error {
	defer s.changed(ctx, realmChanged(realmID))
	return s.Store.DeleteClient(ctx, realmID, id)
}

// CreateRole creates a role.
func (s *Store) CreateRole(ctx context.Context, r *model.Role) error {
	defer s.changed(ctx, realmChanged(r.RealmID))
	return s.Store.CreateRole(ctx, r)
}

// UpdateRole updates a role.
func (s *Store) UpdateRole(ctx context.Context, r *model.Role) error {
	defer s.changed(ctx, realmChanged(r.RealmID))
	return s.Store.UpdateRole(ctx, r)
}

// DeleteRole deletes a role and its mappings.
func (s *Store) DeleteRole(ctx context.Context, realmID, id string) error {
	defer s.changed(ctx, realmChanged(realmID))
	return s.Store.DeleteRole(ctx, realmID, id)
}

// AddComposites adds children to a role.
func (s *Store) AddComposites(ctx context.Context, realmID, parentID string, childIDs []string) error {
	defer s.changed(ctx, realmChanged(realmID))
	return s.Store.AddComposites(ctx, realmID, parentID, childIDs)
}

// RemoveComposites removes children from a role.
func (s *Store) RemoveComposites(ctx context.Context, realmID, parentID string, childIDs []string) error {
	defer s.changed(ctx, realmChanged(realmID))
	return s.Store.RemoveComposites(ctx, realmID, parentID, childIDs)
}

// GrantUserRoles maps roles to a user.
func (s *Store) GrantUserRoles(ctx context.Context, realmID, userID string, roleIDs []string) error {
	defer s.changed(ctx, userChanged(realmID, userID))
	return s.Store.GrantUserRoles(ctx, realmID, userID, roleIDs)
}

// RevokeUserRoles unmaps roles from a user.
func (s *Store) RevokeUserRoles(ctx context.Context, realmID, userID string, roleIDs []string) error {
	defer s.changed(ctx, userChanged(realmID, userID))
	return s.Store.RevokeUserRoles(ctx, realmID, userID, roleIDs)
}

// CreateGroup creates a group.
func (s *Store) CreateGroup(ctx context.Context, g *model.Group) error {
	defer s.changed(ctx, realmChanged(g.RealmID))
	return s.Store.CreateGroup(ctx, g)
}

// UpdateGroup updates a group.
func (s *Store) UpdateGroup(ctx context.Context, g *model.Group) error {
	defer s.changed(ctx, realmChanged(g.RealmID))
	return s.Store.UpdateGroup(ctx, g)
}

// MoveGroup moves a group under another parent.
func (s *Store) MoveGroup(ctx context.Context, realmID, id, parentID string) error {
	defer s.changed(ctx, realmChanged(realmID))
	return s.Store.MoveGroup(ctx, realmID, id, parentID)
}

// DeleteGroup deletes a group and its subgroups.
func (s *Store) DeleteGroup(ctx context.Context, realmID, id string) error {
	defer s.changed(ctx, realmChanged(realmID))
	return s.Store.DeleteGroup(ctx, realmID, id)
}

// AddGroupMember adds a user to a group.
func (s *Store) AddGroupMember(ctx context.Context, realmID, groupID, userID string) (bool, error) {
	defer s.changed(ctx, userChanged(realmID, userID))
	return s.Store.AddGroupMember(ctx, realmID, groupID, userID)
}

// RemoveGroupMember removes a user from a group.
func (s *Store) RemoveGroupMember(ctx context.Context, realmID, groupID, userID string) (bool, error) {
	defer s.changed(ctx, userChanged(realmID, userID))
	return s.Store.RemoveGroupMember(ctx, realmID, groupID, userID)
}

// GrantGroupRoles maps roles to a group.
func (s *Store) GrantGroupRoles(ctx context.Context, realmID, groupID string, roleIDs []string) error {
	defer s.changed(ctx, realmChanged(realmID))
	return s.Store.GrantGroupRoles(ctx, realmID, groupID, roleIDs)
}

// RevokeGroupRoles unmaps roles from a group.
func (s *Store) RevokeGroupRoles(ctx context.Context, realmID, groupID string, roleIDs []string) error {
	defer s.changed(ctx, realmChanged(realmID))
	return s.Store.RevokeGroupRoles(ctx, realmID, groupID, roleIDs)
}

// AddDefaultGroup makes a group one every new user joins.
func (s *Store) AddDefaultGroup(ctx context.Context, realmID, groupID string) error {
	defer s.changed(ctx, realmChanged(realmID))
	return s.Store.AddDefaultGroup(ctx, realmID, groupID)
}

// RemoveDefaultGroup stops new users joining a group.
func (s *Store) RemoveDefaultGroup(ctx context.Context, realmID, groupID string) error {
	defer s.changed(ctx, realmChanged(realmID))
	return s.Store.RemoveDefaultGroup(ctx, realmID, groupID)
}

// CreateKey adds a signing key.
func (s *Store) CreateKey(ctx context.Context, k *model.SigningKey) error {
	defer s.changed(ctx, realmChanged(k.RealmID))
	return s.Store.CreateKey(ctx, k)
}

// UpdateKey changes a signing key.
func (s *Store) UpdateKey(ctx context.Context, k *model.SigningKey) error {
	defer s.changed(ctx, realmChanged(k.RealmID))
	return s.Store.UpdateKey(ctx, k)
}

// DeleteKey removes a signing key.
func (s *Store) DeleteKey(ctx context.Context, realmID, id string) error {
	defer s.changed(ctx, realmChanged(realmID))
	return s.Store.DeleteKey(ctx, realmID, id)
}
