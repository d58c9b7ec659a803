package credential

import (
	"encoding/json"
	"fmt"
)

// SecretData is Keycloak's PasswordSecretData: the hash and its salt, both
// standard padded Base64.
type SecretData struct {
	Value                string              `json:"value"`
	Salt                 string              `json:"salt"`
	AdditionalParameters map[string][]string `json:"additionalParameters"`
}

// CredentialData is Keycloak's PasswordCredentialData: how the hash was made.
type CredentialData struct {
	HashIterations       int                 `json:"hashIterations"`
	Algorithm            string              `json:"algorithm"`
	AdditionalParameters map[string][]string `json:"additionalParameters"`
}

// Encoded is a password hash ready for a model.Credential.
type Encoded struct {
	SecretData     string
	CredentialData string
}

func encode(s SecretData, c CredentialData) (Encoded, error) {
	if s.AdditionalParameters == nil {
		s.AdditionalParameters = map[string][]string{}
	}
	if c.AdditionalParameters == nil {
		c.AdditionalParameters = map[string][]string{}
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

// EncodeLegacy converts Keycloak's deprecated export form
// (hashedSaltedValue, salt, hashIterations, algorithm) into the credential
// model, as Keycloak's import does (convertDeprecatedCredentialsFormat),
// keeping an absent algorithm absent: very old exports omit it.
func EncodeLegacy(hashedSaltedValue, salt, algorithm string, iterations int) (Encoded, error) {
	return encode(SecretData{Value: hashedSaltedValue, Salt: salt},
		CredentialData{HashIterations: iterations, Algorithm: algorithm})
}
