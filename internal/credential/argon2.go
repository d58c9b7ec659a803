package credential

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the parameters of a new argon2id hash.
type Argon2Params struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
	HashLength  uint32
	SaltLength  int
}

// DefaultArgon2 is Keycloak 25+'s default (Argon2Parameters.java: type id,
// version 1.3, hashLength 32, memory 7168 KiB, iterations 5, parallelism 1;
// Salt.generateSalt: 16 bytes).
var DefaultArgon2 = Argon2Params{MemoryKiB: 7168, Iterations: 5, Parallelism: 1, HashLength: 32, SaltLength: 16}

// Limits on stored argon2 parameters we agree to compute: an imported
// credential must not be able to make one login take gigabytes or minutes.
const (
	maxArgon2MemoryKiB  = 1 << 20 // 1 GiB
	maxArgon2Iterations = 1000
	maxArgon2HashLength = 1024
)

// argon2Target is what Hash uses: the server's parameters (p.Argon2, each
// zero field DefaultArgon2's), whose time cost a policy's hashIterations
// replaces: Keycloak's encodedCredential takes -1 as the provider's
// configured default and ignores values over 100.
func argon2Target(p Params) Argon2Params {
	a := DefaultArgon2
	if p.Argon2.MemoryKiB > 0 {
		a.MemoryKiB = p.Argon2.MemoryKiB
	}
	if p.Argon2.Iterations > 0 {
		a.Iterations = p.Argon2.Iterations
	}
	if p.Argon2.Parallelism > 0 {
		a.Parallelism = p.Argon2.Parallelism
	}
	if p.Iterations >= 1 && p.Iterations <= 100 {
		a.Iterations = uint32(p.Iterations)
	}
	return a
}

// HashArgon2 hashes password with argon2id, version 1.3, and a fresh random
// salt, in Keycloak's credential model. It does not wait for a Hasher slot:
// prefer Hasher.Hash.
func HashArgon2(password string, p Argon2Params) (Encoded, error) {
	if p.SaltLength <= 0 || p.Iterations == 0 || p.Parallelism == 0 || p.HashLength == 0 || p.MemoryKiB == 0 {
		return Encoded{}, fmt.Errorf("credential: invalid argon2 parameters %+v", p)
	}
	salt := make([]byte, p.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return Encoded{}, fmt.Errorf("credential: salt: %w", err)
	}
	return encodeArgon2(password, salt, p)
}

func encodeArgon2(password string, salt []byte, p Argon2Params) (Encoded, error) {
	sum := argon2.IDKey([]byte(password), salt, p.Iterations, p.MemoryKiB, p.Parallelism, p.HashLength)
	return encode(
		SecretData{Value: base64.StdEncoding.EncodeToString(sum), Salt: base64.StdEncoding.EncodeToString(salt)},
		CredentialData{
			HashIterations: int(p.Iterations),
			Algorithm:      AlgorithmArgon2,
			AdditionalParameters: ParamMap{
				"hashLength":  {strconv.Itoa(int(p.HashLength))},
				"memory":      {strconv.Itoa(int(p.MemoryKiB))},
				"type":        {"id"},
				"version":     {"1.3"},
				"parallelism": {strconv.Itoa(int(p.Parallelism))},
			},
		})
}

// VerifyArgon2 checks password against an argon2 credential made with any
// parameters, in constant time, without waiting for a Hasher slot: prefer
// Hasher.Verify.
func VerifyArgon2(password string, e Encoded) (bool, error) {
	st, err := parse(e)
	if err != nil {
		return false, err
	}
	if st.algorithm != AlgorithmArgon2 {
		return false, fmt.Errorf("%w: algorithm %q is not argon2", ErrUnsupported, st.algorithm)
	}
	check, err := argon2Verifier(st)
	if err != nil {
		return false, err
	}
	return check(password), nil
}

// argon2Stored are the parameters of a stored argon2 credential, all of which
// Keycloak's verify requires (it fails on any missing one).
type argon2Stored struct {
	typ, version                  string
	hashLength, memory, parallels int
}

