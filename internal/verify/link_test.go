package verify_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/verify"
)

// wantStale expects the stale-link page and no verification.
func (e *env) wantStale(link string) {
	e.t.Helper()
	wantPage(e.t, e.get(link), http.StatusBadRequest, msgStale)
	e.wantVerified("demo", "jdoe", false)
}

func TestExpiredLinkAndCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `"actionTokenGeneratedByUserLifespan": 1,`, nil)
	e.register("demo", nil)
	m := e.smtp.deliver(e.s, 1)
	c := claimsOf(t, m.Link)
	if c.Exp-c.Iat != 1 {
		t.Fatalf("lifespan %d s, want the realm's 1 s", c.Exp-c.Iat)
	}
	// Wait until the token's second is over (at most a second and a bit).
	time.Sleep(time.Until(time.Unix(c.Exp, 0).Add(50 * time.Millisecond)))

	wantPage(t, e.get(m.Link), http.StatusBadRequest, msgExpired)
	wantBadCode(t, e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code}))
	e.wantVerified("demo", "jdoe", false)
	e.wantNotSetUp("demo", "jdoe")
	errs := e.events("demo", "VERIFY_EMAIL_ERROR")
	if len(errs) != 2 || errs[1].Error != "expired_code" || errs[0].Error != "expired_code" {
		t.Errorf("events %+v", errs)
	}
}

func TestForgedExpiredLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	e.register("demo", nil)
	m := e.smtp.deliver(e.s, 1)
	c := claimsOf(t, m.Link)
	c.Iat, c.Exp = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-time.Second).Unix()
	wantPage(t, e.get(e.linkFor("demo", e.sign("demo", c))), http.StatusBadRequest, msgExpired)
	e.wantVerified("demo", "jdoe", false)
	// The same claims, unexpired, do verify: the key and claims are right.
	c.Exp = time.Now().Add(time.Minute).Unix()
	wantPage(t, e.get(e.linkFor("demo", e.sign("demo", c))), http.StatusOK, msgVerified)
	e.wantVerified("demo", "jdoe", true)
}

func TestTamperedLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	e.register("demo", nil)
	e.register("demo", map[string]any{"username": "mallory", "email": "mallory@example.com"})
	m := e.smtp.deliver(e.s, 1)
	if m.To != "jdoe@example.com" {
		m = e.smtp.deliver(e.s, 2)
	}
	key, _ := url.Parse(m.Link)
	parts := strings.Split(key.Query().Get("key"), ".")
	other := e.smtp.deliver(e.s, 2)
	if other.To == m.To {
		other = e.smtp.deliver(e.s, 1)
	}
	otherKey, _ := url.Parse(other.Link)
	otherParts := strings.Split(otherKey.Query().Get("key"), ".")

	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	claims["exp"] = claims["exp"].(float64) + 3600
	altered, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	none := enc([]byte(`{"alg":"none","typ":"JWT"}`))

	c := claimsOf(t, m.Link)
	wrongIss, noNonce, wrongTyp, wrongAud := c, c, c, c
	wrongIss.Iss = e.s.URL + "/realms/master"
	noNonce.Nonce = ""
	wrongTyp.Typ = "reset-credentials"
	wrongAud.Aud = "account"

	for name, tok := range map[string]string{
		"altered payload":         parts[0] + "." + enc(altered) + "." + parts[2],
		"other token's signature": parts[0] + "." + parts[1] + "." + otherParts[2],
		"truncated signature":     parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-4],
		"alg none":                none + "." + parts[1] + ".",
		"no signature":            parts[0] + "." + parts[1],
		"empty":                   "",
		"garbage":                 "not-a-token",
		"wrong issuer":            e.sign("demo", wrongIss),
		"no nonce":                e.sign("demo", noNonce),
		"other type":              e.sign("demo", wrongTyp),
		"other audience":          e.sign("demo", wrongAud),
	} {
		t.Run(name, func(t *testing.T) { e.t = t; e.wantStale(e.linkFor("demo", tok)) })
	}
	e.t = t
	// The mallory token, valid, must not verify jdoe whatever it is pasted
	// into: its subject is mallory.
	wantPage(t, e.get(other.Link), http.StatusOK, msgVerified)
	e.wantVerified("demo", "jdoe", false)
	e.wantVerified("demo", "mallory", true)
	// The untouched link still works.
	wantPage(t, e.get(m.Link), http.StatusOK, msgVerified)
	e.wantVerified("demo", "jdoe", true)
}

