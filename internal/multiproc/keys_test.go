package multiproc_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// testKeysReplaced changes a realm's keys through A. latchkey has no admin
// endpoint that adds or rotates a key (GET /keys only lists them); a
// realm's keys change when the realm is deleted and created again, here
// with the same id, as restoring it from an export through the admin API
// does. It is done twice, because a process that verifies a token signed
// by an unknown key reloads the realm's keys, which would hide a stale
// signing key: the first round checks only what B and C sign and publish,
// the second what they accept.
func testKeysReplaced(t *testing.T, c *cluster) {
	const realm = "rotating"
	others := []*proc{c.b, c.c}

	before := replaceKeys(t, c, realm)
	eventually(t, time.Now(), append(
		onEach(others, "keys replaced on A: %s signs tokens A accepts", func(p *proc) error {
			tok := p.mustLogin(t, realm, app, "rot-user", userPassword).str("access_token")
			if r := c.a.userinfo(t, realm, tok); r.status != http.StatusOK {
				return fmt.Errorf("A refuses %s's token signed by kid %s (%s in A's JWKS): %v", p.name, kid(t, tok),
					map[bool]string{true: "present", false: "absent"}[c.a.jwksHasKid(t, realm, kid(t, tok))], r)
			}
			return nil
		}),
		onEach(others, "keys replaced on A: %s's JWKS is A's", func(p *proc) error {
			want := c.a.jwks(t, realm)
			if got := p.jwks(t, realm); got != want {
				stale := ""
				if got == before {
					stale = " (the keys from before the change)"
				}
				return fmt.Errorf("%s publishes other keys than A%s", p.name, stale)
			}
			return nil
		})...)...)

	replaceKeys(t, c, realm)
	eventually(t, time.Now(), onEach(others, "keys replaced on A: %s accepts a token A signed with the new key", func(p *proc) error {
		tok := c.a.mustLogin(t, realm, app, "rot-user", userPassword).str("access_token")
		return wantStatus(p.userinfo(t, realm, tok), http.StatusOK, "")
	})...)
}

// replaceKeys has B and C sign a token of the realm (so that they hold its
// keys, as a cache would), then deletes the realm through A and creates it
// again with the same id and content, and new keys. It returns the JWKS
// from before the change.
func replaceKeys(t *testing.T, c *cluster, realm string) string {
	t.Helper()
	for _, p := range []*proc{c.b, c.c} {
		p.mustLogin(t, realm, app, "rot-user", userPassword)
	}
	before := c.a.jwks(t, realm)
	admin := c.a.adminToken(t)
	c.a.mustCall(t, http.StatusNoContent, http.MethodDelete, "/admin/realms/"+realm, admin, nil)
	c.a.mustCall(t, http.StatusCreated, http.MethodPost, "/admin/realms", admin, rotatingRealm)
	if c.a.jwks(t, realm) == before {
		t.Fatal("the re-created realm kept its keys: the checks would prove nothing")
	}
	return before
}
