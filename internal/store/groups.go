package store

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/internal/model"
)

// ErrGroupCycle refuses moving a group under itself or one of its own
// subgroups.
var ErrGroupCycle = errors.New("store: a group cannot move under itself or one of its subgroups")

// GroupQuery filters a group listing. Results are ordered by name.
type GroupQuery struct {
	// ParentID lists the subgroups of that group; "" lists top-level
	// groups. Ignored when AnyLevel is set.
	ParentID string
	// AnyLevel searches the whole tree.
	AnyLevel bool
	// Search matches a case-insensitive substring of the name, or, with
	// Exact, the whole name (case-sensitively, as Keycloak's JPA store).
	// Empty: no filter.
	Search string
	Exact  bool
	// Attributes requires each name to have the given value (both exact,
	// Keycloak's q= search on groups).
	Attributes map[string]string
	Page
}

// GroupStore keeps the group tree, its role mappings, members and the
// realm's default groups.
//
// Deleting a group deletes its subgroups, their memberships, role
// mappings, attributes and default-group entries. Every id passed in must
// be in the realm, or the call is ErrNotFound and writes nothing.
type GroupStore interface {
	// CreateGroup stores g under g.ParentID ("" for top level):
	// ErrNotFound when the parent is not in the realm, ErrConflict when a
	// sibling has the same name.
	CreateGroup(ctx context.Context, g *model.Group) error
	GetGroup(ctx context.Context, realmID, id string) (*model.Group, error)
	// GetGroupByPath finds "/top/child" (Keycloak's findGroupByPath: the
	// leading slash is optional, names compare exactly).
	GetGroupByPath(ctx context.Context, realmID, path string) (*model.Group, error)
	// UpdateGroup replaces Name, Description and Attributes (ErrConflict
	// when renamed onto a sibling's name). ParentID is not changed.
	UpdateGroup(ctx context.Context, g *model.Group) error
	// MoveGroup makes id a subgroup of parentID ("" for top level):
	// ErrConflict on a sibling of the same name, ErrGroupCycle when
	// parentID is id or one of its subgroups.
	MoveGroup(ctx context.Context, realmID, id, parentID string) error
	DeleteGroup(ctx context.Context, realmID, id string) error
	ListGroups(ctx context.Context, realmID string, q GroupQuery) ([]model.Group, error)
	// CountGroups counts matching groups, ignoring q.Page.
	CountGroups(ctx context.Context, realmID string, q GroupQuery) (int, error)

	// AddGroupMember makes the user a direct member; added is false when
	// it already was one.
	AddGroupMember(ctx context.Context, realmID, groupID, userID string) (added bool, err error)
	// RemoveGroupMember ends a direct membership; removed is false when
	// there was none.
	RemoveGroupMember(ctx context.Context, realmID, groupID, userID string) (removed bool, err error)
	// ListGroupMembers returns the direct members by username.
	ListGroupMembers(ctx context.Context, realmID, groupID string, p Page) ([]model.User, error)
	// ListUserGroups returns the groups the user is a direct member of,
	// matching q.Search (substring) and q.Page; other fields are ignored.
	ListUserGroups(ctx context.Context, realmID, userID string, q GroupQuery) ([]model.Group, error)
	CountUserGroups(ctx context.Context, realmID, userID string, q GroupQuery) (int, error)

	// GrantGroupRoles maps roles to a group; existing mappings are kept.
	GrantGroupRoles(ctx context.Context, realmID, groupID string, roleIDs []string) error
	RevokeGroupRoles(ctx context.Context, realmID, groupID string, roleIDs []string) error
	// ListGroupRoles returns the roles mapped directly to the group.
	ListGroupRoles(ctx context.Context, realmID, groupID string) ([]model.Role, error)
	// ListInheritedGroupRoles returns the roles mapped to the group or to
	// any of its ancestors, each once (composites not expanded).
	ListInheritedGroupRoles(ctx context.Context, realmID, groupID string) ([]model.Role, error)
	// ListUserGroupRoles returns the roles a user holds through groups:
	// mapped to a group the user is a member of or to any ancestor of one,
	// each once (composites not expanded).
	ListUserGroupRoles(ctx context.Context, realmID, userID string) ([]model.Role, error)
	// ListRoleGroups returns the groups the role is mapped to directly.
	ListRoleGroups(ctx context.Context, realmID, roleID string, p Page) ([]model.Group, error)

	// AddDefaultGroup makes a group one every new user joins; adding it
	// again is not an error.
	AddDefaultGroup(ctx context.Context, realmID, groupID string) error
	RemoveDefaultGroup(ctx context.Context, realmID, groupID string) error
	ListDefaultGroups(ctx context.Context, realmID string) ([]model.Group, error)
}