func TestLinkOfAnotherRealm(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	e.s.ImportRealm(realmJSON("other", e.smtp.settingsJSON(), "", nil))
	e.register("demo", nil)
	e.register("other", nil)
	e.smtp.deliver(e.s, 2)
	var otherLink string
	for _, m := range e.smtp.Messages() {
		if strings.Contains(m.Link, "/realms/other/") {
			otherLink = m.Link
		}
	}
	if otherLink == "" {
		t.Fatal("no mail from realm other")
	}
	e.wantStale(strings.Replace(otherLink, "/realms/other/", "/realms/demo/", 1))
	e.wantVerified("other", "jdoe", false)
	// The claims of the other realm signed with demo's key but naming the
	// other realm's issuer are refused too.
	c := claimsOf(t, otherLink)
	e.wantStale(e.linkFor("demo", e.sign("demo", c)))
	// Where it belongs, it works.
	wantPage(t, e.get(otherLink), http.StatusOK, msgVerified)
	e.wantVerified("other", "jdoe", true)
	e.wantVerified("demo", "jdoe", false)
}

func TestLinkAfterAdminChangedEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	e.register("demo", nil)
	m := e.smtp.deliver(e.s, 1)
	u := e.user("demo", "jdoe")
	r := e.call(http.MethodPut, "/admin/realms/demo/users/"+u.ID, e.adminToken(),
		map[string]any{"email": "john@example.com"})
	if r.Status != http.StatusNoContent {
		t.Fatalf("admin update: %d %s", r.Status, r.Body)
	}
	e.wantStale(m.Link)
	errs := e.events("demo", "VERIFY_EMAIL_ERROR")
	if len(errs) != 1 || errs[0].Error != "invalid_email" {
		t.Errorf("events %+v", errs)
	}
	// The code went to the old address: void too, under either address.
	wantBadCode(t, e.verifyCode("demo", map[string]any{"username": "jdoe", "code": m.Code}))
	wantBadCode(t, e.verifyCode("demo", map[string]any{"email": "john@example.com", "code": m.Code}))
	e.wantVerified("demo", "jdoe", false)
}

// sendVerifyEmail is the admin's PUT send-verify-email with query.
func (e *env) sendVerifyEmail(username, query string) response {
	e.t.Helper()
	return e.call(http.MethodPut, "/admin/realms/demo/users/"+e.user("demo", username).ID+"/send-verify-email"+query,
		e.adminToken(), nil)
}

func TestAdminSendVerifyEmailRedirects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	e.register("demo", nil)
	e.smtp.deliver(e.s, 1)
	if r := e.sendVerifyEmail("jdoe", "?client_id=app&redirect_uri=https://evil.test/"); r.Status != http.StatusBadRequest {
		t.Errorf("invalid redirect_uri: %d %s", r.Status, r.Body)
	}
	r := e.sendVerifyEmail("jdoe", "?client_id=app&redirect_uri="+url.QueryEscape("https://app.test/done?x=1")+"&lifespan=600")
	if r.Status != http.StatusNoContent {
		t.Fatalf("send-verify-email: %d %s", r.Status, r.Body)
	}
	m := e.smtp.deliver(e.s, 2)
	checkVerifyMail(t, e.s.URL, mailWithLifespan(m, "10 minutes"))
	c := claimsOf(t, m.Link)
	if c.Azp != "app" || c.Reduri != "https://app.test/done?x=1" || c.Exp-c.Iat != 600 || c.Typ != verify.TypeVerifyEmail {
		t.Errorf("claims %+v", c)
	}
	if n := len(e.events("demo", "SEND_VERIFY_EMAIL")); n != 2 {
		t.Errorf("%d SEND_VERIFY_EMAIL events, want 2", n)
	}
	r = e.get(m.Link)
	if r.Status != http.StatusFound || r.Header.Get("Location") != "https://app.test/done?x=1" {
		t.Fatalf("link: %d Location %q", r.Status, r.Header.Get("Location"))
	}
	e.wantVerified("demo", "jdoe", true)
	e.wantLogin("demo", "jdoe")

	// Defaults: the admin lifespan (12 hours), client "account", no redirect.
	e.register("demo", map[string]any{"username": "jane", "email": "jane@example.com"})
	e.smtp.deliver(e.s, 3)
	if r := e.sendVerifyEmail("jane", ""); r.Status != http.StatusNoContent {
		t.Fatalf("send-verify-email: %d %s", r.Status, r.Body)
	}
	m = e.smtp.deliver(e.s, 4)
	c = claimsOf(t, m.Link)
	if c.Exp-c.Iat != 43200 || c.Azp != "account" || c.Reduri != "" ||
		!strings.Contains(m.Text, "This link will expire within 12 hours.") {
		t.Errorf("claims %+v\n%s", c, m.Text)
	}
}

