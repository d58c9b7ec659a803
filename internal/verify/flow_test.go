package verify_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/testenv"
)

// backends runs fn on SQLite and, when LATCHKEY_TEST_POSTGRES_URL is set,
// on PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, opts ...func(*config.Config))) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, testenv.OnPostgres(t)) })
}

// registerAndReceive registers jdoe in demo and returns the mail, checked.
func (e *env) registerAndReceive() mailMsg {
	e.t.Helper()
	out := e.register("demo", map[string]any{"client_id": "app"})
	if out["emailVerified"] != false {
		e.t.Errorf("registered user: emailVerified %v", out["emailVerified"])
	}
	if ra, _ := out["requiredActions"].([]any); len(ra) != 1 || ra[0] != "VERIFY_EMAIL" {
		e.t.Errorf("registered user: requiredActions %v", out["requiredActions"])
	}
	m := e.smtp.deliver(e.s, 1)
	checkVerifyMail(e.t, e.s.URL, m)
	return m
}

// checkVerifyMail checks the verify-email mail: addresses, subject, the
// same link and code in both parts.
func checkVerifyMail(t *testing.T, base string, m mailMsg) {
	t.Helper()
	if m.To != "jdoe@example.com" || m.From != "noreply@test.local" {
		t.Errorf("envelope %s -> %s", m.From, m.To)
	}
	if m.Subject != "Verify email" {
		t.Errorf("subject %q", m.Subject)
	}
	if !strings.HasPrefix(m.ContentHeader, "multipart/alternative") || m.Text == "" || m.HTML == "" {
		t.Fatalf("want text and HTML parts; Content-Type %s\n%s", m.ContentHeader, m.Raw)
	}
	if !strings.HasPrefix(m.Link, base+"/realms/demo/login-actions/action-token?key=") {
		t.Fatalf("link %q in\n%s", m.Link, m.Text)
	}
	if m.HTMLLink != m.Link {
		t.Errorf("HTML link %q, text link %q", m.HTMLLink, m.Link)
	}
	if !regexp.MustCompile(`^\d{6}$`).MatchString(m.Code) || m.HTMLCode != m.Code {
		t.Fatalf("code %q (HTML %q) in\n%s\n%s", m.Code, m.HTMLCode, m.Text, m.HTML)
	}
	if !strings.Contains(m.Text, "This link will expire within 5 minutes.") {
		t.Errorf("text without Keycloak's lifespan sentence:\n%s", m.Text)
	}
}

func TestRegisterThenFollowLink(t *testing.T) {
	backends(t, func(t *testing.T, opts ...func(*config.Config)) {
		e := newEnv(t, "", nil, opts...)
		m := e.registerAndReceive()
		if n := len(e.events("demo", "SEND_VERIFY_EMAIL")); n != 1 {
			t.Errorf("%d SEND_VERIFY_EMAIL events, want 1", n)
		}
		c := claimsOf(t, m.Link)
		u := e.user("demo", "jdoe")
		if c.Typ != "verify-email" || c.Sub != u.ID || c.Eml != "jdoe@example.com" || c.Azp != "app" ||
			c.Iss != e.s.URL+"/realms/demo" || c.Aud != c.Iss || c.Nonce == "" || c.Exp-c.Iat != 300 {
			t.Errorf("claims %+v", c)
		}
		e.wantNotSetUp("demo", "jdoe")
		if evs := e.events("demo", "LOGIN_ERROR"); len(evs) != 1 || evs[0].Error != "resolve_required_actions" || evs[0].UserID != u.ID {
			t.Errorf("LOGIN_ERROR events %+v", evs)
		}

		r := e.get(m.Link)
		wantPage(t, r, http.StatusOK, msgVerified)
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
		}
		e.wantVerified("demo", "jdoe", true)
		evs := e.events("demo", "VERIFY_EMAIL")
		if len(evs) != 1 || evs[0].UserID != u.ID || evs[0].ClientID != "app" || evs[0].Details["email"] != "jdoe@example.com" {
			t.Errorf("VERIFY_EMAIL events %+v", evs)
		}
		e.wantLogin("demo", "jdoe")
		// The code of the mail is spent with the link.
		wantBadCode(t, e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code}))

		// A second click: already verified, Keycloak's page and event error.
		wantPage(t, e.get(m.Link), http.StatusOK, msgAlreadyVerified)
		errs := e.events("demo", "VERIFY_EMAIL_ERROR")
		if len(errs) != 2 || errs[0].Error != "email_already_verified" || errs[0].UserID != u.ID {
			t.Errorf("VERIFY_EMAIL_ERROR events %+v", errs)
		}
		if n := len(e.events("demo", "VERIFY_EMAIL")); n != 1 {
			t.Errorf("%d VERIFY_EMAIL events after the second click, want 1", n)
		}
	})
}

