package verify_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/signing"
)

// A disabled user's link shows Keycloak's account-disabled page, the code
// fails as a wrong one does, and resend sends nothing; enabled again,
// the same link and code work.
func TestDisabledUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", map[string]string{"verifyResendRateLimitPerUser": "0"})
	e.register("demo", nil)
	m := e.smtp.deliver(e.s, 1)
	tok := e.adminToken()
	setEnabled := func(on bool) {
		t.Helper()
		r := e.call(http.MethodPut, "/admin/realms/demo/users/"+e.user("demo", "jdoe").ID, tok, map[string]any{"enabled": on})
		if r.Status != http.StatusNoContent {
			t.Fatalf("admin update: %d %s", r.Status, r.Body)
		}
	}
	setEnabled(false)
	wantPage(t, e.get(m.Link), http.StatusBadRequest, "Account is disabled, contact your administrator.")
	wantBadCode(t, e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code}))
	if r := e.resend("demo", map[string]any{"email": "jdoe@example.com"}); r.Status != http.StatusNoContent {
		t.Fatalf("resend: %d %s", r.Status, r.Body)
	}
	if n := e.smtp.settle(e.s); n != 1 {
		t.Errorf("%d mails, want 1: nothing is sent to a disabled account", n)
	}
	e.wantVerified("demo", "jdoe", false)
	errs := e.events("demo", "VERIFY_EMAIL_ERROR")
	if len(errs) != 2 || errs[0].Error != "user_disabled" || errs[1].Error != "user_disabled" {
		t.Errorf("events %+v", errs)
	}

	setEnabled(true)
	if r := e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code}); r.Status != http.StatusNoContent {
		t.Fatalf("code once enabled: %d %s", r.Status, r.Body)
	}
	e.wantLogin("demo", "jdoe")
}

// The per-type lifespan override (Keycloak's realm attribute
// actionTokenGeneratedByUserLifespan.verify-email) applies to the link,
// the code and the mail's wording.
func TestLifespanOverridePerType(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", map[string]string{"actionTokenGeneratedByUserLifespan.verify-email": "120"})
	e.register("demo", nil)
	m := e.smtp.deliver(e.s, 1)
	if c := claimsOf(t, m.Link); c.Exp-c.Iat != 120 {
		t.Errorf("lifespan %d s, want 120", c.Exp-c.Iat)
	}
	if !strings.Contains(m.Text, "This link will expire within 2 minutes.") {
		t.Errorf("text:\n%s", m.Text)
	}
}

// A realm whose admin lifespan is 0 (unset) gets Keycloak's 12 hours for
// the admin's mails, not the 5 minutes of the user's.
func TestAdminLifespanDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `"actionTokenGeneratedByAdminLifespan": 0,`, nil)
	e.register("demo", nil)
	e.smtp.deliver(e.s, 1)
	if r := e.sendVerifyEmail("jdoe", ""); r.Status != http.StatusNoContent {
		t.Fatalf("send-verify-email: %d %s", r.Status, r.Body)
	}
	if c := claimsOf(t, e.smtp.deliver(e.s, 2).Link); c.Exp-c.Iat != 43200 {
		t.Errorf("lifespan %d s, want 43200", c.Exp-c.Iat)
	}
}

// A rotation of the realm's HMAC key (a new active key, the old one kept
// for verification) voids no code already sent: codes are checked under
// every key that still verifies, as links are.
func TestCodeSurvivesKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	e.register("demo", nil)
	m := e.smtp.deliver(e.s, 1)
	ctx := context.Background()
	realm := e.s.Realm("demo")
	keys, err := e.s.Store.ListKeys(ctx, realm.ID)
	if err != nil {
		t.Fatal(err)
	}
	var top int64
	for _, k := range keys {
		top = max(top, k.Priority)
		if k.Algorithm == signing.HS512 {
			k.Active = false
			if err := e.s.Store.UpdateKey(ctx, &k); err != nil {
				t.Fatal(err)
			}
		}
	}
	nk, err := signing.NewHMACKey(realm.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	nk.Priority = top + 1
	if err := e.s.Store.CreateKey(ctx, &nk); err != nil {
		t.Fatal(err)
	}
	if r := e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code}); r.Status != http.StatusNoContent {
		t.Fatalf("code sent before the rotation: %d %s", r.Status, r.Body)
	}
}
