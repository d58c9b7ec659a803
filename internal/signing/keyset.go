package signing

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/latchkey/latchkey/internal/model"
)

// Errors of token verification. Callers map them all to Keycloak's one
// answer for a bad token; they are distinct for logs and tests.
var (
	ErrMalformed  = errors.New("signing: malformed token")
	ErrUnknownKey = errors.New("signing: token signed with an unknown key")
	ErrSignature  = errors.New("signing: bad signature")
)

// KeySet is a realm's keys, parsed once, ready to sign and verify.
type KeySet struct {
	RealmID string
	byKID   map[string]*parsedKey
	active  map[string]*parsedKey // by algorithm
	// order keeps the store's order (priority, then age) for the JWKS.
	order []*parsedKey
}

type parsedKey struct {
	m      model.SigningKey
	alg    jose.SignatureAlgorithm
	verify any // public key, or the HMAC secret
	cert   *x509.Certificate
	signer jose.Signer
}

// NewKeySet parses a realm's keys as the store returns them (by
// descending priority): the first active key of an algorithm signs.
func NewKeySet(realmID string, keys []model.SigningKey) (*KeySet, error) {
	ks := &KeySet{RealmID: realmID, byKID: map[string]*parsedKey{}, active: map[string]*parsedKey{}}
	for _, k := range keys {
		if !k.Enabled || k.Use != "sig" {
			continue
		}
		pk, err := parseKey(k)
		if err != nil {
			return nil, err
		}
		ks.byKID[k.ID] = pk
		ks.order = append(ks.order, pk)
		if _, ok := ks.active[k.Algorithm]; !ok && k.Active {
			ks.active[k.Algorithm] = pk
		}
	}
	return ks, nil
}

func parseKey(k model.SigningKey) (*parsedKey, error) {
	pk := &parsedKey{m: k, alg: jose.SignatureAlgorithm(k.Algorithm)}
	var signingKey any
	switch k.Algorithm {
	case HS512:
		pk.verify = k.PrivateKey
		signingKey = k.PrivateKey
	case RS256, ES256, EdDSA:
		priv, err := x509.ParsePKCS8PrivateKey(k.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("signing: key %s: %w", k.ID, err)
		}
		s, ok := priv.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("signing: key %s is not a signing key", k.ID)
		}
		pk.verify = s.Public()
		signingKey = s
		if len(k.Certificate) > 0 {
			if pk.cert, err = x509.ParseCertificate(k.Certificate); err != nil {
				return nil, fmt.Errorf("signing: key %s certificate: %w", k.ID, err)
			}
		}
	default:
		return nil, fmt.Errorf("%w: key %s has %q", ErrAlgorithm, k.ID, k.Algorithm)
	}
	// The kid goes in as a header: go-jose leaves it out for HMAC keys
	// given as a JWK.
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: pk.alg, Key: signingKey},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.ID))
	if err != nil {
		return nil, fmt.Errorf("signing: key %s: %w", k.ID, err)
	}
	pk.signer = signer
	return pk, nil
}

// Has reports whether the set can sign with alg.
func (ks *KeySet) Has(alg string) bool { _, ok := ks.active[alg]; return ok }

// Sign signs payload (the JSON claims) with the active key for alg, as a
// compact JWS with the header {"alg","kid","typ":"JWT"}.
func (ks *KeySet) Sign(alg string, payload []byte) (string, error) {
	k, ok := ks.active[alg]
	if !ok {
		return "", fmt.Errorf("%w for %s in realm %s", ErrNoKey, alg, ks.RealmID)
	}
	jws, err := k.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("signing: %w", err)
	}
	return jws.CompactSerialize()
}

// Verify checks a compact JWS against the set's keys and returns its
// payload and algorithm. Only the algorithms in algs are accepted ("none"
// never is), and the key named by the header's kid must be of that
// algorithm, so an RSA public key is never used as an HMAC secret.
func (ks *KeySet) Verify(token string, algs ...string) ([]byte, string, error) {
	allowed := make([]jose.SignatureAlgorithm, 0, len(algs))
	for _, a := range algs {
		allowed = append(allowed, jose.SignatureAlgorithm(a))
	}
	jws, err := jose.ParseSignedCompact(token, allowed)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(jws.Signatures) != 1 {
		return nil, "", ErrMalformed
	}
	h := jws.Signatures[0].Header
	k, ok := ks.byKID[h.KeyID]
	if !ok {
		return nil, "", fmt.Errorf("%w: kid %q", ErrUnknownKey, h.KeyID)
	}
	if string(k.alg) != h.Algorithm {
		return nil, "", fmt.Errorf("%w: kid %q is %s, token says %s", ErrSignature, h.KeyID, k.alg, h.Algorithm)
	}
	payload, err := jws.Verify(k.verify)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return payload, h.Algorithm, nil
}

// JWKS is the public half of the set's asymmetric keys, as Keycloak
// publishes them at .../certs: kid, kty, alg, use, the key, and x5c, x5t,
// x5t#S256 from the certificate. HMAC secrets are never published.
func (ks *KeySet) JWKS() jose.JSONWebKeySet {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, k := range ks.order {
		if k.m.Algorithm == HS512 {
			continue
		}
		jwk := jose.JSONWebKey{Key: k.verify, KeyID: k.m.ID, Algorithm: k.m.Algorithm, Use: k.m.Use}
		if k.cert != nil {
			sum1 := sha1.Sum(k.cert.Raw)
			sum256 := sha256.Sum256(k.cert.Raw)
			jwk.Certificates = []*x509.Certificate{k.cert}
			jwk.CertificateThumbprintSHA1 = sum1[:]
			jwk.CertificateThumbprintSHA256 = sum256[:]
		}
		set.Keys = append(set.Keys, jwk)
	}
	return set
}

// PublicKeyBase64 is the active alg key's base64 DER SubjectPublicKeyInfo,
// which Keycloak publishes as the realm's public_key.
func (ks *KeySet) PublicKeyBase64(alg string) (string, bool) {
	k, ok := ks.active[alg]
	if !ok || alg == HS512 {
		return "", false
	}
	der, err := x509.MarshalPKIXPublicKey(k.verify)
	if err != nil {
		return "", false
	}
	return base64.StdEncoding.EncodeToString(der), true
}
