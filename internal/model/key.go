package model

import "time"

// SigningKey is a realm's key for signing tokens. Keys live in the database
// so that every process on a shared store signs and verifies with the same
// keys.
type SigningKey struct {
	ID      string // the JWS "kid"
	RealmID string
	// Algorithm is the JWS algorithm: RS256, ES256, EdDSA, HS512, ...
	Algorithm string
	Use       string // "sig" (or "enc")
	// PrivateKey is PKCS#8 DER for asymmetric keys, or the raw secret for
	// HMAC keys.
	PrivateKey []byte
	// Certificate is a DER X.509 certificate for the public key, if any.
	Certificate []byte
	Active      bool // used to sign new tokens
	Enabled     bool // accepted for verification
	Priority    int64
	CreatedAt   time.Time
}
