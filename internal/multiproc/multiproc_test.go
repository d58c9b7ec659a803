package multiproc_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// Test values: the realms' clients and users (none is a real secret).
var (
	app   = client{"app", "app-secret"}             // password grants, introspection
	svc   = client{"svc", "svc-secret"}             // client_credentials tokens, which have no session
	rotor = client{"rotor", "rotor-secret-initial"} // its secret is regenerated
)

const userPassword = "correct-horse-battery-staple-9"

func userRep(name string, extra map[string]any) map[string]any {
	u := map[string]any{"username": name, "email": name + "@shop.test", "firstName": "First", "lastName": "Last",
		"enabled": true, "credentials": []map[string]any{{"type": "password", "value": userPassword}}}
	for k, v := range extra {
		u[k] = v
	}
	return u
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var appClients = []map[string]any{
	{"clientId": app.id, "secret": app.secret, "publicClient": false, "directAccessGrantsEnabled": true},
	{"clientId": svc.id, "secret": svc.secret, "publicClient": false, "serviceAccountsEnabled": true},
	{"clientId": rotor.id, "secret": rotor.secret, "publicClient": false, "serviceAccountsEnabled": true},
}

// rotatingRealm is deleted and created again, with the same id, through
// one process: the only way latchkey changes a realm's keys today.
var rotatingRealm = map[string]any{
	"id": "multiproc-rotating", "realm": "rotating", "enabled": true,
	"clients": appClients, "users": []map[string]any{userRep("rot-user", nil)},
}

// realmFiles are imported by --import-realm on every process. shop turns
// the registration rate limits off, as its checks poll the registration
// endpoint; the two limit-* realms have tight limits.
var realmFiles = map[string]string{
	"shop": mustJSON(map[string]any{
		"realm": "shop", "enabled": true, "registrationAllowed": true,
		"attributes": map[string]string{"registrationRateLimitPerAddress": "0", "registrationRateLimitPerRealm": "0"},
		"roles":      map[string]any{"realm": []map[string]any{{"name": "reader"}}},
		"clients":    appClients,
		"users": []map[string]any{
			userRep("reader", map[string]any{"realmRoles": []string{"reader"}}),
			userRep("disable-me", nil),
		},
	}),
	"limit-address": mustJSON(map[string]any{"realm": "limit-address", "enabled": true, "registrationAllowed": true,
		"attributes": map[string]string{"registrationRateLimitPerAddress": "3", "registrationRateLimitPerRealm": "0"}}),
	"limit-realm": mustJSON(map[string]any{"realm": "limit-realm", "enabled": true, "registrationAllowed": true,
		"attributes": map[string]string{"registrationRateLimitPerAddress": "0", "registrationRateLimitPerRealm": "3"}}),
	"rotating": mustJSON(rotatingRealm),
}

// TestSeveralProcessesOnOnePostgres starts three processes on one database
// and checks that what one process writes, the others enforce within
// invalidationBound. The subtests run in order and build on each other.
func TestSeveralProcessesOnOnePostgres(t *testing.T) {
	c := startCluster(t)
	t.Run("users", func(t *testing.T) { testUsers(t, c) })
	t.Run("sessions", func(t *testing.T) { testSessions(t, c) })
	t.Run("tokens and JWKS", func(t *testing.T) { testTokens(t, c) })
	t.Run("password policy", func(t *testing.T) { testPasswordPolicy(t, c) })
	t.Run("realm role removed", func(t *testing.T) { testRoleRemoved(t, c) })
	t.Run("client secret regenerated", func(t *testing.T) { testSecretRegenerated(t, c) })
	t.Run("user disabled", func(t *testing.T) { testUserDisabled(t, c) })
	t.Run("registration disabled", func(t *testing.T) { testRegistrationDisabled(t, c) })
	t.Run("logout-all", func(t *testing.T) { testLogoutAll(t, c) })
	t.Run("rate limits are per process", func(t *testing.T) { testRateLimits(t, c) })
	t.Run("realm re-created with new keys", func(t *testing.T) { testKeysReplaced(t, c) })

	delaysMu.Lock()
	defer delaysMu.Unlock()
	var b strings.Builder
	for _, d := range delays {
		took := "NOT SEEN"
		if d.took >= 0 {
			took = d.took.Round(time.Millisecond).String()
		}
		fmt.Fprintf(&b, "  %-70s %s\n", d.check, took)
	}
	t.Logf("observed delays (bound %v):\n%s", invalidationBound, b.String())
}

// wantStatus is a probe's check of an answer's status and OAuth error.
func wantStatus(r reply, status int, oauthError string) error {
	if r.status != status || (oauthError != "" && r.str("error") != oauthError) {
		if oauthError != "" {
			return fmt.Errorf("got %v, want %d %s", r, status, oauthError)
		}
		return fmt.Errorf("got %v, want %d", r, status)
	}
	return nil
}

func testUsers(t *testing.T, c *cluster) {
	// Before: B and C refuse the user that does not exist yet (so that a
	// cache of "no such user" would be filled), A the other one.
	for _, try := range []struct {
		p        *proc
		username string
	}{{c.b, "reg-on-a"}, {c.c, "reg-on-a"}, {c.a, "made-on-b"}} {
		if r := try.p.login(t, "shop", app, try.username, userPassword); r.status == http.StatusOK {
			t.Fatalf("%s logs in %s before the user exists: %v", try.p.name, try.username, r)
		}
	}
	reg := c.a.register(t, "shop", map[string]any{"username": "reg-on-a", "email": "reg-on-a@shop.test",
		"firstName": "Reg", "lastName": "OnA", "password": userPassword})
	if reg.status != http.StatusCreated || reg.str("id") == "" {
		t.Fatalf("registration on A: %v", reg)
	}
	eventually(t, time.Now(), onEach([]*proc{c.b, c.c}, "user registered on A logs in on %s", func(p *proc) error {
		r := p.login(t, "shop", app, "reg-on-a", userPassword)
		if err := wantStatus(r, http.StatusOK, ""); err != nil {
			return err
		}
		if sub := claims(t, r.str("access_token"))["sub"]; sub != reg.str("id") {
			return fmt.Errorf("token's sub %v, registered id %s", sub, reg.str("id"))
		}
		return nil
	})...)

	c.b.mustCall(t, http.StatusCreated, http.MethodPost, "/admin/realms/shop/users", c.b.adminToken(t),
		userRep("made-on-b", nil))
	eventually(t, time.Now(), check{"user created by the admin API on B logs in on A", func() error {
		return wantStatus(c.a.login(t, "shop", app, "made-on-b", userPassword), http.StatusOK, "")
	}})
}

func testSessions(t *testing.T, c *cluster) {
	first := c.a.mustLogin(t, "shop", app, "reg-on-a", userPassword)
	access, sid := first.str("access_token"), claims(t, first.str("access_token"))["sid"]
	if sid == nil || sid == "" {
		t.Fatalf("a password grant's token has no sid: %v", claims(t, access))
	}
	onB := c.b.refresh(t, "shop", app, first.str("refresh_token"))
	if onB.status != http.StatusOK || claims(t, onB.str("access_token"))["sid"] != sid {
		t.Fatalf("refresh on B of A's refresh token: %v", onB)
	}
	onC := c.c.refresh(t, "shop", app, onB.str("refresh_token"))
	if onC.status != http.StatusOK || claims(t, onC.str("access_token"))["sid"] != sid {
		t.Fatalf("refresh on C of B's refresh token: %v", onC)
	}
	if r := c.b.userinfo(t, "shop", access); r.status != http.StatusOK {
		t.Fatalf("B's userinfo with A's token before the logout: %v", r)
	}

	out := c.c.form(t, oidcPath("shop", "logout"), app.form(url.Values{"refresh_token": {onC.str("refresh_token")}}))
	if out.status != http.StatusNoContent {
		t.Fatalf("logout on C: %v", out)
	}
	eventually(t, time.Now(),
		check{"logout on C: A refuses the session's refresh token", func() error {
			return wantStatus(c.a.refresh(t, "shop", app, onC.str("refresh_token")), http.StatusBadRequest, "invalid_grant")
		}},
		check{"logout on C: B refuses the session's (older) refresh token", func() error {
			return wantStatus(c.b.refresh(t, "shop", app, onB.str("refresh_token")), http.StatusBadRequest, "invalid_grant")
		}},
		check{"logout on C: B's userinfo refuses A's access token", func() error {
			return wantStatus(c.b.userinfo(t, "shop", access), http.StatusUnauthorized, "")
		}})
}

// jwks fetches a realm's key set, keys sorted by kid so that only their
// content is compared.
func (p *proc) jwks(t *testing.T, realm string) string {
	t.Helper()
	r := p.call(t, http.MethodGet, oidcPath(realm, "certs"), "", nil)
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if r.status != http.StatusOK || json.Unmarshal(r.raw, &set) != nil || len(set.Keys) == 0 {
		t.Fatalf("JWKS of %s on %s: %v", realm, p.name, r)
	}
	sort.Slice(set.Keys, func(i, j int) bool { return fmt.Sprint(set.Keys[i]["kid"]) < fmt.Sprint(set.Keys[j]["kid"]) })
	return mustJSON(set.Keys)
}

func (p *proc) jwksHasKid(t *testing.T, realm, kid string) bool {
	t.Helper()
	return strings.Contains(p.jwks(t, realm), `"kid":"`+kid+`"`)
}

func testTokens(t *testing.T, c *cluster) {
	tok := c.a.mustLogin(t, "shop", app, "made-on-b", userPassword).str("access_token")
	sub := claims(t, tok)["sub"]
	if r := c.b.userinfo(t, "shop", tok); r.status != http.StatusOK || r.body["sub"] != sub ||
		r.str("preferred_username") != "made-on-b" {
		t.Errorf("B's userinfo with A's token: %v", r)
	}
	for _, p := range []*proc{c.b, c.c} {
		if r := p.introspect(t, "shop", app, tok); r.status != http.StatusOK || r.body["active"] != true ||
			r.body["sub"] != sub || r.str("username") != "made-on-b" {
			t.Errorf("%s's introspection of A's token: %v", p.name, r)
		}
	}

	admin := c.a.adminToken(t)
	if r := c.c.call(t, http.MethodGet, "/admin/realms/shop", admin, nil); r.status != http.StatusOK || r.str("realm") != "shop" {
		t.Errorf("C's admin API with A's admin token: %v", r)
	}
	if r := c.b.call(t, http.MethodGet, "/admin/realms/shop/users?username=made-on-b&exact=true", admin, nil); r.status != http.StatusOK ||
		!strings.Contains(string(r.raw), `"made-on-b"`) {
		t.Errorf("B's admin API with A's admin token: %v", r)
	}

	for _, realm := range []string{"master", "shop", "rotating"} {
		want := c.a.jwks(t, realm)
		for _, p := range []*proc{c.b, c.c} {
			if got := p.jwks(t, realm); got != want {
				t.Errorf("JWKS of %s: %s publishes\n%s\nA publishes\n%s", realm, p.name, got, want)
			}
		}
	}
	if k := kid(t, tok); !c.b.jwksHasKid(t, "shop", k) || !c.c.jwksHasKid(t, "shop", k) {
		t.Errorf("the kid %q of A's token is not in B's and C's JWKS", k)
	}
	if k := kid(t, admin); !c.c.jwksHasKid(t, "master", k) {
		t.Errorf("the kid %q of A's admin token is not in C's master JWKS", k)
	}
}

// lookup finds one admin resource's id by a query (users by username,
// clients by clientId).
func (p *proc) lookup(t *testing.T, admin, path string) map[string]any {
	t.Helper()
	r := p.mustCall(t, http.StatusOK, http.MethodGet, path, admin, nil)
	var list []map[string]any
	if err := json.Unmarshal(r.raw, &list); err != nil || len(list) != 1 {
		t.Fatalf("GET %s on %s: want one match, got %v", path, p.name, r)
	}
	return list[0]
}

func hasRole(roles []string, name string) bool { return slices.Contains(roles, name) }
