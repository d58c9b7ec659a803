package verify_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/internal/verify"
)

// FuzzVerifyEndpoints: whatever body reaches the code and resend endpoints
// and whatever query (action token) reaches the link, the answer is never
// a 5xx; the JSON endpoints refuse in the {"error","error_description"}
// shape and the link with one of Keycloak's result pages; the code
// endpoint never accepts a code (nobody here knows one); and the seeded
// user "victim", who has a code and a link pending, is never verified.
// Another user, "decoy", has a genuine link among the seeds, so the
// success path runs too.
//
//	go test ./internal/verify -run '^$' -fuzz FuzzVerifyEndpoints -fuzztime 60s
func FuzzVerifyEndpoints(f *testing.F) {
	s := testenv.NewServer(f)
	s.ImportRealm(realmJSON("demo", "null", "", nil))
	for _, name := range []string{"victim", "decoy"} {
		body := fmt.Sprintf(`{"username":%q,"email":"%s@example.com","firstName":"F","lastName":"L","password":%q}`,
			name, name, password)
		resp, err := http.Post(s.URL+"/realms/demo/protocol/openid-connect/registrations", "application/json",
			strings.NewReader(body))
		if err != nil {
			f.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			f.Fatalf("register %s: %d", name, resp.StatusCode)
		}
	}
	realmID := s.Realm("demo").ID
	victim := storedUser(f, s, realmID, "victim")
	decoy := storedUser(f, s, realmID, "decoy")
	iss := s.URL + "/realms/demo"
	now := time.Now()
	claims := func(u *model.User, typ string) verify.ActionClaims {
		return verify.ActionClaims{Exp: now.Add(time.Hour).Unix(), Iat: now.Unix(), Jti: "j-" + u.Username, Iss: iss,
			Aud: iss, Sub: u.ID, Typ: typ, Azp: "app", Nonce: "n-" + u.Username, Eml: u.Email,
			Reduri: "https://app.test/done"}
	}
	genuine := signAction(f, s, realmID, claims(decoy, verify.TypeVerifyEmail))
	forged := map[string]string{"genuine link of decoy": genuine}
	// The victim's claims under the decoy's signature, with alg none, and
	// signed by a key the realm does not have.
	vc := claims(victim, verify.TypeVerifyEmail)
	vb, _ := json.Marshal(vc)
	parts := strings.Split(genuine, ".")
	forged["victim's claims, decoy's signature"] = parts[0] + "." + base64.RawURLEncoding.EncodeToString(vb) + "." + parts[2]
	forged["alg none"] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString(vb) + "."
	other, err := signing.NewKey("x", "x", signing.HS512, now)
	if err != nil {
		f.Fatal(err)
	}
	ks, err := signing.NewKeySet("x", []model.SigningKey{other})
	if err != nil {
		f.Fatal(err)
	}
	if forged["unknown key"], err = ks.Sign(signing.HS512, vb); err != nil {
		f.Fatal(err)
	}
	// Genuinely signed tokens for the victim that must not verify: expired,
	// another issuer, an unknown type, the email changed since, and
	// execute-actions without VERIFY_EMAIL.
	expired := claims(victim, verify.TypeVerifyEmail)
	expired.Exp = now.Add(-time.Minute).Unix()
	forged["expired"] = signAction(f, s, realmID, expired)
	foreign := claims(victim, verify.TypeVerifyEmail)
	foreign.Iss, foreign.Aud = "http://localhost/realms/demo", "http://localhost/realms/demo"
	forged["other issuer"] = signAction(f, s, realmID, foreign)
	forged["unknown type"] = signAction(f, s, realmID, claims(victim, "reset-credentials"))
	stale := claims(victim, verify.TypeVerifyEmail)
	stale.Eml = "old@example.com"
	forged["stale email"] = signAction(f, s, realmID, stale)
	actions := claims(victim, verify.TypeExecuteActions)
	actions.Actions = []string{"UPDATE_PASSWORD"}
	forged["execute-actions without VERIFY_EMAIL"] = signAction(f, s, realmID, actions)

	for _, tok := range forged {
		f.Add(uint8(2), "key="+url.QueryEscape(tok), "")
	}
	f.Add(uint8(2), "key="+genuine+"&key=x", "")
	f.Add(uint8(2), "key="+genuine[:len(genuine)-3], "")
	f.Add(uint8(2), "key=a.b.c", "")
	f.Add(uint8(2), "key=%zz&client_id=app&redirect_uri=https://evil.test", "")
	f.Add(uint8(2), "", "")
	f.Add(uint8(2), "key="+strings.Repeat("A", 3000), "")
	for i, b := range []string{
		`{"email":"victim@example.com","code":"000000"}`, `{"username":"victim","code":"123456","client_id":"app"}`,
		`{"email":" VICTIM@EXAMPLE.COM ","code":" 1 "}`, `{"email":"victim@example.com","username":"victim","code":"1"}`,
		`{"email":"victim@example.com","code":["1"]}`, `{"email":"victim@example.com","code":123456}`,
		`{"email":"victim@example.com","code":""}`, `{"email":"%","code":"%"}`, `{"username":"*","code":"*"}`,
		`{"email":"victim@example.com\u0000","code":"1"}`, `{"email":"decoy@example.com","client_id":"nobody"}`,
		`{"email":"victim@example.com","code":"1"} {}`, `{"email":"victim@example.com","code":"` + strings.Repeat("9", 5000) + `"}`,
		`null`, `[]`, `{`, `"x"`, ``, `{"email":"victim@example.com","email":"decoy@example.com","code":"1"}`,
	} {
		f.Add(uint8(i%2), b, "")
	}
	f.Add(uint8(0), `{"email":"victim@example.com","code":"1"}`, "application/json; charset=utf-8")
	f.Add(uint8(1), `{"email":"victim@example.com"}`, "text/plain")
	f.Add(uint8(0), `email=victim@example.com&code=1`, "application/x-www-form-urlencoded")
	f.Add(uint8(1), `{}`, "application/json; charset=\"")

	client := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	codeURL := s.URL + "/realms/demo/protocol/openid-connect/registrations/verify"
	f.Fuzz(func(t *testing.T, which uint8, input, contentType string) {
		var req *http.Request
		var err error
		what := ""
		switch which % 3 {
		case 0, 1:
			u := codeURL
			if which%3 == 1 {
				u += "/resend"
			}
			what = "POST " + u[len(s.URL):]
			if req, err = http.NewRequest(http.MethodPost, u, strings.NewReader(input)); err != nil {
				t.Fatal(err)
			}
			if contentType == "" {
				contentType = "application/json"
			}
			req.Header.Set("Content-Type", contentType)
		default:
			what = "GET action-token"
			if req, err = http.NewRequest(http.MethodGet, s.URL+"/realms/demo/login-actions/action-token?"+wireQuery(input), nil); err != nil {
				t.Fatal(err)
			}
		}
		if strings.ContainsFunc(contentType, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			t.Skip("not a header value")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %q (%q): %d %s", what, input, contentType, resp.StatusCode, raw)
		}
		switch which % 3 {
		case 0, 1:
			if resp.StatusCode == http.StatusNoContent && which%3 == 0 {
				t.Fatalf("%s %q: a code nobody knows was accepted", what, input)
			}
			if resp.StatusCode != http.StatusNoContent && !oauthError(resp, raw) {
				t.Fatalf("%s %q (%q): %d without an OAuth error body: %q", what, input, contentType, resp.StatusCode, raw)
			}
		default:
			switch resp.StatusCode {
			case http.StatusOK, http.StatusBadRequest:
				if !resultPage(resp, raw) {
					t.Fatalf("%s %q: %d without a result page: %q", what, input, resp.StatusCode, raw)
				}
			case http.StatusFound:
				if resp.Header.Get("Location") != "https://app.test/done" {
					t.Fatalf("%s %q: redirected to %q", what, input, resp.Header.Get("Location"))
				}
			default:
				t.Fatalf("%s %q: %d %q", what, input, resp.StatusCode, raw)
			}
		}
		if u := storedUser(t, s, realmID, "victim"); u.EmailVerified || !hasAction(u, "VERIFY_EMAIL") || !u.Enabled {
			t.Fatalf("%s %q (%q): victim now emailVerified %v, required actions %v, enabled %v",
				what, input, contentType, u.EmailVerified, u.RequiredActions, u.Enabled)
		}
	})
}

