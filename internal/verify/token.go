package verify

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
)

// Action-token types, Keycloak's.
const (
	TypeVerifyEmail    = "verify-email"
	TypeExecuteActions = "execute-actions"
)

// ActionClaims are Keycloak's action-token claims (DefaultActionToken,
// VerifyEmailActionToken, ExecuteActionsActionToken).
type ActionClaims struct {
	Exp     int64    `json:"exp"`
	Iat     int64    `json:"iat"`
	Jti     string   `json:"jti"`
	Iss     string   `json:"iss"`
	Aud     string   `json:"aud"`
	Sub     string   `json:"sub"`
	Typ     string   `json:"typ"`
	Azp     string   `json:"azp,omitempty"`
	Nonce   string   `json:"nonce"`
	Eml     string   `json:"eml,omitempty"`
	Reduri  string   `json:"reduri,omitempty"`
	Actions []string `json:"rqac,omitempty"`
}

// Token errors, for the result page.
var (
	ErrTokenExpired = errors.New("verify: action token expired")
	ErrTokenInvalid = errors.New("verify: action token invalid")
)

// newToken signs an action token with the realm's HS512 key, as Keycloak
// does (internal token category). The keys are read through tx, the
// transaction that writes the mail: not the key cache, whose loading
// would need a second connection of the pool while tx holds one.
func (s *Service) newToken(ctx context.Context, tx store.Store, realm *model.Realm, iss string, u *model.User, typ, clientID, redirect string, life time.Duration, actions []string) (string, time.Time, error) {
	list, err := tx.ListKeys(ctx, realm.ID)
	if err != nil {
		return "", time.Time{}, err
	}
	keys, err := signing.NewKeySet(realm.ID, list)
	if err != nil {
		return "", time.Time{}, err
	}
	// Whole seconds, as the claims carry them: the code stored with exp
	// must expire with the link, not up to a second after it.
	now := s.now().Truncate(time.Second)
	exp := now.Add(life.Truncate(time.Second))
	nonce := uuid.NewString()
	c := ActionClaims{Exp: exp.Unix(), Iat: now.Unix(), Jti: nonce, Iss: iss, Aud: iss, Sub: u.ID, Typ: typ,
		Azp: clientID, Nonce: nonce, Eml: u.Email, Reduri: redirect, Actions: actions}
	b, err := json.Marshal(c)
	if err != nil {
		return "", time.Time{}, err
	}
	tok, err := keys.Sign(signing.HS512, b)
	return tok, exp, err
}

// parseToken verifies an action token of the realm: HS512 signature by
// one of its keys, issuer and audience, type, nonce, expiry.
func (s *Service) parseToken(ctx context.Context, realm *model.Realm, iss, token string) (*ActionClaims, error) {
	payload, _, err := s.Keys.Verify(ctx, realm.ID, token, signing.HS512)
	if err != nil {
		if errors.Is(err, signing.ErrMalformed) || errors.Is(err, signing.ErrUnknownKey) || errors.Is(err, signing.ErrSignature) {
			return nil, ErrTokenInvalid
		}
		return nil, err
	}
	var c ActionClaims
	if json.Unmarshal(payload, &c) != nil || c.Iss != iss || c.Aud != iss || c.Sub == "" || c.Nonce == "" ||
		(c.Typ != TypeVerifyEmail && c.Typ != TypeExecuteActions) {
		return nil, ErrTokenInvalid
	}
	if s.now().Unix() >= c.Exp {
		return &c, ErrTokenExpired
	}
	return &c, nil
}
