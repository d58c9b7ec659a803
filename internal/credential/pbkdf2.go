package credential

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
)

// pbkdf2Scheme is one of Keycloak's PBKDF2 providers
// (server-spi-private/.../credential/hash/Pbkdf2*PasswordHashProviderFactory,
// Keycloak 24+): its HMAC hash, default iterations and derived-key length.
type pbkdf2Scheme struct {
	id         string
	newHash    func() hash.Hash
	iterations int
	keyLen     int // bytes; Keycloak's derivedKeySize / 8
}

var pbkdf2Schemes = map[string]pbkdf2Scheme{
	// DEFAULT_ITERATIONS = 210_000, DEFAULT_DERIVED_KEY_SIZE = 512.
	AlgorithmPBKDF2SHA512: {AlgorithmPBKDF2SHA512, sha512.New, 210_000, 64},
	// DEFAULT_ITERATIONS = 600_000, derived key 256 bits (21+; 512 before).
	AlgorithmPBKDF2SHA256: {AlgorithmPBKDF2SHA256, sha256.New, 600_000, 32},
	// DEFAULT_ITERATIONS = 1_300_000, DEFAULT_DERIVED_KEY_SIZE = 512.
	AlgorithmPBKDF2: {AlgorithmPBKDF2, sha1.New, 1_300_000, 64},
}

// Limits on stored PBKDF2 parameters we agree to compute.
const (
	maxPBKDF2Iterations = 10_000_000
	maxPBKDF2KeyLen     = 1024
)

// target is the iteration count for a policy's hashIterations: Keycloak uses
// the provider default for -1 and the policy value otherwise.
func (s pbkdf2Scheme) target(iterations int) int {
	if iterations <= 0 {
		return s.iterations
	}
	return iterations
}

func (s pbkdf2Scheme) hash(password string, iterations int) (Encoded, error) {
	salt := make([]byte, 16) // Pbkdf2PasswordHashProvider.getSalt: 16 bytes
	if _, err := rand.Read(salt); err != nil {
		return Encoded{}, fmt.Errorf("credential: salt: %w", err)
	}
	return s.encode(password, salt, iterations)
}

func (s pbkdf2Scheme) encode(password string, salt []byte, iterations int) (Encoded, error) {
	key, err := pbkdf2.Key(s.newHash, password, salt, iterations, s.keyLen)
	if err != nil {
		return Encoded{}, fmt.Errorf("credential: %s: %w", s.id, err)
	}
	return encode(
		SecretData{Value: base64.StdEncoding.EncodeToString(key), Salt: base64.StdEncoding.EncodeToString(salt)},
		CredentialData{HashIterations: iterations, Algorithm: s.id})
}

// verifier derives a key as long as the stored one (Keycloak: keySize =
// 8 x decoded length), so 64-byte pbkdf2-sha256 hashes from Keycloak <= 20
// verify beside today's 32-byte ones.
//
// Keycloak can pad short passwords with NUL characters (the FIPS-only
// max-padding-length option). HMAC pads its key with zeros to the block size,
// so a padded and an unpadded password give the same PBKDF2 output and no
// padding is needed here.
func (s pbkdf2Scheme) verifier(st stored) (func(string) bool, error) {
	switch {
	case st.iterations < 1:
		return nil, fmt.Errorf("%w: %s hashIterations %d", ErrMalformed, s.id, st.iterations)
	case st.iterations > maxPBKDF2Iterations:
		return nil, fmt.Errorf("%w: %s with %d iterations is over the limit of %d", ErrUnsupported, s.id, st.iterations, maxPBKDF2Iterations)
	case len(st.salt) == 0:
		return nil, fmt.Errorf("%w: %s credential without salt", ErrMalformed, s.id)
	}
	want, err := decodeBase64(st.value)
	if err != nil {
		return nil, fmt.Errorf("%w: %s value is not Base64", ErrMalformed, s.id)
	}
	if len(want) == 0 || len(want) > maxPBKDF2KeyLen {
		return nil, fmt.Errorf("%w: %s value of %d bytes", ErrMalformed, s.id, len(want))
	}
	salt, it := st.salt, st.iterations
	return func(password string) bool {
		got, err := pbkdf2.Key(s.newHash, password, salt, it, len(want))
		return err == nil && subtle.ConstantTimeCompare(got, want) == 1
	}, nil
}