func readArgon2(st stored) (argon2Stored, error) {
	var a argon2Stored
	var ok bool
	if a.typ, ok = st.params.first("type"); !ok {
		return a, fmt.Errorf("%w: argon2 credential without type", ErrMalformed)
	}
	if a.version, ok = st.params.first("version"); !ok {
		return a, fmt.Errorf("%w: argon2 credential without version", ErrMalformed)
	}
	for _, f := range []struct {
		key string
		dst *int
	}{{"hashLength", &a.hashLength}, {"memory", &a.memory}, {"parallelism", &a.parallels}} {
		s, ok := st.params.first(f.key)
		if !ok {
			return a, fmt.Errorf("%w: argon2 credential without %s", ErrMalformed, f.key)
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return a, fmt.Errorf("%w: argon2 %s %q", ErrMalformed, f.key, s)
		}
		*f.dst = n
	}
	return a, nil
}

func argon2Verifier(st stored) (func(string) bool, error) {
	a, err := readArgon2(st)
	if err != nil {
		return nil, err
	}
	var kdf func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
	switch a.typ {
	case "id":
		kdf = argon2.IDKey
	case "i":
		kdf = argon2.Key
	case "d":
		return nil, fmt.Errorf("%w: argon2 type d (Argon2d) is not implemented by golang.org/x/crypto/argon2, which has only Argon2i and Argon2id", ErrUnsupported)
	default:
		return nil, fmt.Errorf("%w: argon2 type %q", ErrMalformed, a.typ)
	}
	switch a.version {
	case "1.3":
	case "1.0":
		return nil, fmt.Errorf("%w: argon2 version 1.0 is not implemented by golang.org/x/crypto/argon2, which has only version 1.3", ErrUnsupported)
	default:
		return nil, fmt.Errorf("%w: argon2 version %q", ErrMalformed, a.version)
	}
	switch {
	case st.iterations < 1:
		return nil, fmt.Errorf("%w: argon2 hashIterations %d", ErrMalformed, st.iterations)
	case a.parallels > 255:
		return nil, fmt.Errorf("%w: argon2 parallelism %d is over 255", ErrUnsupported, a.parallels)
	case a.memory < 8*a.parallels:
		return nil, fmt.Errorf("%w: argon2 memory %d KiB is under 8 x parallelism", ErrMalformed, a.memory)
	case a.memory > maxArgon2MemoryKiB || st.iterations > maxArgon2Iterations || a.hashLength > maxArgon2HashLength:
		return nil, fmt.Errorf("%w: argon2 parameters over latchkey's limits (memory %d KiB, iterations %d, hash length %d)",
			ErrUnsupported, maxArgon2MemoryKiB, maxArgon2Iterations, maxArgon2HashLength)
	case len(st.salt) == 0:
		return nil, fmt.Errorf("%w: argon2 credential without salt", ErrMalformed)
	}
	want, err := decodeBase64(st.value)
	if err != nil {
		return nil, fmt.Errorf("%w: argon2 value is not Base64", ErrMalformed)
	}
	if len(want) != a.hashLength {
		return nil, fmt.Errorf("%w: argon2 value is %d bytes, hashLength says %d", ErrMalformed, len(want), a.hashLength)
	}
	salt, t, m, p, n := st.salt, uint32(st.iterations), uint32(a.memory), uint8(a.parallels), uint32(a.hashLength)
	return func(password string) bool {
		return subtle.ConstantTimeCompare(kdf([]byte(password), salt, t, m, p, n), want) == 1
	}, nil
}

func argon2NeedsRehash(st stored, want Argon2Params) bool {
	a, err := readArgon2(st)
	if err != nil {
		return true
	}
	return st.iterations != int(want.Iterations) || a.typ != "id" || a.version != "1.3" ||
		a.hashLength != int(want.HashLength) || a.memory != int(want.MemoryKiB) || a.parallels != int(want.Parallelism)
}