// mailWithLifespan rewrites the lifespan sentence so checkVerifyMail,
// which expects the registration's 5 minutes, accepts an admin's mail.
func mailWithLifespan(m mailMsg, want string) mailMsg {
	m.Text = strings.Replace(m.Text, "This link will expire within "+want+".", "This link will expire within 5 minutes.", 1)
	return m
}

func TestNoRedirectToInvalidURI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	e.register("demo", nil)
	c := claimsOf(t, e.smtp.deliver(e.s, 1).Link)
	for _, tc := range []struct{ azp, reduri string }{
		{"app", "https://evil.test/"},
		{"app", "https://app.test.evil.test/"},
		{"other", "https://app.test/x"}, // valid for app, not for other
		{"", "https://app.test/x"},      // no client
		{"nosuch", "https://app.test/x"},
		{"app", "javascript:alert(1)"},
	} {
		c.Azp, c.Reduri = tc.azp, tc.reduri
		r := e.get(e.linkFor("demo", e.sign("demo", c)))
		if r.Header.Get("Location") != "" || r.Status != http.StatusOK {
			t.Errorf("%+v: %d Location %q", tc, r.Status, r.Header.Get("Location"))
		}
	}
	c.Azp, c.Reduri = "other", "https://other.test/cb"
	if r := e.get(e.linkFor("demo", e.sign("demo", c))); r.Status != http.StatusFound ||
		r.Header.Get("Location") != "https://other.test/cb" {
		t.Errorf("valid redirect: %d Location %q", r.Status, r.Header.Get("Location"))
	}
}

func TestExecuteActionsEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	e.register("demo", nil)
	e.register("demo", map[string]any{"username": "jane", "email": "jane@example.com"})
	e.smtp.deliver(e.s, 2)
	tok := e.adminToken()
	send := func(username string, actions []string) mailMsg {
		t.Helper()
		n := len(e.smtp.Messages())
		r := e.call(http.MethodPut, "/admin/realms/demo/users/"+e.user("demo", username).ID+"/execute-actions-email",
			tok, actions)
		if r.Status != http.StatusNoContent {
			t.Fatalf("execute-actions-email: %d %s", r.Status, r.Body)
		}
		m := e.smtp.deliver(e.s, n+1)
		if m.Subject != "Update Your Account" || m.Link == "" || m.HTMLLink != m.Link {
			t.Fatalf("mail %q link %q\n%s", m.Subject, m.Link, m.Text)
		}
		return m
	}

	m := send("jdoe", []string{"VERIFY_EMAIL"})
	if !strings.Contains(m.Text, "the following action(s): Verify Email.") {
		t.Errorf("text:\n%s", m.Text)
	}
	c := claimsOf(t, m.Link)
	if c.Typ != verify.TypeExecuteActions || len(c.Actions) != 1 || c.Actions[0] != "VERIFY_EMAIL" || c.Exp-c.Iat != 43200 {
		t.Errorf("claims %+v", c)
	}
	wantPage(t, e.get(m.Link), http.StatusOK, msgVerified)
	e.wantVerified("demo", "jdoe", true)
	e.wantLogin("demo", "jdoe")

	m = send("jane", []string{"UPDATE_PASSWORD"})
	r := e.get(m.Link)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "complete these actions in your application") {
		t.Errorf("UPDATE_PASSWORD link: %d %s", r.Status, r.Body)
	}
	e.wantVerified("demo", "jane", false)

	// Both: the email is verified, and the page asks for the rest.
	e.register("demo", map[string]any{"username": "jim", "email": "jim@example.com"})
	e.smtp.deliver(e.s, 5)
	m = send("jim", []string{"VERIFY_EMAIL", "UPDATE_PASSWORD"})
	wantPage(t, e.get(m.Link), http.StatusOK,
		msgVerified+" Please complete these actions in your application: UPDATE_PASSWORD.")
	e.wantVerified("demo", "jim", true)
}
