package oidc_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestRelyingPartyLibraries drives a running server with go-oidc and
// golang.org/x/oauth2 exactly as an application would: discovery, JWKS,
// the password, refresh and client_credentials grants, and userinfo, on a
// realm of each signature algorithm.
func TestRelyingPartyLibraries(t *testing.T) {
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			realmAlg := alg
			if alg == "RS256" {
				realmAlg = "" // Keycloak's default
			}
			s := newRealm(t, realmAlg, "")
			c := ctx()
			issuer := s.URL + "/realms/demo"
			provider, err := oidc.NewProvider(c, issuer)
			if err != nil {
				t.Fatalf("discovery: %v", err)
			}
			if got := provider.Endpoint().TokenURL; got != issuer+"/protocol/openid-connect/token" {
				t.Errorf("token endpoint %q", got)
			}
			idVerifier := provider.Verifier(&oidc.Config{ClientID: "confidential", SupportedSigningAlgs: []string{alg}})
			atVerifier := provider.Verifier(&oidc.Config{SkipClientIDCheck: true, SupportedSigningAlgs: []string{alg}})

			conf := oauth2.Config{ClientID: "confidential", ClientSecret: appSecret,
				Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID}}
			tok, err := conf.PasswordCredentialsToken(c, "alice", alicePW)
			if err != nil {
				t.Fatalf("password grant: %v", err)
			}
			if tok.TokenType != "Bearer" || tok.RefreshToken == "" || tok.Expiry.IsZero() {
				t.Errorf("token %+v", tok)
			}
			if h, _ := testenv.JWTParts(t, tok.AccessToken); h["alg"] != alg || h["typ"] != "JWT" || h["kid"] == "" {
				t.Errorf("access token header %v, want alg %s", h, alg)
			}
			rawID, _ := tok.Extra("id_token").(string)
			idt, err := idVerifier.Verify(c, rawID)
			if err != nil {
				t.Fatalf("verify ID token: %v", err)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash: %v", err)
			}
			var idc struct {
				Typ      string `json:"typ"`
				Username string `json:"preferred_username"`
				Azp      string `json:"azp"`
			}
			if err := idt.Claims(&idc); err != nil || idc.Typ != "ID" || idc.Username != "alice" || idc.Azp != "confidential" {
				t.Errorf("ID token claims %+v, %v", idc, err)
			}
			at, err := atVerifier.Verify(c, tok.AccessToken)
			if err != nil {
				t.Fatalf("verify access token: %v", err)
			}
			if at.Subject != idt.Subject || at.Issuer != issuer {
				t.Errorf("access token sub %q iss %q; ID token sub %q", at.Subject, at.Issuer, idt.Subject)
			}
			var atc struct {
				Typ         string `json:"typ"`
				RealmAccess struct {
					Roles []string `json:"roles"`
				} `json:"realm_access"`
			}
			if err := at.Claims(&atc); err != nil || atc.Typ != "Bearer" || !slices.Contains(atc.RealmAccess.Roles, "user") {
				t.Errorf("access token claims %+v, %v", atc, err)
			}

			info, err := provider.UserInfo(c, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			if info.Subject != at.Subject || info.Email != "alice@example.com" || !info.EmailVerified {
				t.Errorf("userinfo %+v", info)
			}
			// An oauth2 HTTP client carries the token as a bearer header.
			res, err := conf.Client(c, tok).Get(issuer + "/protocol/openid-connect/userinfo")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("userinfo through oauth2 client: %d", res.StatusCode)
			}

			// An expired token makes the TokenSource refresh it.
			old := *tok
			tok.Expiry = time.Now().Add(-time.Minute)
			fresh, err := conf.TokenSource(c, tok).Token()
			if err != nil {
				t.Fatalf("refresh through TokenSource: %v", err)
			}
			if fresh.AccessToken == old.AccessToken || fresh.RefreshToken == old.RefreshToken || !fresh.Valid() {
				t.Errorf("refresh did not rotate the tokens")
			}
			if _, err := atVerifier.Verify(c, fresh.AccessToken); err != nil {
				t.Errorf("verify refreshed access token: %v", err)
			}
			if rawID, _ := fresh.Extra("id_token").(string); rawID == "" {
				t.Errorf("refresh with scope openid gave no ID token")
			} else if _, err := idVerifier.Verify(c, rawID); err != nil {
				t.Errorf("verify refreshed ID token: %v", err)
			}

			cc := clientcredentials.Config{ClientID: "svc", ClientSecret: svcSecret, TokenURL: provider.Endpoint().TokenURL}
			sat, err := cc.Token(c)
			if err != nil {
				t.Fatalf("client_credentials: %v", err)
			}
			if sat.RefreshToken != "" {
				t.Errorf("client_credentials returned a refresh token")
			}
			sa, err := atVerifier.Verify(c, sat.AccessToken)
			if err != nil {
				t.Fatalf("verify service-account token: %v", err)
			}
			var sac struct {
				Username string `json:"preferred_username"`
				ClientID string `json:"client_id"`
				Azp      string `json:"azp"`
				Sid      string `json:"sid"`
			}
			if err := sa.Claims(&sac); err != nil || sac.Username != "service-account-svc" ||
				sac.ClientID != "svc" || sac.Azp != "svc" || sac.Sid != "" {
				t.Errorf("service-account claims %+v, %v", sac, err)
			}
			// The transient session's token still works at userinfo.
			if info, err := provider.UserInfo(c, cc.TokenSource(c)); err != nil || info.Subject != sa.Subject {
				t.Errorf("service-account userinfo %+v, %v", info, err)
			}
		})
	}
}
