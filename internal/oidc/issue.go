package oidc

import (
	"context"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/role"
	"github.com/latchkey/latchkey/internal/signing"
)

// issue is what a grant asks the token builder for.
type issue struct {
	req     *tokenRequest
	user    *model.User
	session *model.Session // nil: a transient session (client_credentials)
	scope   string
	openid  bool
	nonce   string
}

// signatureAlg is the realm's algorithm for access and ID tokens.
func signatureAlg(realm *model.Realm) string {
	if realm.DefaultSignatureAlgorithm == "" {
		return signing.RS256
	}
	return realm.DefaultSignatureAlgorithm
}

// issueTokens builds, signs and returns the token response of a grant.
func (h *Handler) issueTokens(ctx context.Context, is issue) (*tokenResponse, error) {
	req, realm, client, u := is.req, is.req.realm, is.req.client.client, is.user
	now := h.now()
	keys, err := h.Keys.Get(ctx, realm.ID)
	if err != nil {
		return nil, err
	}
	alg := signatureAlg(realm)

	roles, err := role.Effective(ctx, h.Store, realm.ID, u.ID)
	if err != nil {
		return nil, err
	}
	access, err := role.ToAccess(ctx, h.Store, realm.ID, roles)
	if err != nil {
		return nil, err
	}

	exp := now.Add(lifespan(realm, client))
	if is.session != nil && exp.After(is.session.MaxExpires) {
		exp = is.session.MaxExpires
	}
	at := accessClaims{
		Exp: unix(exp), Iat: unix(now), Jti: newJTI("onrtro"), Iss: req.iss, Sub: u.ID,
		Typ: typBearer, Azp: client.ClientID, Acr: "1", Scope: is.scope, profileClaims: profileOf(u),
		AllowedOrigins: httpapi.ResolveWebOrigins(client.WebOrigins, client.RedirectURIs, client.RootURL),
	}
	if is.session != nil {
		at.Sid = is.session.ID
		at.AuthTime = unix(is.session.Started)
	} else {
		at.Jti = newJTI("trrtcc")
	}
	if u.ServiceAccountClientID != "" {
		host := clientHost(req)
		at.ClientID, at.ClientHost, at.ClientAddress = client.ClientID, host, host
	}
	applyAccess(&at, access)
	accessToken, err := keys.Sign(alg, marshal(at))
	if err != nil {
		return nil, err
	}

	resp := &tokenResponse{
		AccessToken: accessToken, ExpiresIn: at.Exp - at.Iat, TokenType: "Bearer",
		NotBeforePolicy: int64(max(realm.NotBefore, int(client.NotBefore), int(u.NotBefore))),
		Scope:           is.scope,
	}
	if is.openid {
		id := idClaims{
			Exp: at.Exp, Iat: at.Iat, AuthTime: at.AuthTime, Jti: newJTI("ntrtro"), Iss: req.iss,
			Aud: client.ClientID, Sub: u.ID, Typ: typID, Azp: client.ClientID, Nonce: is.nonce,
			Sid: at.Sid, AtHash: atHash(alg, accessToken), Acr: "1", profileClaims: profileOf(u),
		}
		if resp.IDToken, err = keys.Sign(alg, marshal(id)); err != nil {
			return nil, err
		}
	}
	if is.session != nil && client.Attributes["use.refresh.tokens"] != "false" {
		rexp := is.session.IdleExpires
		if rexp.After(is.session.MaxExpires) {
			rexp = is.session.MaxExpires
		}
		rt := refreshClaims{
			Exp: unix(rexp), Iat: unix(now), Jti: newJTI("rt"), Iss: req.iss, Aud: req.iss, Sub: u.ID,
			Typ: typRefresh, Azp: client.ClientID, Sid: is.session.ID, Scope: is.scope,
		}
		if resp.RefreshToken, err = keys.Sign(signing.HS512, marshal(rt)); err != nil {
			return nil, fmt.Errorf("refresh token: %w", err)
		}
		resp.RefreshExpiresIn = rt.Exp - rt.Iat
		resp.SessionState = is.session.ID
	}
	return resp, nil
}

// clientHost is the caller's address, for service-account tokens'
// clientHost and clientAddress claims and session addresses.
func clientHost(req *tokenRequest) string { return req.ip }

// newSession starts a user session for a password login.
func newSession(realm *model.Realm, u *model.User, c *model.Client, ip string, now time.Time) *model.Session {
	return &model.Session{
		RealmID: realm.ID, UserID: u.ID, Started: now, LastRefresh: now,
		IdleExpires: now.Add(time.Duration(realm.SSOSessionIdleTimeout) * time.Second),
		MaxExpires:  now.Add(time.Duration(realm.SSOSessionMaxLifespan) * time.Second),
		IPAddress:   ip, Clients: []string{c.ID},
	}
}
