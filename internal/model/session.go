package model

import "time"

// Session is a user's login session (Keycloak's user session), created by
// a password login, extended by refreshes, ended by logout or expiry. It
// lives in the store so that a refresh or logout on any process works.
type Session struct {
	ID      string
	RealmID string
	UserID  string
	// Started is when the user logged in; LastRefresh when a token was last
	// issued from it.
	Started     time.Time
	LastRefresh time.Time
	// IdleExpires and MaxExpires are derived from the realm's lifespans by
	// the token service when the session is created or refreshed; the store
	// only compares them with now.
	IdleExpires time.Time
	MaxExpires  time.Time
	RememberMe  bool
	Offline     bool
	IPAddress   string
	// Clients are the internal ids of the clients that obtained tokens in
	// this session (Keycloak's client sessions), in first-use order.
	Clients []string
}

// Expired reports whether the session is past either of its limits.
func (s *Session) Expired(now time.Time) bool {
	return !now.Before(s.IdleExpires) || !now.Before(s.MaxExpires)
}

// Event is a user event (Keycloak's EventRepresentation): LOGIN,
// LOGIN_ERROR, REGISTER, ... with Keycloak's type and error ids.
type Event struct {
	ID        string
	RealmID   string
	Time      time.Time
	Type      string // "LOGIN", "LOGIN_ERROR", ...
	ClientID  string // the client's clientId (not its internal id), as Keycloak records it
	UserID    string
	SessionID string
	IPAddress string
	Error     string // Keycloak error id, e.g. "invalid_user_credentials"
	Details   map[string]string
}

// AdminEvent records a change made through the admin API (Keycloak's
// AdminEventRepresentation): who did what to which resource.
type AdminEvent struct {
	ID      string
	RealmID string // the realm changed
	Time    time.Time
	// Auth details: the caller's realm, client (its internal id, as
	// Keycloak records it), user and address.
	AuthRealmID   string
	AuthClientID  string
	AuthUserID    string
	AuthIPAddress string
	OperationType string // CREATE, UPDATE, DELETE, ACTION
	ResourceType  string // USER, CLIENT, REALM, REALM_ROLE, CLIENT_ROLE, REALM_ROLE_MAPPING, ...
	ResourcePath  string // e.g. "users/0f8c..."
	// Representation is the JSON sent (secrets removed), when the realm
	// records details; empty otherwise.
	Representation string
	Error          string
	Details        map[string]string
}
