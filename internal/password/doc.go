// Package password is where a realm's password rules meet the store: it
// checks a new password against the realm's policy (history included),
// hashes it with the realm's algorithm outside any transaction, saves it
// with Keycloak's history rotation, and verifies a login, re-hashing a
// credential made with outdated parameters. Every path that sets or checks
// a password (bootstrap, import, admin, registration, the password grant)
// goes through it.
package password
