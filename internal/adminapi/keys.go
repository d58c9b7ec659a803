package adminapi

import (
	"crypto/x509"
	"encoding/base64"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
)

// Keys (KeyResource), the cache-clearing actions and the credential
// registrators of RealmAdminResource.

func (h *Handler) mountKeys(mux router) {
	const base = "/admin/realms/{realm}"
	h.realmRoute(mux, "GET "+base+"/keys", h.listKeys)
	for _, name := range []string{"clear-realm-cache", "clear-user-cache", "clear-keys-cache"} {
		h.realmRoute(mux, "POST "+base+"/"+name, h.clearCache(name))
	}
	h.realmRoute(mux, "GET "+base+"/credential-registrators", h.credentialRegistrators)
}

// keysMetadata is Keycloak's KeysMetadataRepresentation.
type keysMetadata struct {
	Active map[string]string `json:"active"`
	Keys   []keyMetadata     `json:"keys"`
}

// keyMetadata is Keycloak's KeyMetadataRepresentation. latchkey has no key
// provider components: each key is its own provider, so providerId is the
// key's id.
type keyMetadata struct {
	ProviderID       string `json:"providerId"`
	ProviderPriority int64  `json:"providerPriority"`
	Kid              string `json:"kid"`
	Status           string `json:"status"`
	Type             string `json:"type"`
	Algorithm        string `json:"algorithm"`
	PublicKey        string `json:"publicKey,omitempty"`
	Certificate      string `json:"certificate,omitempty"`
	Use              string `json:"use"`
	ValidTo          int64  `json:"validTo,omitempty"`
}

var keyTypes = map[string]string{signing.RS256: "RSA", signing.ES256: "EC", signing.EdDSA: "OKP", signing.HS512: "OCT"}

func keyStatus(k model.SigningKey) string {
	switch {
	case !k.Enabled:
		return "DISABLED"
	case k.Active:
		return "ACTIVE"
	}
	return "PASSIVE"
}

// listKeys is GET /keys (view-realm): every key's public half, never a
// private key or an HMAC secret; active maps each algorithm to the kid
// that signs with it.
func (h *Handler) listKeys(q *req) error {
	if !q.perms.viewRealm() {
		return errForbidden
	}
	keys, err := h.Store.ListKeys(q.r.Context(), q.realm.ID)
	if err != nil {
		return err
	}
	out := keysMetadata{Active: map[string]string{}, Keys: []keyMetadata{}}
	for _, k := range keys {
		use := "SIG"
		if k.Use == "enc" {
			use = "ENC"
		}
		m := keyMetadata{ProviderID: k.ID, ProviderPriority: k.Priority, Kid: k.ID, Status: keyStatus(k),
			Type: keyTypes[k.Algorithm], Algorithm: k.Algorithm, Use: use}
		if k.Algorithm != signing.HS512 {
			if m.PublicKey, err = signing.PublicKeyBase64(k); err != nil {
				return err
			}
		}
		if len(k.Certificate) > 0 {
			m.Certificate = base64.StdEncoding.EncodeToString(k.Certificate)
			if cert, err := x509.ParseCertificate(k.Certificate); err == nil {
				m.ValidTo = cert.NotAfter.UnixMilli()
			}
		}
		if m.Status == "ACTIVE" {
			if _, ok := out.Active[k.Algorithm]; !ok {
				out.Active[k.Algorithm] = k.ID
			}
		}
		out.Keys = append(out.Keys, m)
	}
	return q.json(out)
}

// clearCache is POST /clear-realm-cache, /clear-user-cache and
// /clear-keys-cache (manage-realm). latchkey keeps realms and users in the
// database only, so the first two have nothing to clear; the keys cache is
// this process's copy of the realm's signing keys, reloaded on next use.
func (h *Handler) clearCache(name string) func(q *req) error {
	return func(q *req) error {
		if !q.perms.manageRealm() {
			return errForbidden
		}
		if name == "clear-keys-cache" && h.Keys != nil {
			h.Keys.Invalidate(q.realm.ID)
		}
		h.adminEvent(q, opAction, "REALM", name, nil)
		return q.noContent()
	}
}

// credentialRegistrators is GET /credential-registrators (view-realm): the
// enabled required actions that register a credential. Of Keycloak's
// (UPDATE_PASSWORD, CONFIGURE_TOTP, webauthn-register, ...) latchkey has
// passwords only.
func (h *Handler) credentialRegistrators(q *req) error {
	if !q.perms.viewRealm() {
		return errForbidden
	}
	return q.json([]string{"UPDATE_PASSWORD"})
}
