package multiproc_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Realm settings changed through one process, enforced by the others.

var registrations atomic.Int64

// registrant is a registration body for a new, unique user.
func registrant(password string) map[string]any {
	name := fmt.Sprintf("reg-%d", registrations.Add(1))
	return map[string]any{"username": name, "email": name + "@shop.test", "firstName": "Reg", "lastName": "Istrant",
		"password": password}
}

// shortPassword is allowed by the realm's default policy (none), refused by length(20).
const shortPassword = "Short-pass-12"

func testPasswordPolicy(t *testing.T, c *cluster) {
	// Before: B and C accept the short password (so their view of the
	// realm is loaded, as a cache would hold it).
	for _, p := range []*proc{c.b, c.c} {
		if r := p.register(t, "shop", registrant(shortPassword)); r.status != http.StatusCreated {
			t.Fatalf("registration with a %d-character password on %s before the change: %v", len(shortPassword), p.name, r)
		}
	}
	c.a.mustCall(t, http.StatusNoContent, http.MethodPut, "/admin/realms/shop", c.a.adminToken(t),
		map[string]any{"passwordPolicy": "length(20)"})
	eventually(t, time.Now(), onEach([]*proc{c.b, c.c}, "password policy length(20) set on A: registration on %s refuses a short password", func(p *proc) error {
		r := p.register(t, "shop", registrant(shortPassword))
		if err := wantStatus(r, http.StatusBadRequest, "invalid_registration"); err != nil {
			return err
		}
		if !strings.Contains(string(r.raw), `"errorMessage":"invalidPasswordMinLengthMessage","params":["20"]`) {
			return fmt.Errorf("400 without the length(20) violation: %v", r)
		}
		return nil
	})...)
	// The long password still registers everywhere: the policy is not
	// refusing everything.
	if r := c.c.register(t, "shop", registrant(userPassword)); r.status != http.StatusCreated {
		t.Errorf("registration with a %d-character password on C under length(20): %v", len(userPassword), r)
	}
}

func testRoleRemoved(t *testing.T, c *cluster) {
	for _, p := range []*proc{c.b, c.c} {
		if roles := realmRoles(t, p.mustLogin(t, "shop", app, "reader", userPassword).str("access_token")); !hasRole(roles, "reader") {
			t.Fatalf("before the change, %s's token lacks the reader role: %v", p.name, roles)
		}
	}
	admin := c.a.adminToken(t)
	user := c.a.lookup(t, admin, "/admin/realms/shop/users?username=reader&exact=true")
	role := c.a.mustCall(t, http.StatusOK, http.MethodGet, "/admin/realms/shop/roles/reader", admin, nil).body
	c.a.mustCall(t, http.StatusNoContent, http.MethodDelete, fmt.Sprintf("/admin/realms/shop/users/%s/role-mappings/realm", user["id"]),
		admin, []map[string]any{{"id": role["id"], "name": role["name"]}})
	eventually(t, time.Now(), onEach([]*proc{c.b, c.c}, "realm role removed on A: a new token from %s lacks it", func(p *proc) error {
		r := p.login(t, "shop", app, "reader", userPassword)
		if err := wantStatus(r, http.StatusOK, ""); err != nil {
			return err
		}
		if roles := realmRoles(t, r.str("access_token")); hasRole(roles, "reader") {
			return fmt.Errorf("the token still has the role: %v", roles)
		}
		return nil
	})...)
}

func testSecretRegenerated(t *testing.T, c *cluster) {
	for _, p := range []*proc{c.b, c.c} {
		if r := p.serviceToken(t, "shop", rotor); r.status != http.StatusOK {
			t.Fatalf("client_credentials with the first secret on %s: %v", p.name, r)
		}
	}
	admin := c.a.adminToken(t)
	id := c.a.lookup(t, admin, "/admin/realms/shop/clients?clientId="+rotor.id)["id"]
	r := c.a.mustCall(t, http.StatusOK, http.MethodPost, fmt.Sprintf("/admin/realms/shop/clients/%s/client-secret", id), admin, nil)
	fresh := client{rotor.id, r.str("value")}
	if fresh.secret == "" || fresh.secret == rotor.secret {
		t.Fatalf("regenerated secret: %v", r)
	}
	others := []*proc{c.b, c.c}
	eventually(t, time.Now(), append(
		onEach(others, "client secret regenerated on A: %s refuses the old one", func(p *proc) error {
			// Keycloak's answer to a wrong secret (not invalid_client).
			return wantStatus(p.serviceToken(t, "shop", rotor), http.StatusUnauthorized, "unauthorized_client")
		}),
		onEach(others, "client secret regenerated on A: %s accepts the new one", func(p *proc) error {
			return wantStatus(p.serviceToken(t, "shop", fresh), http.StatusOK, "")
		})...)...)
}

