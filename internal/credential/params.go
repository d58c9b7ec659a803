package credential

import (
	"fmt"
)

// Keycloak's password-hash provider ids (PasswordHashProviderFactory.getId),
// plus "bcrypt" from the widely used keycloak-bcrypt extension.
const (
	AlgorithmArgon2       = "argon2"
	AlgorithmPBKDF2SHA512 = "pbkdf2-sha512"
	AlgorithmPBKDF2SHA256 = "pbkdf2-sha256"
	AlgorithmPBKDF2       = "pbkdf2" // PBKDF2-HMAC-SHA1
	AlgorithmBcrypt       = "bcrypt"
)

// DefaultAlgorithm is Keycloak 25+'s default provider (highest order()):
// argon2 300, pbkdf2-sha512 200, pbkdf2-sha256 100, pbkdf2 -100.
const DefaultAlgorithm = AlgorithmArgon2

// Params choose how new hashes are made: the realm policy's
// hashAlgorithm(...) and hashIterations(...). The zero value is Keycloak 26's
// default (argon2 with DefaultArgon2). Iterations <= 0 means the algorithm's
// default.
//
// For argon2, Iterations from 1 to 100 set the Argon2 time cost and anything
// else keeps the server's (Argon2.Iterations, by default 5), as Keycloak's
// Argon2PasswordHashProvider does (its policy value defaults to -1, and
// values over 100 are ignored with a warning). Memory and parallelism are
// not policy settings, in Keycloak either: they are the server's, Argon2
// (Keycloak's provider options spi-password-hashing-argon2-memory,
// -iterations, -parallelism; latchkey's --argon2-memory ...), and each zero
// field of Argon2 is DefaultArgon2's. The hash length stays 32 bytes. For
// bcrypt, Iterations is the cost (4..31, default 10).
type Params struct {
	Algorithm  string
	Iterations int
	// Argon2 are the server's argon2 parameters; only MemoryKiB,
	// Iterations and Parallelism are read.
	Argon2 Argon2Params
}

func (p Params) algorithm() string {
	if p.Algorithm == "" {
		return DefaultAlgorithm
	}
	return p.Algorithm
}

// resolveAlgorithm maps the legacy spellings of PBKDF2-HMAC-SHA1 to its id:
// an absent algorithm and "HmacSHA1" (see EncodeLegacy).
func resolveAlgorithm(a string) string {
	if a == "" || a == "HmacSHA1" {
		return AlgorithmPBKDF2
	}
	return a
}

// Supported reports whether credentials of this algorithm id can be verified
// (for import validation). The empty id is supported: Keycloak's legacy
// import made it PBKDF2-HMAC-SHA1.
func Supported(algorithm string) bool {
	switch resolveAlgorithm(algorithm) {
	case AlgorithmArgon2, AlgorithmPBKDF2SHA512, AlgorithmPBKDF2SHA256, AlgorithmPBKDF2, AlgorithmBcrypt:
		return true
	}
	return false
}

// CanHash reports whether new hashes can be made with this algorithm id (for
// validating a policy's hashAlgorithm(...)). The empty id means the default.
func CanHash(algorithm string) bool {
	_, _, err := hasherFor(Params{Algorithm: algorithm})
	return err == nil
}

// Validate checks that e can be verified (known algorithm, readable data,
// parameters within limits) without hashing anything: for import.
func Validate(e Encoded) error {
	st, err := parse(e)
	if err != nil {
		return err
	}
	_, err = verifierFor(st)
	return err
}

// Describe returns the algorithm and iterations of a stored credential, for
// the admin credential listing. The algorithm is resolved (a legacy credential
// without one is "pbkdf2"); for bcrypt the iterations are the cost read from
// the hash itself.
func Describe(e Encoded) (algorithm string, iterations int, err error) {
	st, err := parse(e)
	if err != nil {
		return "", 0, err
	}
	if st.algorithm == AlgorithmBcrypt {
		if c, err := bcryptCost(st.value); err == nil {
			return st.algorithm, c, nil
		}
	}
	return st.algorithm, st.iterations, nil
}

// NeedsRehash reports whether e was made differently from what p asks for
// now, as Keycloak's policyCheck does after a successful login: a different
// algorithm, iteration count or key length, and for argon2 any parameter
// (type, version, hash length, memory, parallelism). Unreadable data needs a
// rehash too.
//
// One deliberate difference: Keycloak's argon2 policyCheck compares the
// iterations with the provider's configured default even when the policy's
// hashIterations(n) made the hash with n, so such a realm re-hashes on every
// login. We compare with the iterations Hash would use for p. And when p
// cannot hash (an unknown algorithm, which policy validation should have
// refused), there is nothing to rehash to: false.
func NeedsRehash(e Encoded, p Params) bool {
	if _, _, err := hasherFor(p); err != nil {
		return false
	}
	st, err := parse(e)
	if err != nil {
		return true
	}
	want := p.algorithm()
	if st.algorithm != want {
		return true
	}
	switch want {
	case AlgorithmArgon2:
		return argon2NeedsRehash(st, argon2Target(p))
	case AlgorithmBcrypt:
		c, err := bcryptCost(st.value)
		return err != nil || c != bcryptTarget(p.Iterations)
	}
	s, ok := pbkdf2Schemes[want]
	if !ok {
		return true
	}
	key, err := decodeBase64(st.value)
	return err != nil || st.iterations != s.target(p.Iterations) || len(key) != s.keyLen
}

// verifierFor checks st and returns the comparison to run once a hashing
// slot is free. All comparisons are constant-time.
func verifierFor(st stored) (func(password string) bool, error) {
	switch st.algorithm {
	case AlgorithmArgon2:
		return argon2Verifier(st)
	case AlgorithmBcrypt:
		return bcryptVerifier(st)
	}
	if s, ok := pbkdf2Schemes[st.algorithm]; ok {
		return s.verifier(st)
	}
	return nil, fmt.Errorf("%w: algorithm %q", ErrUnsupported, st.algorithm)
}

// hasherFor returns the algorithm id and the function making a new credential
// for p.
func hasherFor(p Params) (string, func(password string) (Encoded, error), error) {
	a := p.algorithm()
	switch a {
	case AlgorithmArgon2:
		ap := argon2Target(p)
		return a, func(pw string) (Encoded, error) { return HashArgon2(pw, ap) }, nil
	case AlgorithmBcrypt:
		cost := bcryptTarget(p.Iterations)
		return a, func(pw string) (Encoded, error) { return hashBcrypt(pw, cost) }, nil
	}
	if s, ok := pbkdf2Schemes[a]; ok {
		it := s.target(p.Iterations)
		if it > maxPBKDF2Iterations {
			return a, nil, fmt.Errorf("%w: %s with %d iterations is over the limit of %d", ErrUnsupported, a, it, maxPBKDF2Iterations)
		}
		return a, func(pw string) (Encoded, error) { return s.hash(pw, it) }, nil
	}
	return a, nil, fmt.Errorf("%w: cannot hash with algorithm %q", ErrUnsupported, a)
}
