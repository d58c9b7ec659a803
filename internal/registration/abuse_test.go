package registration_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/testenv"
)

const tooMany = `{"error":"too_many_requests","error_description":"Too many registration attempts, retry later"}`

// wantRetryAfter checks a 429 and its Retry-After: whole seconds, at
// least 1, at most the time one attempt takes to refill.
func wantRetryAfter(t *testing.T, r response, maxSeconds int) {
	t.Helper()
	wantJSON(t, r, http.StatusTooManyRequests, tooMany)
	n, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || n < 1 || n > maxSeconds {
		t.Errorf("Retry-After %q, want 1..%d seconds", r.Header.Get("Retry-After"), maxSeconds)
	}
}

func TestRateLimitPerAddress(t *testing.T) {
	limits := map[string]string{"registrationRateLimitPerAddress": "3", "registrationRateLimitPerRealm": "0"}
	t.Run("socket address; X-Forwarded-For ignored without --proxy-headers", func(t *testing.T) {
		s := newServer(t, "", limits)
		for i := range 3 {
			// Any attempt counts, a refused one too.
			r := post(t, s, `{}`, "X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i+1))
			if r.Status != http.StatusBadRequest {
				t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
			}
		}
		wantRetryAfter(t, post(t, s, body(nil), "X-Forwarded-For", "10.0.0.99"), 20)
		if n := len(users(t, s)); n != 0 {
			t.Errorf("%d users", n)
		}
		// Another realm has its own buckets.
		s.ImportRealm(realm("other", "", limits))
		if r := postTo(t, s, "other", body(nil)); r.Status != http.StatusCreated {
			t.Errorf("other realm: %d %s", r.Status, r.Body)
		}
	})
	t.Run("X-Forwarded-For trusted with --proxy-headers xforwarded", func(t *testing.T) {
		s := testenv.NewServer(t, func(c *config.Config) { c.ProxyHeaders = "xforwarded" })
		s.ImportRealm(realm("demo", "", limits))
		for i := range 3 {
			if r := post(t, s, `{}`, "X-Forwarded-For", "10.0.0.1, 127.0.0.1"); r.Status != http.StatusBadRequest {
				t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
			}
		}
		wantRetryAfter(t, post(t, s, body(nil), "X-Forwarded-For", "10.0.0.1"), 20)
		if r := post(t, s, body(nil), "X-Forwarded-For", "10.0.0.2"); r.Status != http.StatusCreated {
			t.Errorf("another address: %d %s", r.Status, r.Body)
		}
		// The limited address is recorded in events as the proxy gave it.
		if r := post(t, s, body(nil), "X-Forwarded-For", "10.0.0.1"); r.Status != http.StatusTooManyRequests {
			t.Errorf("still limited: %d %s", r.Status, r.Body)
		}
	})
	t.Run("Forwarded header with --proxy-headers forwarded", func(t *testing.T) {
		s := testenv.NewServer(t, func(c *config.Config) { c.ProxyHeaders = "forwarded" })
		s.ImportRealm(realm("demo", "", limits))
		for range 3 {
			post(t, s, `{}`, "Forwarded", `for="[2001:db8::1]:4711"`)
		}
		wantRetryAfter(t, post(t, s, `{}`, "Forwarded", `for="[2001:db8::1]"`), 20)
		if r := post(t, s, `{}`, "Forwarded", "for=192.0.2.60;proto=https"); r.Status != http.StatusBadRequest {
			t.Errorf("another address: %d %s", r.Status, r.Body)
		}
	})
}

func TestRateLimitPerRealm(t *testing.T) {
	s := testenv.NewServer(t, func(c *config.Config) { c.ProxyHeaders = "xforwarded" })
	s.ImportRealm(realm("demo", "", map[string]string{"registrationRateLimitPerAddress": "0", "registrationRateLimitPerRealm": "5"}))
	for i := range 5 {
		if r := post(t, s, `{}`, "X-Forwarded-For", fmt.Sprintf("10.1.0.%d", i)); r.Status != http.StatusBadRequest {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
		}
	}
	wantRetryAfter(t, post(t, s, body(nil), "X-Forwarded-For", "10.1.1.1"), 12)
}

// TestRateLimitDefault: with no attributes, one address is stopped well
// before 100 attempts a minute (at 10).
func TestRateLimitDefault(t *testing.T) {
	s := testenv.NewServer(t)
	s.ImportRealm(`{"realm":"demo","enabled":true,"registrationAllowed":true}`)
	got := 0
	for range 100 {
		r := post(t, s, `{}`)
		if r.Status == http.StatusTooManyRequests {
			break
		}
		got++
	}
	if got != 10 {
		t.Errorf("%d attempts before 429, want 10", got)
	}
	wantRetryAfter(t, post(t, s, `{}`), 6)
}

// TestCORS: the preflight, and the actual request from allowed and other
// origins, with and without client_id.
func TestCORS(t *testing.T) {
	s := newServer(t, "", nil)
	t.Run("preflight", func(t *testing.T) {
		for _, origin := range []string{"https://app.test", "https://evil.test"} {
			r := do(t, http.MethodOptions, regURL(s, "demo")+"?client_id=app", nil, "Origin", origin,
				"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
			if r.Status != http.StatusOK || r.Header.Get("Access-Control-Allow-Origin") != origin ||
				r.Header.Get("Access-Control-Allow-Methods") != "GET, POST, OPTIONS" ||
				!strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Content-Type") ||
				r.Header.Get("Access-Control-Allow-Credentials") != "true" {
				t.Errorf("preflight from %s: %d %v", origin, r.Status, r.Header)
			}
		}
		if r := do(t, http.MethodOptions, regURL(s, "demo"), nil); r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight without Origin: %v", r.Header)
		}
	})
	tests := []struct {
		name, query, origin string
		fields              map[string]any
		allowed             bool
	}{
		{"realm-wide: a client's origin from its redirect URIs", "", "https://app.test", nil, true},
		{"realm-wide: another client's origin", "", "https://web.test", nil, true},
		{"realm-wide: a disabled client's origin", "", "https://off.test", nil, false},
		{"realm-wide: an unknown origin", "", "https://evil.test", nil, false},
		{"named client in the query: its origin", "?client_id=web", "https://web.test", nil, true},
		{"named client in the query: another client's origin", "?client_id=web", "https://app.test", nil, false},
		{"named client in the body: its origin", "", "https://app.test", map[string]any{"client_id": "app"}, true},
		{"named client in the body: another client's origin", "", "https://web.test", map[string]any{"client_id": "app"}, false},
		{"unknown client in the body", "", "https://app.test", map[string]any{"client_id": "nobody"}, false},
		{"error answer from an allowed origin", "?client_id=app", "https://app.test", map[string]any{"email": "bad"}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := map[string]any{"username": fmt.Sprintf("cors%d", i), "email": fmt.Sprintf("cors%d@example.com", i)}
			for k, v := range tt.fields {
				f[k] = v
			}
			r := do(t, http.MethodPost, regURL(s, "demo")+tt.query, strings.NewReader(body(f)),
				"Content-Type", "application/json", "Origin", tt.origin)
			if r.Status >= 500 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			acao := r.Header.Get("Access-Control-Allow-Origin")
			if tt.allowed {
				if acao != tt.origin || r.Header.Get("Access-Control-Allow-Credentials") != "true" ||
					r.Header.Get("Access-Control-Expose-Headers") != "Location" {
					t.Errorf("headers %v", r.Header)
				}
			} else if acao != "" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("CORS headers for a disallowed origin: %v", r.Header)
			}
			if v := r.Header.Values("Vary"); len(v) != 1 || v[0] != "Origin" {
				t.Errorf("Vary %q", v)
			}
		})
	}
	// A request from a disallowed origin is still processed (the browser
	// withholds the answer), as Keycloak does.
	if u := userNamed(t, s, "cors3"); u == nil {
		t.Errorf("request from a disallowed origin not processed")
	}
}

