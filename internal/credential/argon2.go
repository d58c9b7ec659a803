package credential

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"golang.org/x/crypto/argon2"
)

// AlgorithmArgon2 is Keycloak's provider id for Argon2 hashes.
const AlgorithmArgon2 = "argon2"

// Argon2Params are the parameters of an argon2id hash. The defaults are
// Keycloak 25+'s: version 1.3, 7168 KiB, 5 iterations, parallelism 1, a
// 32-byte hash and a 16-byte salt.
type Argon2Params struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
	HashLength  uint32
	SaltLength  int
}

// DefaultArgon2 is Keycloak 26's default.
var DefaultArgon2 = Argon2Params{MemoryKiB: 7168, Iterations: 5, Parallelism: 1, HashLength: 32, SaltLength: 16}

// HashArgon2 hashes password with argon2id and a fresh random salt.
func HashArgon2(password string, p Argon2Params) (Encoded, error) {
	salt := make([]byte, p.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return Encoded{}, fmt.Errorf("credential: salt: %w", err)
	}
	sum := argon2.IDKey([]byte(password), salt, p.Iterations, p.MemoryKiB, p.Parallelism, p.HashLength)
	return encode(
		SecretData{Value: base64.StdEncoding.EncodeToString(sum), Salt: base64.StdEncoding.EncodeToString(salt)},
		CredentialData{
			HashIterations: int(p.Iterations),
			Algorithm:      AlgorithmArgon2,
			AdditionalParameters: map[string][]string{
				"hashLength":  {strconv.Itoa(int(p.HashLength))},
				"memory":      {strconv.Itoa(int(p.MemoryKiB))},
				"type":        {"id"},
				"version":     {"1.3"},
				"parallelism": {strconv.Itoa(int(p.Parallelism))},
			},
		})
}

// VerifyArgon2 checks password against an argon2id credential made with
// any parameters, comparing in constant time.
func VerifyArgon2(password string, e Encoded) (bool, error) {
	var s SecretData
	var c CredentialData
	if err := json.Unmarshal([]byte(e.SecretData), &s); err != nil {
		return false, fmt.Errorf("credential: secret data: %w", err)
	}
	if err := json.Unmarshal([]byte(e.CredentialData), &c); err != nil {
		return false, fmt.Errorf("credential: credential data: %w", err)
	}
	if c.Algorithm != AlgorithmArgon2 {
		return false, fmt.Errorf("credential: algorithm %q is not argon2", c.Algorithm)
	}
	if t := first(c.AdditionalParameters, "type", "id"); t != "id" {
		return false, fmt.Errorf("credential: argon2 type %q not supported yet", t)
	}
	want, err := base64.StdEncoding.DecodeString(s.Value)
	if err != nil {
		return false, fmt.Errorf("credential: hash value: %w", err)
	}
	salt, err := base64.StdEncoding.DecodeString(s.Salt)
	if err != nil {
		return false, fmt.Errorf("credential: salt: %w", err)
	}
	mem, err1 := strconv.ParseUint(first(c.AdditionalParameters, "memory", "7168"), 10, 32)
	par, err2 := strconv.ParseUint(first(c.AdditionalParameters, "parallelism", "1"), 10, 8)
	if err1 != nil || err2 != nil || c.HashIterations <= 0 || len(want) == 0 {
		return false, fmt.Errorf("credential: bad argon2 parameters")
	}
	got := argon2.IDKey([]byte(password), salt, uint32(c.HashIterations), uint32(mem), uint8(par), uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func first(m map[string][]string, key, def string) string {
	if v := m[key]; len(v) > 0 {
		return v[0]
	}
	return def
}
