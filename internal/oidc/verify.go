package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
)

// Reasons a token is refused; endpoints turn them into Keycloak's answers.
var (
	errTokenInvalid  = errors.New("token invalid")   // signature, format, issuer, type
	errTokenExpired  = errors.New("token expired")   // exp passed
	errTokenStale    = errors.New("token stale")     // issued before a not-before
	errSessionGone   = errors.New("session expired") // sid names no live session
	errUserGone      = errors.New("user not found")
	errUserDisabled  = errors.New("user disabled")
	errClientMissing = errors.New("session lacks the client")
)

// tokenClaims is what every latchkey token carries, for verification.
type tokenClaims struct {
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
	Jti   string `json:"jti"`
	Iss   string `json:"iss"`
	Sub   string `json:"sub"`
	Typ   string `json:"typ"`
	Azp   string `json:"azp"`
	Sid   string `json:"sid"`
	Scope string `json:"scope"`
}

// checked is a verified token with what it refers to.
type checked struct {
	claims  tokenClaims
	raw     map[string]any
	user    *model.User
	session *model.Session
}

// accessAlgs are the algorithms access and ID tokens may use: those
// latchkey signs them with. Refresh tokens are HS512 only.
var accessAlgs = []string{signing.RS256, signing.ES256, signing.EdDSA}

// verifyToken checks a token of this realm: signature by one of the
// realm's keys in algs, issuer, type, expiry, the user (exists, enabled,
// not-before) and, when it names one, a live session.
func (h *Handler) verifyToken(ctx context.Context, realm *model.Realm, iss, token string, types []string, algs ...string) (*checked, error) {
	payload, _, err := h.Keys.Verify(ctx, realm.ID, token, algs...)
	if err != nil {
		if errors.Is(err, signing.ErrMalformed) || errors.Is(err, signing.ErrUnknownKey) || errors.Is(err, signing.ErrSignature) {
			return nil, errTokenInvalid
		}
		return nil, err
	}
	var c checked
	if json.Unmarshal(payload, &c.claims) != nil || json.Unmarshal(payload, &c.raw) != nil {
		return nil, errTokenInvalid
	}
	if c.claims.Iss != iss || !slices.Contains(types, c.claims.Typ) || c.claims.Sub == "" {
		return nil, errTokenInvalid
	}
	now := h.now()
	if c.claims.Exp != 0 && now.Unix() >= c.claims.Exp {
		return &c, errTokenExpired
	}
	u, err := h.Store.GetUser(ctx, realm.ID, c.claims.Sub)
	if errors.Is(err, store.ErrNotFound) {
		return &c, errUserGone
	}
	if err != nil {
		return nil, err
	}
	c.user = u
	if !u.Enabled {
		return &c, errUserDisabled
	}
	if c.claims.Iat < int64(max(realm.NotBefore, int(u.NotBefore))) {
		return &c, errTokenStale
	}
	if c.claims.Sid != "" {
		s, err := h.Store.GetSession(ctx, realm.ID, c.claims.Sid)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (s.Expired(now) || s.UserID != u.ID)) {
			return &c, errSessionGone
		}
		if err != nil {
			return nil, err
		}
		c.session = s
	}
	return &c, nil
}

// clientInSession reports whether the session has a client session of id.
func clientInSession(s *model.Session, clientID string) bool {
	return s != nil && slices.Contains(s.Clients, clientID)
}