// fakeVerifier is a siteverify endpoint on loopback: a token is good when
// it is "good-token" and the secret is right.
type fakeVerifier struct {
	mu    sync.Mutex
	calls []map[string]string
}

func (f *fakeVerifier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad", 400)
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, map[string]string{"secret": r.PostForm.Get("secret"),
		"response": r.PostForm.Get("response"), "remoteip": r.PostForm.Get("remoteip")})
	f.mu.Unlock()
	ok := r.PostForm.Get("secret") == "captcha-secret" && r.PostForm.Get("response") == "good-token"
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"success":%v,"error-codes":[]}`, ok)
}

func TestCaptcha(t *testing.T) {
	fv := &fakeVerifier{}
	verifier := httptest.NewServer(fv)
	defer verifier.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // nothing listens there any more
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>oops</html>"))
	}))
	defer broken.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"success":true}`))
	}))
	defer failing.Close()

	s := newServer(t, "", map[string]string{"registrationCaptchaVerifyUrl": verifier.URL,
		"registrationCaptchaSecret": "captcha-secret", "registrationCaptchaSiteKey": "site-key-1"})
	s.ImportRealm(realm("down", "", map[string]string{"registrationCaptchaVerifyUrl": downURL, "registrationCaptchaSecret": "captcha-secret"}))
	s.ImportRealm(realm("broken", "", map[string]string{"registrationCaptchaVerifyUrl": broken.URL, "registrationCaptchaSecret": "captcha-secret"}))
	s.ImportRealm(realm("failing", "", map[string]string{"registrationCaptchaVerifyUrl": failing.URL, "registrationCaptchaSecret": "captcha-secret"}))
	captchaFailed := invalid(fe("captchaToken", "recaptchaFailed", "Invalid Recaptcha"))
	unavailable := `{"error":"temporarily_unavailable","error_description":"CAPTCHA verification is unavailable, retry later"}`

	tests := []struct {
		name, realm string
		fields      map[string]any
		status      int
		want        string
	}{
		{"missing token", "demo", nil, 400, captchaFailed},
		{"empty token", "demo", map[string]any{"captchaToken": " "}, 400, captchaFailed},
		{"wrong token", "demo", map[string]any{"captchaToken": "bad-token"}, 400, captchaFailed},
		{"verifier down: fails closed", "down", map[string]any{"captchaToken": "good-token"}, 503, unavailable},
		{"verifier answers garbage: fails closed", "broken", map[string]any{"captchaToken": "good-token"}, 503, unavailable},
		{"verifier fails: fails closed", "failing", map[string]any{"captchaToken": "good-token"}, 503, unavailable},
		{"right token", "demo", map[string]any{"captchaToken": "good-token"}, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(usersOf(t, s, tt.realm))
			r := postTo(t, s, tt.realm, body(tt.fields))
			created := 0
			if tt.status == 201 {
				created = 1
				if r.Status != 201 {
					t.Errorf("%d %s", r.Status, r.Body)
				}
			} else {
				wantJSON(t, r, tt.status, tt.want)
			}
			if after := len(usersOf(t, s, tt.realm)); after != before+created {
				t.Errorf("%d users before, %d after", before, after)
			}
		})
	}
	fv.mu.Lock()
	defer fv.mu.Unlock()
	// Blank tokens are refused without asking; the verifier got the secret,
	// the token and the client address.
	if len(fv.calls) != 2 {
		t.Fatalf("verifier calls %v", fv.calls)
	}
	if c := fv.calls[1]; c["secret"] != "captcha-secret" || c["response"] != "good-token" || c["remoteip"] != "127.0.0.1" {
		t.Errorf("verifier got %v", c)
	}
	// The rules publish the site key, never the secret.
	rules := do(t, http.MethodGet, regURL(s, "demo"), nil, "Accept", "application/json")
	if !strings.Contains(string(rules.Body), `"captcha":{"required":true,"siteKey":"site-key-1"}`) ||
		strings.Contains(string(rules.Body), "captcha-secret") || strings.Contains(string(rules.Body), verifier.URL) {
		t.Errorf("rules %s", rules.Body)
	}
}
