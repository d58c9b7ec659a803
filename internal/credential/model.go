package credential

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ErrUnsupported marks a stored credential latchkey cannot verify: an
// unknown algorithm, a variant the Go libraries do not implement (Argon2d,
// Argon2 version 1.0), or parameters beyond the limits below.
var ErrUnsupported = errors.New("credential: unsupported password hash")

// ErrMalformed marks stored credential data that cannot be read: bad JSON,
// bad Base64, missing or impossible parameters.
var ErrMalformed = errors.New("credential: malformed password credential")

// ParamMap is Keycloak's multivalued map of additional parameters
// (MultivaluedHashMap<String,String>). It decodes leniently, as Jackson does:
// a value may be a list or a single scalar (the Map<String,String> shape of
// Keycloak 11-13's algorithmData), and numbers are read as strings.
type ParamMap map[string][]string

// UnmarshalJSON accepts {"k":["v"]}, {"k":"v"} and {"k":[1]}.
func (m *ParamMap) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*m = nil
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(ParamMap, len(raw))
	for k, v := range raw {
		var list []json.RawMessage
		if err := json.Unmarshal(v, &list); err != nil {
			list = []json.RawMessage{v}
		}
		for _, item := range list {
			s, err := scalar(item)
			if err != nil {
				return fmt.Errorf("parameter %q: %w", k, err)
			}
			out[k] = append(out[k], s)
		}
	}
	*m = out
	return nil
}

// keycloakOrder is the order in which Keycloak's Java HashMap writes the
// argon2 parameters, so that our JSON is byte-for-byte what Keycloak writes.
var keycloakOrder = map[string]int{"hashLength": 0, "memory": 1, "type": 2, "version": 3, "parallelism": 4}

// MarshalJSON writes the known argon2 keys in Keycloak's order, then any
// others sorted.
func (m ParamMap) MarshalJSON() ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		oi, iok := keycloakOrder[keys[i]]
		oj, jok := keycloakOrder[keys[j]]
		switch {
		case iok && jok:
			return oi < oj
		case iok != jok:
			return iok
		}
		return keys[i] < keys[j]
	})
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vals := m[k]
		if vals == nil {
			vals = []string{}
		}
		vb, err := json.Marshal(vals)
		if err != nil {
			return nil, err
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func (m ParamMap) first(key string) (string, bool) {
	if v := m[key]; len(v) > 0 {
		return v[0], true
	}
	return "", false
}

// SecretData is Keycloak's PasswordSecretData: the hash and its salt, both
// standard padded Base64 (for bcrypt the value is the modular-crypt string
// and the salt is empty).
type SecretData struct {
	Value                string   `json:"value"`
	Salt                 string   `json:"salt"`
	AdditionalParameters ParamMap `json:"additionalParameters"`
}

// CredentialData is Keycloak's PasswordCredentialData: how the hash was made.
type CredentialData struct {
	HashIterations       int      `json:"hashIterations"`
	Algorithm            string   `json:"algorithm"`
	AdditionalParameters ParamMap `json:"additionalParameters"`
}

// UnmarshalJSON reads Keycloak's input forms: the parameters under
// "additionalParameters" (what Keycloak writes) or "algorithmData" (its
// @JsonCreator name), merged; hashIterations as a number or numeric string.
func (s *SecretData) UnmarshalJSON(b []byte) error {
	var in struct {
		Value         *json.RawMessage `json:"value"`
		Salt          *json.RawMessage `json:"salt"`
		Additional    ParamMap         `json:"additionalParameters"`
		AlgorithmData ParamMap         `json:"algorithmData"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	var err error
	if s.Value, err = optString(in.Value); err != nil {
		return fmt.Errorf("value: %w", err)
	}
	if s.Salt, err = optString(in.Salt); err != nil {
		return fmt.Errorf("salt: %w", err)
	}
	s.AdditionalParameters = merge(in.AlgorithmData, in.Additional)
	return nil
}

// UnmarshalJSON: see SecretData.UnmarshalJSON.
func (c *CredentialData) UnmarshalJSON(b []byte) error {
	var in struct {
		HashIterations *json.RawMessage `json:"hashIterations"`
		Algorithm      *json.RawMessage `json:"algorithm"`
		Additional     ParamMap         `json:"additionalParameters"`
		AlgorithmData  ParamMap         `json:"algorithmData"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	var err error
	if c.Algorithm, err = optString(in.Algorithm); err != nil {
		return fmt.Errorf("algorithm: %w", err)
	}
	c.HashIterations = 0
	if in.HashIterations != nil {
		s, err := scalar(*in.HashIterations)
		if err != nil {
			return fmt.Errorf("hashIterations: %w", err)
		}
		if s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("hashIterations: %w", err)
			}
			c.HashIterations = n
		}
	}
	c.AdditionalParameters = merge(in.AlgorithmData, in.Additional)
	return nil
}

