package verify_test

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/internal/config"
)

// wrongCode is a 6-digit code that is not code.
func wrongCode(code string, i int) string {
	n, _ := strconv.Atoi(code)
	return fmt.Sprintf("%06d", (n+1+i)%1_000_000)
}

func TestWrongCodeFiveTimesVoidsIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	e.register("demo", nil)
	m := e.smtp.deliver(e.s, 1)
	for i := range 5 {
		wantBadCode(t, e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": wrongCode(m.Code, i)}))
	}
	// Voided: the right code fails now, and the link still works.
	wantBadCode(t, e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code}))
	e.wantVerified("demo", "jdoe", false)
	errs := e.events("demo", "VERIFY_EMAIL_ERROR")
	if len(errs) != 6 || errs[0].Error != "expired_code" || errs[1].Error != "invalid_code" {
		t.Errorf("events %+v", errs)
	}
	wantPage(t, e.get(m.Link), http.StatusOK, msgVerified)
}

func TestFourWrongCodesThenRight(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	e.register("demo", nil)
	m := e.smtp.deliver(e.s, 1)
	for i := range 4 {
		wantBadCode(t, e.verifyCode("demo", map[string]any{"username": "jdoe", "code": wrongCode(m.Code, i)}))
	}
	if r := e.verifyCode("demo", map[string]any{"username": "jdoe", "code": m.Code}); r.Status != http.StatusNoContent {
		t.Fatalf("right code after 4 wrong ones: %d %s", r.Status, r.Body)
	}
	e.wantVerified("demo", "jdoe", true)
}

// Concurrent guesses must not get more than five comparisons with the
// code between them: each is counted before it is compared.
func TestConcurrentGuessesCountEach(t *testing.T) {
	backends(t, func(t *testing.T, opts ...func(*config.Config)) { concurrentGuesses(t, opts...) })
}

func concurrentGuesses(t *testing.T, opts ...func(*config.Config)) {
	e := newEnv(t, "", nil, opts...)
	e.register("demo", nil)
	m := e.smtp.deliver(e.s, 1)
	const n = 40
	var wg sync.WaitGroup
	results := make([]response, n)
	for i := range n {
		wg.Go(func() {
			results[i] = e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": wrongCode(m.Code, i)})
		})
	}
	wg.Wait()
	for _, r := range results {
		wantBadCode(t, r)
	}
	compared := 0
	for _, ev := range e.events("demo", "VERIFY_EMAIL_ERROR") {
		if ev.Error == "invalid_code" {
			compared++
		}
	}
	if compared != 5 {
		t.Errorf("%d of %d concurrent guesses were compared with the code, want 5", compared, n)
	}
	wantBadCode(t, e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code}))
	e.wantVerified("demo", "jdoe", false)
}

// A code for an account that does not exist answers exactly like a wrong
// code, so the endpoint tells nothing about which accounts exist.
func TestCodeForUnknownAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	e.register("demo", nil)
	m := e.smtp.deliver(e.s, 1)
	wrong := e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": wrongCode(m.Code, 0)})
	for _, body := range []map[string]any{
		{"email": "nobody@example.com", "code": m.Code},
		{"username": "nobody", "code": m.Code},
		{"email": "jdoe@example.com", "code": ""},
	} {
		r := e.verifyCode("demo", body)
		wantBadCode(t, r)
		if r.Body != wrong.Body || r.Header.Get("Content-Type") != wrong.Header.Get("Content-Type") ||
			r.Header.Get("Cache-Control") != wrong.Header.Get("Cache-Control") {
			t.Errorf("%v: %v %q differs from a wrong code's %v %q", body, r.Header, r.Body, wrong.Header, r.Body)
		}
	}
	// The account's code was not spent by those.
	if r := e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code}); r.Status != http.StatusNoContent {
		t.Fatalf("right code: %d %s", r.Status, r.Body)
	}
}

func TestCodeRequestErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"code":"123456"}`, http.StatusBadRequest},
		{`{"email":"a@b.c","username":"a","code":"123456"}`, http.StatusBadRequest},
		{`{"email":`, http.StatusBadRequest},
		{`{"email":"a@b.c","code":"1"} {}`, http.StatusBadRequest},
	} {
		r := e.call(http.MethodPost, "/realms/demo/protocol/openid-connect/registrations/verify", "", tc.body)
		if r.Status != tc.status || r.json(t)["error"] != "invalid_request" {
			t.Errorf("%s: %d %s", tc.body, r.Status, r.Body)
		}
	}
	if r := e.verifyCode("nosuch", map[string]any{"email": "a@b.c", "code": "123456"}); r.Status != http.StatusNotFound {
		t.Errorf("unknown realm: %d %s", r.Status, r.Body)
	}
}

func TestResend(t *testing.T) {
	backends(t, func(t *testing.T, opts ...func(*config.Config)) {
		e := newEnv(t, "", nil, opts...)
		e.register("demo", nil)
		old := e.smtp.deliver(e.s, 1)

		if r := e.resend("demo", map[string]any{"email": "jdoe@example.com"}); r.Status != http.StatusNoContent {
			t.Fatalf("resend: %d %s", r.Status, r.Body)
		}
		m := e.smtp.deliver(e.s, 2)
		checkVerifyMail(t, e.s.URL, m)
		if m.Code == old.Code || m.Link == old.Link {
			t.Fatalf("resend sent the same code %s or link", m.Code)
		}
		// The per-user limit (one a minute) drops the next one silently.
		if r := e.resend("demo", map[string]any{"username": "jdoe"}); r.Status != http.StatusNoContent {
			t.Fatalf("second resend: %d %s", r.Status, r.Body)
		}
		// Unknown accounts get the same answer, and nothing is sent.
		for _, body := range []map[string]any{{"email": "nobody@example.com"}, {"username": "nobody"}} {
			if r := e.resend("demo", body); r.Status != http.StatusNoContent || r.Body != "" {
				t.Fatalf("resend %v: %d %s", body, r.Status, r.Body)
			}
		}
		if n := e.smtp.settle(e.s); n != 2 {
			t.Fatalf("%d mails after the dropped resends, want 2", n)
		}
		if n := len(e.events("demo", "SEND_VERIFY_EMAIL")); n != 2 {
			t.Errorf("%d SEND_VERIFY_EMAIL events, want 2", n)
		}

		// The old code is void; the new one works.
		wantBadCode(t, e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": old.Code}))
		if r := e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code}); r.Status != http.StatusNoContent {
			t.Fatalf("new code: %d %s", r.Status, r.Body)
		}
		e.wantLogin("demo", "jdoe")
	})
}

func TestResendToVerifiedAccountSendsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", map[string]string{"verifyResendRateLimitPerUser": "0"})
	e.register("demo", nil)
	m := e.smtp.deliver(e.s, 1)
	wantPage(t, e.get(m.Link), http.StatusOK, msgVerified)
	if r := e.resend("demo", map[string]any{"email": "jdoe@example.com"}); r.Status != http.StatusNoContent {
		t.Fatalf("resend: %d %s", r.Status, r.Body)
	}
	if n := e.smtp.settle(e.s); n != 1 {
		t.Fatalf("%d mails, want 1", n)
	}
}

func TestResendPerAddressLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", map[string]string{"verifyRateLimitPerAddress": "3", "verifyResendRateLimitPerUser": "0"})
	e.register("demo", nil)
	e.smtp.deliver(e.s, 1)
	for i := range 3 {
		if r := e.resend("demo", map[string]any{"email": "jdoe@example.com"}); r.Status != http.StatusNoContent {
			t.Fatalf("resend %d: %d %s", i, r.Status, r.Body)
		}
	}
	r := e.resend("demo", map[string]any{"email": "nobody@example.com"})
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth resend: %d Retry-After %q %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// With the per-user limit off, the three resends were all sent.
	if n := e.smtp.settle(e.s); n != 4 {
		t.Errorf("%d mails, want 4", n)
	}
	// The code endpoint counts the same address on its own.
	if r := e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": "000000"}); r.Status != http.StatusBadRequest {
		t.Errorf("code after the resend limit: %d %s", r.Status, r.Body)
	}
}
