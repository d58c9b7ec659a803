package registration_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestConcurrentSameUsername: 100 registrations of one username in mixed
// cases at once give exactly one 201 and 99 409 username_in_use; the
// database decides, on every backend.
func TestConcurrentSameUsername(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		// A cheap hash keeps 100 registrations quick; uniqueness does not
		// depend on it.
		s.ImportRealm(realm("demo", `"passwordPolicy":"hashAlgorithm(pbkdf2-sha256) and hashIterations(1)",`, nil))
		const n = 100
		results := make([]response, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				name := []byte("racer")
				for j := range name {
					if i>>j&1 == 1 {
						name[j] -= 'a' - 'A'
					}
				}
				results[i] = post(t, s, body(map[string]any{"username": string(name), "email": fmt.Sprintf("racer%d@example.com", i)}))
			}()
		}
		close(start)
		wg.Wait()
		count := map[int]int{}
		for _, r := range results {
			count[r.Status]++
			switch r.Status {
			case http.StatusCreated:
			case http.StatusConflict:
				wantJSON(t, r, http.StatusConflict, `{"error":"username_in_use","error_description":"Username already exists."}`)
			default:
				t.Errorf("unexpected %d %s", r.Status, r.Body)
			}
		}
		if count[http.StatusCreated] != 1 || count[http.StatusConflict] != n-1 {
			t.Errorf("statuses %v", count)
		}
		if us := users(t, s); len(us) != 1 || us[0].Username != "racer" {
			t.Errorf("users %v", us)
		}
	})
}

// TestEventsAndMetrics: REGISTER with username and email and never the
// password; REGISTER_ERROR with Keycloak's error ids; the counters.
func TestEventsAndMetrics(t *testing.T) {
	s := newServer(t, `"eventsEnabled":true,`, nil)
	const secret = "Unique-pw-4711"
	steps := []struct {
		body   string
		status int
	}{
		{body(map[string]any{"username": "Evie", "email": "evie@example.com", "password": secret}), 201},
		{body(map[string]any{"username": "evie", "email": "other@example.com", "password": secret}), 409},
		{body(map[string]any{"username": "evie2", "email": "EVIE@example.com", "password": secret}), 409},
		{body(map[string]any{"username": "e", "password": secret}), 400},
		{`{"username":`, 400},
	}
	for _, st := range steps {
		if r := post(t, s, st.body, "Origin", "https://app.test"); r.Status != st.status {
			t.Fatalf("%s: %d %s", st.body, r.Status, r.Body)
		}
	}
	es := events(t, s)
	// Newest first.
	want := []struct{ typ, err, username, email string }{
		{"REGISTER_ERROR", "invalid_registration", "", ""},
		{"REGISTER_ERROR", "invalid_registration", "e", "jdoe@example.com"},
		{"REGISTER_ERROR", "email_in_use", "evie2", "EVIE@example.com"},
		{"REGISTER_ERROR", "username_in_use", "evie", "other@example.com"},
		{"REGISTER", "", "Evie", "evie@example.com"},
	}
	if len(es) != len(want) {
		t.Fatalf("%d events: %+v", len(es), es)
	}
	for i, w := range want {
		e := es[i]
		if e.Type != w.typ || e.Error != w.err || e.Details["username"] != w.username || e.Details["email"] != w.email ||
			e.IPAddress != "127.0.0.1" || e.Details["register_method"] != "api" {
			t.Errorf("event %d: %+v, want %+v", i, e, w)
		}
		for k, v := range e.Details {
			if strings.Contains(v, secret) || strings.Contains(strings.ToLower(k), "password") {
				t.Errorf("event %d details carry the password: %v", i, e.Details)
			}
		}
	}
	if u := userNamed(t, s, "evie"); u == nil || es[4].UserID != u.ID {
		t.Errorf("REGISTER user id %q", es[4].UserID)
	}
	metrics := do(t, http.MethodGet, s.URL+"/metrics", nil)
	wantLines := []string{
		`latchkey_registrations_total{outcome="created",realm="demo"} 1`,
		`latchkey_registrations_total{outcome="email_in_use",realm="demo"} 1`,
		`latchkey_registrations_total{outcome="invalid_registration",realm="demo"} 2`,
		`latchkey_registrations_total{outcome="username_in_use",realm="demo"} 1`,
	}
	got := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(metrics.Body))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "latchkey_registrations_total") {
			got[sc.Text()] = true
		}
	}
	for _, l := range wantLines {
		if !got[l] {
			t.Errorf("metrics lack %s; have %v", l, got)
		}
	}
	if len(got) != len(wantLines) {
		t.Errorf("metrics %v", got)
	}
	if bytes.Contains(metrics.Body, []byte(secret)) {
		t.Error("the password is in /metrics")
	}
}

