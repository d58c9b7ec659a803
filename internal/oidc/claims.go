package oidc

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/role"
)

// Token types, Keycloak's TokenUtil constants.
const (
	typBearer  = "Bearer"
	typRefresh = "Refresh"
	typID      = "ID"
)

// Keycloak's built-in client scopes a client gets by default and may ask
// for. latchkey does not model client scopes yet: every client has these.
var (
	// defaultScopes that appear in the "scope" string (include.in.token.scope).
	defaultTokenScopes = []string{"email", "profile"}
	optionalScopes     = []string{"address", "phone", "offline_access", "microprofile-jwt"}
)

// scopeString computes the granted scope: "openid" first when asked, then
// the default scopes and the optional ones asked for, as Keycloak lists them.
func scopeString(requested string) (string, bool) {
	asked := strings.Fields(requested)
	var out []string
	openid := slices.Contains(asked, "openid")
	if openid {
		out = append(out, "openid")
	}
	granted := slices.Clone(defaultTokenScopes)
	for _, s := range asked {
		if slices.Contains(optionalScopes, s) && !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	slices.Sort(granted)
	return strings.Join(append(out, granted...), " "), openid
}

type rolesClaim struct {
	Roles []string `json:"roles"`
}

// accessClaims are Keycloak 26's access-token claims for the default scopes.
type accessClaims struct {
	Exp            int64                 `json:"exp"`
	Iat            int64                 `json:"iat"`
	AuthTime       int64                 `json:"auth_time,omitempty"`
	Jti            string                `json:"jti"`
	Iss            string                `json:"iss"`
	Aud            any                   `json:"aud,omitempty"`
	Sub            string                `json:"sub"`
	Typ            string                `json:"typ"`
	Azp            string                `json:"azp"`
	Sid            string                `json:"sid,omitempty"`
	Acr            string                `json:"acr"`
	AllowedOrigins []string              `json:"allowed-origins,omitempty"`
	RealmAccess    *rolesClaim           `json:"realm_access,omitempty"`
	ResourceAccess map[string]rolesClaim `json:"resource_access,omitempty"`
	Scope          string                `json:"scope"`
	profileClaims
	ClientID      string `json:"client_id,omitempty"`
	ClientHost    string `json:"clientHost,omitempty"`
	ClientAddress string `json:"clientAddress,omitempty"`
}

// profileClaims come from the email and profile scopes; only non-empty
// values appear, as Keycloak's mappers add them.
type profileClaims struct {
	EmailVerified     bool   `json:"email_verified"`
	Name              string `json:"name,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	GivenName         string `json:"given_name,omitempty"`
	FamilyName        string `json:"family_name,omitempty"`
	Email             string `json:"email,omitempty"`
}

func profileOf(u *model.User) profileClaims {
	return profileClaims{
		EmailVerified: u.EmailVerified, Name: strings.TrimSpace(u.FirstName + " " + u.LastName),
		PreferredUsername: u.Username, GivenName: u.FirstName, FamilyName: u.LastName, Email: u.Email,
	}
}

// idClaims are the ID token's claims.
type idClaims struct {
	Exp      int64  `json:"exp"`
	Iat      int64  `json:"iat"`
	AuthTime int64  `json:"auth_time,omitempty"`
	Jti      string `json:"jti"`
	Iss      string `json:"iss"`
	Aud      string `json:"aud"`
	Sub      string `json:"sub"`
	Typ      string `json:"typ"`
	Azp      string `json:"azp"`
	Nonce    string `json:"nonce,omitempty"`
	Sid      string `json:"sid,omitempty"`
	AtHash   string `json:"at_hash,omitempty"`
	Acr      string `json:"acr"`
	profileClaims
}

// refreshClaims are the refresh token's (an internal HS512 token).
type refreshClaims struct {
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
	Jti   string `json:"jti"`
	Iss   string `json:"iss"`
	Aud   string `json:"aud"`
	Sub   string `json:"sub"`
	Typ   string `json:"typ"`
	Azp   string `json:"azp"`
	Sid   string `json:"sid"`
	Scope string `json:"scope"`
}

// applyAccess fills realm_access, resource_access and aud from effective
// roles: aud lists the clients whose roles the token carries, except the
// token's own client (Keycloak's audience-resolve mapper).
func applyAccess(c *accessClaims, a role.Access) {
	if len(a.Realm) > 0 {
		c.RealmAccess = &rolesClaim{Roles: a.Realm}
	}
	var aud []string
	for cid, roles := range a.Clients {
		if c.ResourceAccess == nil {
			c.ResourceAccess = map[string]rolesClaim{}
		}
		c.ResourceAccess[cid] = rolesClaim{Roles: roles}
		if cid != c.Azp {
			aud = append(aud, cid)
		}
	}
	slices.Sort(aud)
	switch len(aud) {
	case 0:
	case 1:
		c.Aud = aud[0]
	default:
		c.Aud = aud
	}
}

// atHash is OIDC's at_hash: the left half of the access token's hash with
// the ID token's signature hash function, base64url.
func atHash(alg, accessToken string) string {
	var h hash.Hash
	switch {
	case strings.HasSuffix(alg, "384"):
		h = sha512.New384()
	case strings.HasSuffix(alg, "512"), alg == "EdDSA":
		h = sha512.New()
	default:
		h = sha256.New()
	}
	h.Write([]byte(accessToken))
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

func newJTI(prefix string) string { return prefix + ":" + uuid.NewString() }

func unix(t time.Time) int64 { return t.Unix() }

// lifespan returns the access-token lifespan: the client attribute
// access.token.lifespan overrides the realm's.
func lifespan(realm *model.Realm, c *model.Client) time.Duration {
	secs := realm.AccessTokenLifespan
	if v, err := strconv.Atoi(c.Attributes["access.token.lifespan"]); err == nil && v > 0 {
		secs = v
	}
	return time.Duration(secs) * time.Second
}

func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // claims are plain structs: marshalling cannot fail
	}
	return b
}
