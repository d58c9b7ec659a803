package faulttest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/httpapi"
)

// outcome is what one user creation was answered.
type outcome struct {
	Status int
	Body   string
	Took   time.Duration
	Err    error
}

// load creates users through the admin API from a few goroutines until
// stopped, remembering every answer by username.
type load struct {
	s   *server
	tok string

	mu      sync.Mutex
	results map[string]outcome
	created int

	stop chan struct{}
	wg   sync.WaitGroup
}

func startLoad(s *server, tok string, workers int) *load {
	l := &load{s: s, tok: tok, results: map[string]outcome{}, stop: make(chan struct{})}
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				name := fmt.Sprintf("load-%d-%d", w, i)
				r, err := s.createUser(tok, name)
				l.record(name, outcome{Status: r.Status, Body: r.Body, Took: r.Took, Err: err})
				if err != nil || r.Status != http.StatusCreated {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	return l
}

func (l *load) record(name string, o outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.results[name] = o
	if o.Err == nil && o.Status == http.StatusCreated {
		l.created++
	}
}

// waitCreated waits until n users were created (at most limit).
func (l *load) waitCreated(t *testing.T, n int, limit time.Duration) {
	t.Helper()
	for start := time.Now(); time.Since(start) < limit; time.Sleep(20 * time.Millisecond) {
		l.mu.Lock()
		c := l.created
		l.mu.Unlock()
		if c >= n {
			return
		}
	}
	t.Fatalf("fewer than %d users created in %s", n, limit)
}

// halt stops the goroutines and waits for their last requests.
func (l *load) halt() {
	close(l.stop)
	l.wg.Wait()
}

// summary counts answers by status (-1 for a transport error, -503 for
// the 503s that said the outcome is unknown, also counted under 503) and
// the longest 503.
func (l *load) summary() (map[int]int, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	counts := map[int]int{}
	for _, o := range l.results {
		if o.Err == nil && strings.Contains(o.Body, httpapi.UnknownOutcomeDescription) {
			counts[-503]++ // 503s that said the outcome is unknown
		}
	}
	var slowest time.Duration
	for _, o := range l.results {
		if o.Err != nil {
			counts[-1]++
			continue
		}
		counts[o.Status]++
		if o.Status == http.StatusServiceUnavailable {
			slowest = max(slowest, o.Took)
		}
	}
	return counts, slowest
}

// checkAnswers fails on any answer but 201 or the promised 503 within
// bound.
func (l *load) checkAnswers(t *testing.T, bound time.Duration) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	names := make([]string, 0, len(l.results))
	for n := range l.results {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		o := l.results[n]
		switch {
		case o.Err != nil:
			t.Errorf("create %s: %v", n, o.Err)
		case o.Status == http.StatusCreated:
		default:
			checkUnavailable(t, "create "+n, response{Status: o.Status, Body: o.Body, Took: o.Took}, bound)
		}
	}
}

// checkStored reads every user of the realm back after recovery: each
// created one (201) exists with its password credential and the realm's
// default roles; no user exists whose creation was answered anything but
// 201, except after the 503 that says the outcome is unknown (the
// connection died during COMMIT), and then whole. It returns how many
// did, and logs in as one created user to prove the credential.
func (l *load) checkStored(t *testing.T, tok string) (committedDespite503 int) {
	t.Helper()
	s := l.s
	r := s.call(http.MethodGet, "/admin/realms/"+realmName+"/users?briefRepresentation=true&max=100000", tok, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list users: %d %s", r.Status, r.Body)
	}
	var users []struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	}
	if err := json.Unmarshal([]byte(r.Body), &users); err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{}
	for _, u := range users {
		stored[u.Username] = u.ID
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var probe string
	for name, o := range l.results {
		id, ok := stored[name]
		switch {
		case o.Err == nil && o.Status == http.StatusCreated:
			if !ok {
				t.Errorf("%s was answered 201 but does not exist", name)
				continue
			}
			probe = name
		case ok && o.Err == nil && o.Status == http.StatusServiceUnavailable &&
			strings.Contains(o.Body, httpapi.UnknownOutcomeDescription):
			committedDespite503++
			t.Logf("%s was answered 503 (outcome unknown) and had been committed", name)
		case ok:
			t.Errorf("%s exists though its creation was answered %d %v", name, o.Status, o.Err)
			continue
		default:
			continue
		}
		l.checkWhole(t, tok, name, id)
	}
	if probe == "" {
		t.Fatal("no user was created")
	}
	if r, err := s.passwordGrant(realmName, probe, userPassword); err != nil || r.Status != http.StatusOK {
		t.Errorf("login as created user %s: %v %d %.300s", probe, err, r.Status, r.Body)
	}
	return committedDespite503
}

// checkWhole fails unless user id has a password credential and the
// realm's default roles.
func (l *load) checkWhole(t *testing.T, tok, name, id string) {
	t.Helper()
	base := "/admin/realms/" + realmName + "/users/" + url.PathEscape(id)
	r := l.s.call(http.MethodGet, base+"/credentials", tok, nil)
	var creds []named
	if err := json.Unmarshal([]byte(r.Body), &creds); r.Status != http.StatusOK || err != nil ||
		!slices.ContainsFunc(creds, func(c named) bool { return c.Type == "password" }) {
		t.Errorf("%s: credentials %d %s: no password", name, r.Status, r.Body)
	}
	r = l.s.call(http.MethodGet, base+"/role-mappings/realm", tok, nil)
	var roles []named
	if err := json.Unmarshal([]byte(r.Body), &roles); r.Status != http.StatusOK || err != nil ||
		!slices.ContainsFunc(roles, func(x named) bool { return x.Name == "default-roles-"+realmName }) {
		t.Errorf("%s: realm roles %d %s: no default roles", name, r.Status, r.Body)
	}
}

// named is the part of a credential or role representation checked here.
type named struct {
	Type string `json:"type"`
	Name string `json:"name"`
}