// TestRules: GET with Accept: application/json publishes the rules; any
// other GET is 406.
func TestRules(t *testing.T) {
	s := newServer(t, `"passwordPolicy":"length(10) and digits(1) and notUsername and passwordHistory(3)",`,
		map[string]string{"registrationEmailDomainAllowList": "example.com, corp.test", "registrationEmailDomainDenyList": "spam.test"})
	s.ImportRealm(`{"realm":"plain","enabled":true,"registrationEmailAsUsername":true,"verifyEmail":true}`)
	nameRules := `{"length":{"max":255},"prohibitedCharacters":"<>&\"$%!#?§;*~/\\|^=[]{}()"}`
	tail := `{"name":"firstName","required":true,"validators":` + nameRules + `},
		{"name":"lastName","required":true,"validators":` + nameRules + `},
		{"name":"password","required":true}`
	r := do(t, http.MethodGet, regURL(s, "demo"), nil, "Accept", "application/json", "Origin", "https://app.test")
	wantJSON(t, r, http.StatusOK, `{"realm":"demo","registrationAllowed":true,"registrationEmailAsUsername":false,"verifyEmail":false,
		"fields":[
		{"name":"username","required":true,"validators":{"length":{"min":3,"max":255},"noHomographs":true,"noWhitespace":true,"prohibitedCharacters":"<>&\"'$%!#?§,;:*~/\\|^=[]{}()`+"`"+`"}},
		{"name":"email","required":true,"validators":{"email":true,"length":{"max":255},"domainAllowList":["example.com","corp.test"],"domainDenyList":["spam.test"]}},
		`+tail+`],
		"passwordPolicy":[
		{"id":"length","value":10,"message":"Invalid password: minimum length 10."},
		{"id":"digits","value":1,"message":"Invalid password: must contain at least 1 numerical digits."},
		{"id":"notUsername","message":"Invalid password: must not be equal to the username."},
		{"id":"passwordHistory","value":3,"message":"Invalid password: must not be equal to any of last 3 passwords.","serverSide":true}]}`)
	if r.Header.Get("Access-Control-Allow-Origin") != "https://app.test" {
		t.Errorf("CORS %v", r.Header)
	}
	r = do(t, http.MethodGet, regURL(s, "plain"), nil, "Accept", "application/json, text/plain;q=0.5")
	wantJSON(t, r, http.StatusOK, `{"realm":"plain","registrationAllowed":false,"registrationEmailAsUsername":true,"verifyEmail":true,
		"fields":[{"name":"email","required":true,"validators":{"email":true,"length":{"max":255}}},`+tail+`],"passwordPolicy":[]}`)
	notAcceptable := `{"error":"not_acceptable","error_description":"The browser registration page is not served; send Accept: application/json for the registration rules"}`
	for _, accept := range []string{"", "text/html", "*/*"} {
		wantJSON(t, do(t, http.MethodGet, regURL(s, "demo"), nil, "Accept", accept), http.StatusNotAcceptable, notAcceptable)
	}
	wantJSON(t, do(t, http.MethodGet, regURL(s, "nowhere"), nil, "Accept", "application/json"), http.StatusNotFound, `{"error":"Realm does not exist"}`)
}