func testUserDisabled(t *testing.T, c *cluster) {
	tok := c.c.mustLogin(t, "shop", app, "disable-me", userPassword).str("access_token")
	if r := c.a.userinfo(t, "shop", tok); r.status != http.StatusOK {
		t.Fatalf("A's userinfo before the change: %v", r)
	}
	admin := c.b.adminToken(t)
	user := c.b.lookup(t, admin, "/admin/realms/shop/users?username=disable-me&exact=true")
	user["enabled"] = false
	c.b.mustCall(t, http.StatusNoContent, http.MethodPut, fmt.Sprintf("/admin/realms/shop/users/%s", user["id"]), admin, user)
	eventually(t, time.Now(),
		check{"user disabled on B: login on C refused", func() error {
			r := c.c.login(t, "shop", app, "disable-me", userPassword)
			if err := wantStatus(r, http.StatusBadRequest, "invalid_grant"); err != nil {
				return err
			}
			if r.str("error_description") != "Account disabled" {
				return fmt.Errorf("refused, but not as disabled: %v", r)
			}
			return nil
		}},
		check{"user disabled on B: A's userinfo refuses the user's token", func() error {
			return wantStatus(c.a.userinfo(t, "shop", tok), http.StatusUnauthorized, "")
		}})
}

func testRegistrationDisabled(t *testing.T, c *cluster) {
	for _, p := range []*proc{c.b, c.c} {
		if r := p.register(t, "shop", registrant(userPassword)); r.status != http.StatusCreated {
			t.Fatalf("registration on %s before the change: %v", p.name, r)
		}
	}
	c.a.mustCall(t, http.StatusNoContent, http.MethodPut, "/admin/realms/shop", c.a.adminToken(t),
		map[string]any{"registrationAllowed": false})
	eventually(t, time.Now(), onEach([]*proc{c.b, c.c}, "registrationAllowed=false on A: %s answers registration_disabled", func(p *proc) error {
		r := p.register(t, "shop", registrant(userPassword))
		if err := wantStatus(r, http.StatusForbidden, "registration_disabled"); err != nil {
			return err
		}
		if r.str("error_description") != "Registration not allowed" {
			return fmt.Errorf("403 without Keycloak's message: %v", r)
		}
		return nil
	})...)
}

// testLogoutAll uses a client_credentials token, which names no session:
// only the realm's notBefore can make the other processes refuse it.
func testLogoutAll(t *testing.T, c *cluster) {
	tok := c.a.serviceToken(t, "shop", svc).str("access_token")
	if tok == "" {
		t.Fatal("no client_credentials token from A")
	}
	if sid := claims(t, tok)["sid"]; sid != nil {
		t.Fatalf("a client_credentials token names a session (%v): the check would not isolate notBefore", sid)
	}
	for _, p := range []*proc{c.b, c.c} {
		if r := p.introspect(t, "shop", app, tok); r.body["active"] != true {
			t.Fatalf("%s's introspection of A's token before logout-all: %v", p.name, r)
		}
	}
	// notBefore is in whole seconds and refuses tokens issued before it:
	// wait until the token's second has passed.
	iat := int64(claims(t, tok)["iat"].(float64))
	time.Sleep(time.Until(time.Unix(iat+1, 0)))
	c.a.mustCall(t, http.StatusOK, http.MethodPost, "/admin/realms/shop/logout-all", c.a.adminToken(t), nil)
	eventually(t, time.Now(), onEach([]*proc{c.b, c.c}, "logout-all (notBefore) on A: %s refuses a token issued before it", func(p *proc) error {
		r := p.introspect(t, "shop", app, tok)
		if r.status != http.StatusOK || r.body["active"] != false {
			return fmt.Errorf("introspection: %v", r)
		}
		return nil
	})...)
	// A token issued after it is accepted everywhere.
	fresh := c.b.serviceToken(t, "shop", svc).str("access_token")
	for _, p := range c.all() {
		if r := p.introspect(t, "shop", app, fresh); r.body["active"] != true {
			t.Errorf("%s's introspection of a token issued after logout-all: %v", p.name, r)
		}
	}
}
