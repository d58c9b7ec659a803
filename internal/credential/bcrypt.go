package credential

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// bcrypt credentials follow the keycloak-bcrypt extension
// (leroyguillaume/keycloak-bcrypt, provider id "bcrypt", default cost 10):
// secretData value is the whole modular-crypt string ($2a$/$2b$/$2y$, cost
// and salt inside it), the salt is empty (createFromValues with new byte[0])
// and hashIterations holds the cost. Some versions of the extension store a
// round count or -1 there instead, so the cost is always read from the hash.

const (
	defaultBcryptCost = 10
	maxBcryptCost     = 16 // about 3 s per verification; beyond that is a denial of service
)

// ErrPasswordTooLong is returned when hashing more than 72 bytes with bcrypt,
// which would silently ignore the rest.
var ErrPasswordTooLong = errors.New("credential: bcrypt cannot hash a password longer than 72 bytes")

func bcryptTarget(iterations int) int {
	if iterations < bcrypt.MinCost || iterations > bcrypt.MaxCost {
		return defaultBcryptCost
	}
	return iterations
}

func hashBcrypt(password string, cost int) (Encoded, error) {
	if len(password) > 72 {
		return Encoded{}, ErrPasswordTooLong
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return Encoded{}, fmt.Errorf("credential: bcrypt: %w", err)
	}
	return encode(SecretData{Value: string(h)}, CredentialData{HashIterations: cost, Algorithm: AlgorithmBcrypt})
}

// bcryptCost reads the cost of a $2a$, $2b$ or $2y$ hash.
func bcryptCost(value string) (int, error) {
	if !strings.HasPrefix(value, "$2a$") && !strings.HasPrefix(value, "$2b$") && !strings.HasPrefix(value, "$2y$") {
		return 0, fmt.Errorf("%w: bcrypt value is not a $2a$, $2b$ or $2y$ hash", ErrMalformed)
	}
	c, err := bcrypt.Cost([]byte(value))
	if err != nil {
		return 0, fmt.Errorf("%w: bcrypt value: %v", ErrMalformed, err)
	}
	return c, nil
}

// bcryptVerifier compares with x/crypto's bcrypt, itself constant-time. As in
// jBCrypt, only the first 72 bytes of a password count.
func bcryptVerifier(st stored) (func(string) bool, error) {
	c, err := bcryptCost(st.value)
	if err != nil {
		return nil, err
	}
	if c > maxBcryptCost {
		return nil, fmt.Errorf("%w: bcrypt cost %d is over the limit of %d", ErrUnsupported, c, maxBcryptCost)
	}
	h := []byte(st.value)
	return func(password string) bool {
		return bcrypt.CompareHashAndPassword(h, []byte(password)) == nil
	}, nil
}