// oauthError reports a JSON {"error": "...", ...} body.
func oauthError(resp *http.Response, raw []byte) bool {
	var m map[string]any
	if resp.StatusCode < 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
		json.Unmarshal(raw, &m) != nil {
		return false
	}
	e, _ := m["error"].(string)
	return e != ""
}

// resultPage reports the link's HTML page with one of Keycloak's messages.
func resultPage(resp *http.Response, raw []byte) bool {
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		return false
	}
	for _, msg := range []string{msgVerified, msgAlreadyVerified, msgExpired, msgStale,
		"Account is disabled, contact your administrator.", "Please complete these actions in your application"} {
		if strings.Contains(string(raw), "<p>"+msg) {
			return true
		}
	}
	return false
}

func storedUser(t testing.TB, s *testenv.Server, realmID, username string) *model.User {
	t.Helper()
	u, err := s.Store.GetUserByUsername(context.Background(), realmID, username)
	if err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	return u
}

// signAction signs action-token claims with the realm's own HS512 key.
func signAction(t testing.TB, s *testenv.Server, realmID string, c verify.ActionClaims) string {
	t.Helper()
	keys, err := s.Store.ListKeys(context.Background(), realmID)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := signing.NewKeySet(realmID, keys)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	tok, err := ks.Sign(signing.HS512, b)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// wireQuery percent-encodes the bytes a request line cannot carry
// (controls, space, '#', non-ASCII), so that the fuzzed query reaches
// the handler rather than net/http's request-line parser; '%', '&' and
// '=' stay, so malformed escapes and repeated parameters get through.
func wireQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
