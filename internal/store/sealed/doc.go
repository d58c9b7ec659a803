// Package sealed keeps client secrets and realms' SMTP passwords encrypted
// at rest. Store wraps a store.Store: it seals those fields with
// AES-256-GCM before they are written and opens them when they are read,
// so the database (and its backups) hold only ciphertext, while the rest
// of latchkey, and the admin API that must show a client its secret as
// Keycloak does, sees the clear value.
//
// Each sealed value is bound to its record (the client's or the realm's
// id and the field), so a value copied onto another record does not open.
// Values written before sealing was turned on are read as they are and
// sealed by SealAll, which also proves at start-up that the key is the
// one the database was sealed with.
package sealed
