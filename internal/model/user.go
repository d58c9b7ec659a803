package model

import "time"

// User is an account in a realm. Username and Email are kept lower-case, as
// Keycloak keeps them; the stores lower-case them on write so that uniqueness
// and look-ups are case-insensitive whatever the caller passed.
type User struct {
	ID            string
	RealmID       string
	Username      string
	Email         string
	FirstName     string
	LastName      string
	EmailVerified bool
	Enabled       bool
	CreatedAt     time.Time
	// ServiceAccountClientID is the internal id (not clientId) of the client
	// whose service account this user is; empty for people.
	ServiceAccountClientID string
	// NotBefore is Keycloak's per-user token revocation time (unix seconds).
	NotBefore int64
	// Attributes are multi-valued, as in Keycloak. Order of values is kept.
	Attributes map[string][]string
	// RequiredActions are Keycloak required-action ids (VERIFY_EMAIL, ...).
	RequiredActions []string
}

// Credential is a stored secret of a user, in Keycloak's credential model so
// that hashes move between latchkey and Keycloak unchanged. SecretData and
// CredentialData are the JSON documents Keycloak stores under those names.
type Credential struct {
	ID             string
	UserID         string
	Type           string // "password", "password-history", ...
	UserLabel      string
	CreatedAt      time.Time
	SecretData     string
	CredentialData string
	Priority       int
}

// Credential types Keycloak defines and latchkey stores.
const (
	CredentialPassword        = "password"
	CredentialPasswordHistory = "password-history"
)