func TestRegisterThenSubmitCode(t *testing.T) {
	backends(t, func(t *testing.T, opts ...func(*config.Config)) {
		e := newEnv(t, "", nil, opts...)
		m := e.registerAndReceive()
		e.wantNotSetUp("demo", "jdoe")

		r := e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code})
		if r.Status != http.StatusNoContent || r.Body != "" {
			t.Fatalf("code: %d %s", r.Status, r.Body)
		}
		e.wantVerified("demo", "jdoe", true)
		evs := e.events("demo", "VERIFY_EMAIL")
		if len(evs) != 1 || evs[0].Details["method"] != "code" {
			t.Errorf("VERIFY_EMAIL events %+v", evs)
		}
		e.wantLogin("demo", "jdoe")
		// Single use.
		wantBadCode(t, e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code}))
		// The link still shows the already-verified page.
		wantPage(t, e.get(m.Link), http.StatusOK, msgAlreadyVerified)
	})
}

func TestCodeByUsername(t *testing.T) {
	e := newEnv(t, "", nil)
	m := e.registerAndReceive()
	wantBadCode(t, e.verifyCode("demo", map[string]any{"username": "jdoe", "code": "x" + m.Code}))
	if r := e.verifyCode("demo", map[string]any{"username": "jdoe", "code": " " + m.Code + " "}); r.Status != http.StatusNoContent {
		t.Fatalf("code by username: %d %s", r.Status, r.Body)
	}
	e.wantLogin("demo", "jdoe")
}

// Registrations, and then resends, that arrive together each get their
// mail: more of them than the PostgreSQL pool has connections. Writing the
// mail inside the request's transaction must not need a second connection
// of the pool, or the requests deadlock once every connection holds one.
func TestConcurrentRegistrationsAndResends(t *testing.T) {
	backends(t, func(t *testing.T, opts ...func(*config.Config)) {
		e := newEnv(t, "", nil, opts...)
		const n = 40
		together := func(what, path string, body func(i int) string, want int) {
			t.Helper()
			var wg sync.WaitGroup
			status := make([]int, n)
			for i := range n {
				wg.Go(func() {
					req, _ := http.NewRequest(http.MethodPost, e.s.URL+path, strings.NewReader(body(i)))
					req.Header.Set("Content-Type", "application/json")
					resp, err := timeoutClient.Do(req)
					if err != nil {
						return // status stays 0
					}
					resp.Body.Close()
					status[i] = resp.StatusCode
				})
			}
			wg.Wait()
			for i, s := range status {
				if s != want {
					t.Fatalf("%s %d: status %d (0: no answer within the client's timeout)", what, i, s)
				}
			}
		}
		together("registration", "/realms/demo/protocol/openid-connect/registrations", func(i int) string {
			return fmt.Sprintf(`{"username":"user%d","email":"user%d@example.com","firstName":"U","lastName":"S","password":%q}`,
				i, i, password)
		}, http.StatusCreated)
		e.smtp.deliver(e.s, n)
		together("resend", "/realms/demo/protocol/openid-connect/registrations/verify/resend", func(i int) string {
			return fmt.Sprintf(`{"username":"user%d"}`, i)
		}, http.StatusNoContent)
		e.smtp.deliver(e.s, 2*n)
	})
}

// timeoutClient gives up on a request that hangs.
var timeoutClient = &http.Client{Timeout: 20 * time.Second}
