// Package signing makes and reads realms' token-signing keys. Keys are kept
// in the store (not in process memory) so that every latchkey process on a
// shared database signs and verifies with the same keys.
package signing
