package store

import (
	"context"
	"time"

	"github.com/latchkey/latchkey/internal/model"
)

// Store is the whole persistence contract.
type Store interface {
	RealmStore
	UserStore
	CredentialStore
	ClientStore
	RoleStore
	GroupStore
	KeyStore
	SessionStore
	EventStore
	AdminEventStore
	OutboxStore
	CodeStore
	LoginFailureStore

	// InTx runs fn in one transaction and commits if fn returns nil. The
	// Store passed to fn runs every call inside that transaction. fn may run
	// more than once (transient contention is retried), so it must not have
	// side effects outside the store. InTx on a Store that is already a
	// transaction runs fn in the same transaction.
	//
	// Transactions are serializable: a read-modify-write inside one InTx
	// never loses a concurrent update (SQLite has one writer; PostgreSQL
	// runs SERIALIZABLE and retries serialization failures).
	InTx(ctx context.Context, fn func(tx Store) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Close releases the database. It is not valid inside a transaction.
	Close() error
}

// Page selects a window of a listing. Max <= 0 means no limit.
type Page struct {
	First int
	Max   int
}

// RealmStore keeps realms. Realm names are unique and case-sensitive.
type RealmStore interface {
	CreateRealm(ctx context.Context, r *model.Realm) error
	GetRealm(ctx context.Context, id string) (*model.Realm, error)
	GetRealmByName(ctx context.Context, name string) (*model.Realm, error)
	// ListRealms returns all realms ordered by name.
	ListRealms(ctx context.Context) ([]model.Realm, error)
	// UpdateRealm replaces the realm's settings and name (ErrConflict when
	// renamed onto an existing name).
	UpdateRealm(ctx context.Context, r *model.Realm) error
	// DeleteRealm removes the realm and everything in it.
	DeleteRealm(ctx context.Context, id string) error
}

// Match says how a search token compares with a user's username, email,
// first and last name (always case-insensitively).
type Match int

const (
	// MatchPrefix: the value starts with Text (Keycloak's default). It is
	// served by index ranges.
	MatchPrefix Match = iota
	// MatchInfix: the value contains Text (Keycloak's *text*).
	MatchInfix
	// MatchExact: the value is Text (Keycloak's "text").
	MatchExact
	// MatchPattern: Text holds '*' wildcards, each standing for any run of
	// characters, and the value may go on after the last character
	// (Keycloak's foo*bar, which means foo%bar%).
	MatchPattern
)

// SearchToken is one word of a user search: it matches a user when the
// username, email, first name or last name matches it.
type SearchToken struct {
	Text  string
	Match Match
}

// UserQuery filters a user listing. Empty strings do not filter.
type UserQuery struct {
	// Search holds tokens that must all match (AND); each matches any of
	// username, email, first or last name (OR). Empty: no search.
	Search    []SearchToken
	Username  string
	Email     string
	FirstName string
	LastName  string
	// Exact makes Username, Email, FirstName and LastName match whole values
	// (case-insensitively); otherwise they match as substrings.
	Exact         bool
	Enabled       *bool
	EmailVerified *bool
	// Attributes requires each name to have the given value: the name
	// exactly, the value case-insensitively (Keycloak's q= search).
	Attributes map[string]string
	// IncludeServiceAccounts lists service-account users too.
	IncludeServiceAccounts bool
	Page
}

// UserStore keeps users, their attributes and required actions.
//
// uniqueEmail says whether the email takes part in the realm's email
// uniqueness (false when the realm allows duplicate emails); the user
// service derives it from the realm.
type UserStore interface {
	CreateUser(ctx context.Context, u *model.User, uniqueEmail bool) error
	GetUser(ctx context.Context, realmID, id string) (*model.User, error)
	GetUserByUsername(ctx context.Context, realmID, username string) (*model.User, error)
	// GetUserByEmail returns the oldest user with that email.
	GetUserByEmail(ctx context.Context, realmID, email string) (*model.User, error)
	GetServiceAccountUser(ctx context.Context, realmID, clientID string) (*model.User, error)
	// UpdateUser replaces every field, attributes and required actions
	// included. RealmID, ID and CreatedAt are not changed.
	UpdateUser(ctx context.Context, u *model.User, uniqueEmail bool) error
	DeleteUser(ctx context.Context, realmID, id string) error
	// ListUsers returns matching users ordered by username.
	ListUsers(ctx context.Context, realmID string, q UserQuery) ([]model.User, error)
	// CountUsers counts matching users, ignoring q.Page.
	CountUsers(ctx context.Context, realmID string, q UserQuery) (int, error)
}

// CredentialStore keeps users' credentials.
type CredentialStore interface {
	CreateCredential(ctx context.Context, c *model.Credential) error
	// ListCredentials returns a user's credentials ordered by priority, then
	// creation time.
	ListCredentials(ctx context.Context, userID string) ([]model.Credential, error)
	// UpdateCredential replaces every field but ID and UserID, CreatedAt
	// included: a credential's date is when its secret was set (Keycloak's
	// createdDate), which password history ordering relies on.
	UpdateCredential(ctx context.Context, c *model.Credential) error
	DeleteCredential(ctx context.Context, userID, id string) error
}

// ClientQuery filters a client listing.
type ClientQuery struct {
	// ClientID matches exactly, or as a case-insensitive substring when
	// Search is true.
	ClientID string
	Search   bool
	Page
}

// ClientStore keeps clients. ClientID is unique per realm (case-sensitive).
type ClientStore interface {
	CreateClient(ctx context.Context, c *model.Client) error
	GetClient(ctx context.Context, realmID, id string) (*model.Client, error)
	GetClientByClientID(ctx context.Context, realmID, clientID string) (*model.Client, error)
	// ListClients returns matching clients ordered by clientId.
	ListClients(ctx context.Context, realmID string, q ClientQuery) ([]model.Client, error)
	UpdateClient(ctx context.Context, c *model.Client) error
	// DeleteClient removes the client with its roles and their mappings.
	DeleteClient(ctx context.Context, realmID, id string) error
}

// RoleQuery filters a role listing.
type RoleQuery struct {
	// Search matches a case-insensitive substring of the name.
	Search string
	Page
}

// RoleStore keeps realm and client roles, composites and user role mappings.
type RoleStore interface {
	CreateRole(ctx context.Context, r *model.Role) error
	GetRole(ctx context.Context, realmID, id string) (*model.Role, error)
	// GetRoleByName finds a realm role (clientID "") or a client role.
	GetRoleByName(ctx context.Context, realmID, clientID, name string) (*model.Role, error)
	// ListRoles lists realm roles (clientID "") or one client's roles,
	// ordered by name.
	ListRoles(ctx context.Context, realmID, clientID string, q RoleQuery) ([]model.Role, error)
	UpdateRole(ctx context.Context, r *model.Role) error
	DeleteRole(ctx context.Context, realmID, id string) error

	// AddComposites makes childIDs children of parentID; existing links are
	// kept without error.
	AddComposites(ctx context.Context, realmID, parentID string, childIDs []string) error
	RemoveComposites(ctx context.Context, realmID, parentID string, childIDs []string) error
	// ListComposites returns the direct children of parentID ordered by name.
	ListComposites(ctx context.Context, realmID, parentID string) ([]model.Role, error)

	// GrantUserRoles maps roles to a user; existing mappings are kept
	// without error.
	GrantUserRoles(ctx context.Context, realmID, userID string, roleIDs []string) error
	RevokeUserRoles(ctx context.Context, realmID, userID string, roleIDs []string) error
	// ListUserRoles returns the roles mapped directly to the user, ordered
	// by name.
	ListUserRoles(ctx context.Context, realmID, userID string) ([]model.Role, error)
	// ListRoleUsers returns users directly holding the role, by username.
	ListRoleUsers(ctx context.Context, realmID, roleID string, p Page) ([]model.User, error)
}

// KeyStore keeps realms' signing keys.
type KeyStore interface {
	CreateKey(ctx context.Context, k *model.SigningKey) error
	// ListKeys returns a realm's keys by descending priority, then creation.
	ListKeys(ctx context.Context, realmID string) ([]model.SigningKey, error)
	UpdateKey(ctx context.Context, k *model.SigningKey) error
	DeleteKey(ctx context.Context, realmID, id string) error
}

// SessionStore keeps user sessions.
type SessionStore interface {
	// CreateSession stores a session; ErrNotFound when the user is not in
	// the realm.
	CreateSession(ctx context.Context, s *model.Session) error
	// GetSession returns a session of the realm, expired or not: callers
	// decide with Expired, so that they can answer "Session not active".
	GetSession(ctx context.Context, realmID, id string) (*model.Session, error)
	// UpdateSession replaces LastRefresh, IdleExpires, MaxExpires and
	// Clients (the other fields never change).
	UpdateSession(ctx context.Context, s *model.Session) error
	DeleteSession(ctx context.Context, realmID, id string) error
	// ListUserSessions returns a user's sessions, oldest first.
	ListUserSessions(ctx context.Context, realmID, userID string) ([]model.Session, error)
	// DeleteUserSessions ends every session of a user; it returns how many.
	DeleteUserSessions(ctx context.Context, realmID, userID string) (int, error)
	// ListClientSessions returns the live (not expired at now), online (not
	// offline) sessions of the realm in which the client obtained tokens,
	// oldest first, then by id.
	ListClientSessions(ctx context.Context, realmID, clientID string, now time.Time, p Page) ([]model.Session, error)
	// CountClientSessions counts what ListClientSessions lists, ignoring
	// paging.
	CountClientSessions(ctx context.Context, realmID, clientID string, now time.Time) (int, error)
	// DeleteRealmSessions ends every session of a realm, offline ones
	// included; it returns how many.
	DeleteRealmSessions(ctx context.Context, realmID string) (int, error)
	// DeleteExpiredSessions removes sessions of every realm whose idle or
	// max expiry is at or before now, at most limit of them (limit <= 0: no
	// bound); it returns how many it removed.
	DeleteExpiredSessions(ctx context.Context, now time.Time, limit int) (int, error)
}

// EventQuery filters a listing of user events. Empty values do not filter.
type EventQuery struct {
	Types     []string
	ClientID  string
	UserID    string
	IPAddress string
	// From and To bound the event time (inclusive); zero means unbounded.
	From time.Time
	To   time.Time
	Page
}

// EventStore keeps user events.
type EventStore interface {
	AppendEvent(ctx context.Context, e *model.Event) error
	// ListEvents returns matching events of a realm, newest first.
	ListEvents(ctx context.Context, realmID string, q EventQuery) ([]model.Event, error)
	// DeleteEvents removes a realm's events older than before (all of them
	// when before is zero) and returns how many.
	DeleteEvents(ctx context.Context, realmID string, before time.Time) (int, error)
}

// AdminEventQuery filters a listing of admin events. Empty values do not
// filter.
type AdminEventQuery struct {
	OperationTypes []string
	ResourceTypes  []string
	// ResourcePath matches exactly, or as a prefix when it ends in "*"
	// (Keycloak's resourcePath=users/*).
	ResourcePath  string
	AuthRealmID   string
	AuthClientID  string
	AuthUserID    string
	AuthIPAddress string
	// From and To bound the event time (inclusive, as EventQuery's); zero
	// means unbounded.
	From time.Time
	To   time.Time
	Page
}

// AdminEventStore keeps admin events.
type AdminEventStore interface {
	AppendAdminEvent(ctx context.Context, e *model.AdminEvent) error
	// ListAdminEvents returns matching events of a realm, newest first.
	ListAdminEvents(ctx context.Context, realmID string, q AdminEventQuery) ([]model.AdminEvent, error)
	// DeleteAdminEvents removes a realm's admin events older than before
	// (all when zero) and returns how many.
	DeleteAdminEvents(ctx context.Context, realmID string, before time.Time) (int, error)
}

// OutboxStore keeps e-mails waiting to be sent.
type OutboxStore interface {
	// EnqueueMessage stores a pending message (call it inside the
	// transaction of the change that asks for the mail). Status, ID,
	// CreatedAt and NextAttempt (now) are set when empty.
	EnqueueMessage(ctx context.Context, m *model.OutboxMessage) error
	// ClaimMessages atomically takes up to limit pending messages whose
	// NextAttempt and ClaimedUntil are at or before now, oldest first,
	// sets their ClaimedUntil to now+lease and counts the attempt. Two
	// concurrent callers (processes) never get the same message.
	ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]model.OutboxMessage, error)
	// MarkMessageSent records a delivery.
	MarkMessageSent(ctx context.Context, id string, at time.Time) error
	// MarkMessageFailed records a failed attempt: the message is retried
	// at next, or, when final, left failed for good.
	MarkMessageFailed(ctx context.Context, id, lastError string, next time.Time, final bool) error
	GetMessage(ctx context.Context, id string) (*model.OutboxMessage, error)
	// ListMessages returns a realm's messages to one address (all
	// addresses when to is ""), newest first.
	ListMessages(ctx context.Context, realmID, to string, p Page) ([]model.OutboxMessage, error)
	// CountMessages counts messages by status across realms (for metrics).
	CountMessages(ctx context.Context, status string) (int, error)
}

// CodeStore keeps email-verification codes, one per user.
type CodeStore interface {
	// PutCode stores c, replacing the user's previous code.
	PutCode(ctx context.Context, c *model.VerificationCode) error
	GetCode(ctx context.Context, realmID, userID string) (*model.VerificationCode, error)
	// AddCodeAttempt counts one wrong attempt and returns the new count.
	AddCodeAttempt(ctx context.Context, realmID, userID string) (int, error)
	DeleteCode(ctx context.Context, realmID, userID string) error
}
