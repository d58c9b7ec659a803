package crashtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
)

// Kinds of creation.
const (
	kindRegister = "register" // POST /realms/{r}/protocol/openid-connect/registrations
	kindAdmin    = "admin"    // POST /admin/realms/{r}/users by the service account
)

// statusUnknown is an attempt whose answer never came: the run died with
// the request in flight (or on its connection), so it may or may not have
// been committed.
const statusUnknown = 0

// attempt is one creation request and what became of it.
type attempt struct {
	Kind     string
	Username string
	Email    string
	Password string
	Run      int    // the run it was sent to
	Retry    bool   // a client's retry, after the restart, of an unknown attempt
	Status   int    // HTTP status, or statusUnknown
	ID       string // the created user's id, from a 201
	Body     string // the answer, for reports (no secrets: passwords are not echoed)
}

// key identifies the user an attempt would create. Usernames and emails are
// compared lower-cased, as latchkey (and Keycloak) store them.
func (a *attempt) key() string { return strings.ToLower(a.Username) + "|" + strings.ToLower(a.Email) }

// ledger records every attempt. Its generator makes mostly new users and
// some deliberate collisions with earlier ones (the same username in other
// letter case, or the same email), so that the uniqueness checks have work.
type ledger struct {
	mu       sync.Mutex
	rnd      *rand.Rand
	n        int
	attempts []*attempt
}

func newLedger(seed uint64) *ledger {
	return &ledger{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// next makes the next attempt of kind, not yet sent.
func (l *ledger) next(kind string) *attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	a := &attempt{Kind: kind, Password: fmt.Sprintf("Pw-%08x-%d", l.rnd.Uint32(), l.n)}
	prefix := "r"
	if kind == kindAdmin {
		prefix = "a"
	}
	name := fmt.Sprintf("%s-user-%05d", prefix, l.n)
	a.Username, a.Email = mixCase(l.rnd, name), mixCase(l.rnd, name)+"@crash.example"
	if len(l.attempts) > 0 {
		prev := l.attempts[l.rnd.IntN(len(l.attempts))]
		switch p := l.rnd.Float64(); {
		case p < 0.08 && prev.Kind == kind:
			// The same username in other letters' case, a fresh email.
			a.Username = mixCase(l.rnd, prev.Username)
		case p < 0.16:
			// A fresh username, an email already asked for.
			a.Email = mixCase(l.rnd, prev.Email)
		}
	}
	l.attempts = append(l.attempts, a)
	return a
}

// retry makes a client's retry of an unknown attempt: the same request.
func (l *ledger) retry(prev *attempt) *attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := &attempt{Kind: prev.Kind, Username: prev.Username, Email: prev.Email, Password: prev.Password, Retry: true}
	l.attempts = append(l.attempts, a)
	return a
}

// snapshot returns the attempts recorded so far.
func (l *ledger) snapshot() []*attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*attempt(nil), l.attempts...)
}

func mixCase(r *rand.Rand, s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' && r.IntN(3) == 0 {
			b[i] = c - 'a' + 'A'
		} else if c >= 'A' && c <= 'Z' && r.IntN(3) == 0 {
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

// client is the load's HTTP client: a bound against hangs only.
var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}

// reply is a read answer; Status 0 when the request failed.
type reply struct {
	Status int
	Header http.Header
	Body   string
	Err    error
}

func do(ctx context.Context, method, u, token, contentType string, body io.Reader) reply {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return reply{Err: err}
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return reply{Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		// The headers came but the body did not: the outcome is
		// known only as far as the status goes; treat it as unknown.
		return reply{Err: err}
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func doJSON(ctx context.Context, method, u, token string, v any) reply {
	b, err := json.Marshal(v)
	if err != nil {
		return reply{Err: err}
	}
	return do(ctx, method, u, token, "application/json", bytes.NewReader(b))
}

// tokenFor asks the realm's token endpoint with form; "" when it fails.
func tokenFor(ctx context.Context, base, realm string, form url.Values) (string, reply) {
	r := do(ctx, "POST", base+"/realms/"+realm+"/protocol/openid-connect/token", "",
		"application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if r.Status != http.StatusOK {
		return "", r
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal([]byte(r.Body), &tok) != nil {
		return "", r
	}
	return tok.AccessToken, r
}

const (
	serviceClient = "registration-service"
	serviceSecret = "crash-registration-secret"
)

// send performs a, recording its outcome in it. token is the service
// account's for admin creations.
func send(ctx context.Context, base string, a *attempt, token string) {
	var r reply
	switch a.Kind {
	case kindRegister:
		r = doJSON(ctx, "POST", base+"/realms/"+realmName+"/protocol/openid-connect/registrations", "",
			map[string]any{"username": a.Username, "email": a.Email, "firstName": "Crash",
				"lastName": "Register", "password": a.Password})
	case kindAdmin:
		r = doJSON(ctx, "POST", base+"/admin/realms/"+realmName+"/users", token,
			map[string]any{"username": a.Username, "email": a.Email, "firstName": "Crash",
				"lastName": "Admin", "enabled": true,
				"credentials": []map[string]any{{"type": "password", "value": a.Password, "temporary": false}}})
	}
	a.Status, a.Body = r.Status, r.Body
	if r.Err != nil {
		a.Body = r.Err.Error()
	}
	if r.Status != http.StatusCreated {
		return
	}
	if loc := r.Header.Get("Location"); loc != "" {
		a.ID = path.Base(loc)
	}
	var created struct {
		ID string `json:"id"`
	}
	if a.Kind == kindRegister && json.Unmarshal([]byte(r.Body), &created) == nil && created.ID != "" {
		if a.ID != "" && a.ID != created.ID {
			a.Body = "Location and body name different ids: " + a.ID + " and " + created.ID
		}
		a.ID = created.ID
	}
}

// load runs workers of each kind against p until ctx ends. A worker sends
// only while a run is up; it gets the service account's token once per run.
func load(ctx context.Context, p *process, l *ledger, registrars, admins int) *sync.WaitGroup {
	var wg sync.WaitGroup
	worker := func(kind string) {
		defer wg.Done()
		var token string
		var tokenRun int64
		for ctx.Err() == nil {
			run := p.up.Load()
			if run == 0 {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			if kind == kindAdmin && tokenRun != run {
				t, _ := tokenFor(context.Background(), p.base, realmName, url.Values{"grant_type": {"client_credentials"},
					"client_id": {serviceClient}, "client_secret": {serviceSecret}})
				if t == "" {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				token, tokenRun = t, run
			}
			a := l.next(kind)
			a.Run = int(run)
			// Not ctx: stopping the load lets requests in flight finish.
			send(context.Background(), p.base, a, token)
		}
	}
	for range registrars {
		wg.Add(1)
		go worker(kindRegister)
	}
	for range admins {
		wg.Add(1)
		go worker(kindAdmin)
	}
	return &wg
}
