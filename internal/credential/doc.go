// Package credential turns passwords into stored credentials and checks
// passwords against them, in Keycloak's credential model (the secretData and
// credentialData JSON of PasswordCredentialModel), so that hashes move
// between Keycloak and latchkey in both directions without anyone resetting
// a password.
//
// New hashes use argon2id with Keycloak 25+'s parameters unless the realm's
// policy asks for hashAlgorithm(pbkdf2-sha512|pbkdf2-sha256|pbkdf2|bcrypt)
// and hashIterations(n), with Keycloak 24+'s defaults for each. Verification
// accepts every format a Keycloak export carries: argon2 (types id and i,
// version 1.3, any parameters), the three PBKDF2 providers with any
// iteration count and key length, the deprecated hashedSaltedValue form
// (see EncodeLegacy), and bcrypt from the keycloak-bcrypt extension.
// Argon2d and Argon2 version 1.0 are refused with ErrUnsupported:
// golang.org/x/crypto/argon2 does not implement them.
//
// Hashing is the most expensive thing the server does, so it runs through a
// Hasher that bounds concurrency and reports queueing and durations.
// Passwords never appear in errors or logs.
package credential
