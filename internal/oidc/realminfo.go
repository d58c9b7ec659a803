package oidc

import (
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
)

// publishedRealm is Keycloak's PublishedRealmRepresentation.
type publishedRealm struct {
	Realm           string `json:"realm"`
	PublicKey       string `json:"public_key,omitempty"`
	TokenService    string `json:"token-service"`
	AccountService  string `json:"account-service"`
	TokensNotBefore int    `json:"tokens-not-before"`
}

var errRealmNotFound = httpapi.OAuthError(http.StatusNotFound, "Realm not found.", "")

// realm loads the realm named in the path, answering Keycloak's 404 when it
// does not exist.
func (h *Handler) realm(r *http.Request) (*model.Realm, error) {
	rl, err := h.Store.GetRealmByName(r.Context(), r.PathValue("realm"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errRealmNotFound
	}
	return rl, err
}

func (h *Handler) realmInfo(w http.ResponseWriter, r *http.Request) error {
	rl, err := h.realm(r)
	if err != nil {
		return err
	}
	keys, err := h.Keys.Get(r.Context(), rl.ID)
	if err != nil {
		return err
	}
	pub, _ := keys.PublicKeyBase64(signing.RS256)
	base := httpapi.BaseURL(r, h.Hostname) + "/realms/" + rl.Name
	httpapi.WriteJSON(w, http.StatusOK, publishedRealm{
		Realm: rl.Name, PublicKey: pub,
		TokenService:    base + "/protocol/openid-connect",
		AccountService:  base + "/account",
		TokensNotBefore: rl.NotBefore,
	})
	return nil
}