func merge(a, b ParamMap) ParamMap {
	if len(a) == 0 {
		return b
	}
	out := ParamMap{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// scalar reads a JSON string, number, boolean or null as a string.
func scalar(b json.RawMessage) (string, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", errors.New("not a scalar")
}

func optString(b *json.RawMessage) (string, error) {
	if b == nil {
		return "", nil
	}
	var s *string
	if err := json.Unmarshal(*b, &s); err != nil {
		return "", err
	}
	if s == nil {
		return "", nil
	}
	return *s, nil
}

// Encoded is a password hash ready for a model.Credential: the two JSON
// strings Keycloak stores (and exports) as secretData and credentialData.
type Encoded struct {
	SecretData     string
	CredentialData string
}

func encode(s SecretData, c CredentialData) (Encoded, error) {
	if s.AdditionalParameters == nil {
		s.AdditionalParameters = ParamMap{}
	}
	if c.AdditionalParameters == nil {
		c.AdditionalParameters = ParamMap{}
	}
	sb, err := json.Marshal(s)
	if err != nil {
		return Encoded{}, fmt.Errorf("credential: encode secret data: %w", err)
	}
	cb, err := json.Marshal(c)
	if err != nil {
		return Encoded{}, fmt.Errorf("credential: encode credential data: %w", err)
	}
	return Encoded{SecretData: string(sb), CredentialData: string(cb)}, nil
}

// stored is a parsed credential.
type stored struct {
	algorithm  string // resolved: legacy spellings mapped, see resolveAlgorithm
	iterations int
	params     ParamMap
	value      string
	salt       []byte // nil when absent (null or "__SALT__")
}

func parse(e Encoded) (stored, error) {
	var s SecretData
	var c CredentialData
	if err := json.Unmarshal([]byte(e.SecretData), &s); err != nil {
		return stored{}, fmt.Errorf("%w: secret data: %v", ErrMalformed, err)
	}
	if err := json.Unmarshal([]byte(e.CredentialData), &c); err != nil {
		return stored{}, fmt.Errorf("%w: credential data: %v", ErrMalformed, err)
	}
	st := stored{algorithm: resolveAlgorithm(c.Algorithm), iterations: c.HashIterations,
		params: c.AdditionalParameters, value: s.Value}
	// PasswordSecretData treats a null salt and the "__SALT__" placeholder
	// as absent; an empty one (bcrypt's) carries nothing either.
	if s.Salt != "" && s.Salt != "__SALT__" {
		salt, err := decodeBase64(s.Salt)
		if err != nil {
			return stored{}, fmt.Errorf("%w: salt is not Base64", ErrMalformed)
		}
		st.salt = salt
	}
	return st, nil
}

// decodeBase64 reads Base64 the way Keycloak's decoders do: standard
// alphabet, line breaks and spaces ignored, padding optional.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// EncodeLegacy converts Keycloak's deprecated export form of a password
// credential (hashedSaltedValue, salt, hashIterations, algorithm) into the
// credential model, as Keycloak's import does.
//
// An absent algorithm becomes "pbkdf2" (PBKDF2-HMAC-SHA1), and so does the
// early spelling "HmacSHA1": that is what the Keycloak versions that wrote
// this form did on import (RepresentationToModel.createCredentials in
// Keycloak 1.x-3.x). Keycloak 26's convertDeprecatedCredentialsFormat keeps
// the algorithm null, after which login fails with no provider found; we
// follow the older behaviour so such users keep their passwords. Verify
// applies the same mapping to credentials already stored without one.
func EncodeLegacy(hashedSaltedValue, salt, algorithm string, iterations int) (Encoded, error) {
	return encode(SecretData{Value: hashedSaltedValue, Salt: salt},
		CredentialData{HashIterations: iterations, Algorithm: resolveAlgorithm(algorithm)})
}
