// Package credential turns passwords into stored credentials and checks
// passwords against them, in Keycloak's credential model (secretData and
// credentialData JSON), so that hashes move between Keycloak and latchkey in
// both directions without anyone resetting a password.
package credential
