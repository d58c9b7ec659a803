package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"
	"github.com/latchkey/latchkey/internal/model"
)

// Algorithms latchkey generates keys for. RS256 is Keycloak's default;
// ES256 and EdDSA (Ed25519) are much cheaper to sign with; HS512 signs
// internal tokens (refresh tokens, action tokens), as in Keycloak.
const (
	RS256 = "RS256"
	ES256 = "ES256"
	EdDSA = "EdDSA"
	HS512 = "HS512"
)

// certValidity is how long the self-signed certificate published in x5c is
// valid; Keycloak issues ten-year certificates for generated keys.
const certValidity = 10 * 365 * 24 * time.Hour

// NewRealmKeys makes the keys every new realm gets: an active RS256 key
// (RSA 2048 with a self-signed certificate naming the realm) and an HS512
// secret for internal tokens.
func NewRealmKeys(realmID, realmName string, now time.Time) ([]model.SigningKey, error) {
	rsaKey, err := NewRSAKey(realmID, realmName, now)
	if err != nil {
		return nil, err
	}
	hmacKey, err := NewHMACKey(realmID, now)
	if err != nil {
		return nil, err
	}
	return []model.SigningKey{rsaKey, hmacKey}, nil
}

// NewRSAKey generates an RS256 signing key.
func NewRSAKey(realmID, realmName string, now time.Time) (model.SigningKey, error) {
	return NewKey(realmID, realmName, RS256, now)
}

// NewKey generates an active signing key for alg (RS256, ES256, EdDSA or
// HS512); asymmetric keys get a self-signed certificate naming the realm.
func NewKey(realmID, realmName, alg string, now time.Time) (model.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case HS512:
		return NewHMACKey(realmID, now)
	default:
		return model.SigningKey{}, fmt.Errorf("%w: %q", ErrAlgorithm, alg)
	}
	if err != nil {
		return model.SigningKey{}, fmt.Errorf("signing: generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return model.SigningKey{}, fmt.Errorf("signing: encode %s key: %w", alg, err)
	}
	cert, err := selfSigned(priv, realmName, now)
	if err != nil {
		return model.SigningKey{}, err
	}
	kid, err := KeyID(priv.Public())
	if err != nil {
		return model.SigningKey{}, err
	}
	return model.SigningKey{
		ID: kid, RealmID: realmID, Algorithm: alg, Use: "sig",
		PrivateKey: der, Certificate: cert, Active: true, Enabled: true,
		Priority: 100, CreatedAt: now,
	}, nil
}

// NewHMACKey generates a 64-byte HS512 secret.
func NewHMACKey(realmID string, now time.Time) (model.SigningKey, error) {
	secret := make([]byte, 64)
	if _, err := rand.Read(secret); err != nil {
		return model.SigningKey{}, fmt.Errorf("signing: generate HMAC secret: %w", err)
	}
	return model.SigningKey{
		ID: uuid.NewString(), RealmID: realmID, Algorithm: HS512, Use: "sig",
		PrivateKey: secret, Active: true, Enabled: true, Priority: 100, CreatedAt: now,
	}, nil
}

func selfSigned(priv crypto.Signer, cn string, now time.Time) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("signing: certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		return nil, fmt.Errorf("signing: self-signed certificate: %w", err)
	}
	return der, nil
}

// KeyID derives a key id from the public key: base64url of the SHA-256 of
// its DER SubjectPublicKeyInfo, stable for the key's lifetime.
func KeyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("signing: encode public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// ErrNoKey means the realm has no usable key of the wanted algorithm.
var ErrNoKey = errors.New("signing: no active key")

// ErrAlgorithm means an algorithm latchkey does not sign with.
var ErrAlgorithm = errors.New("signing: unsupported algorithm")

// ActiveKey picks the realm's active key for alg: the highest priority
// (keys come from the store ordered by priority).
func ActiveKey(keys []model.SigningKey, alg string) (model.SigningKey, error) {
	for _, k := range keys {
		if k.Active && k.Enabled && k.Algorithm == alg {
			return k, nil
		}
	}
	return model.SigningKey{}, fmt.Errorf("%w for %s", ErrNoKey, alg)
}

// PublicKeyBase64 returns the base64 DER SubjectPublicKeyInfo of an
// asymmetric key, the form Keycloak publishes as public_key.
func PublicKeyBase64(k model.SigningKey) (string, error) {
	priv, err := x509.ParsePKCS8PrivateKey(k.PrivateKey)
	if err != nil {
		return "", fmt.Errorf("signing: parse key %s: %w", k.ID, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return "", fmt.Errorf("signing: key %s is not asymmetric", k.ID)
	}
	der, err := x509.MarshalPKIXPublicKey(signer.Public())
	if err != nil {
		return "", fmt.Errorf("signing: encode public key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(der), nil
}
