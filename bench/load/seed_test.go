//go:build linux

package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// Seeded users are real users of the realm: the store counts them, each
// logs in with the seed password through the token endpoint, and every
// admin-search kind finds what its terms were built from, through the
// admin API with the bench service account.
func TestSeededUsersLogInAndAreFound(t *testing.T) {
	rep, err := os.ReadFile("realm-bench.json")
	if err != nil {
		t.Fatal(err)
	}
	cred, err := seedCredential("Bench-password-1")
	if err != nil {
		t.Fatal(err)
	}
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		ctx := context.Background()
		r := s.ImportRealm(string(rep))
		const n = 1200 // more than one batch
		if err := seedUsers(ctx, s.Store, "bench", 0, 700, cred); err != nil {
			t.Fatal(err)
		}
		if err := seedUsers(ctx, s.Store, "bench", 700, n, cred); err != nil { // continues where it stopped
			t.Fatal(err)
		}
		if got, err := s.Store.CountUsers(ctx, r.ID, store.UserQuery{}); err != nil || got != n {
			t.Fatalf("count = %d, %v; want %d", got, err, n)
		}
		for _, i := range []int{0, 699, 700, n - 1} {
			p := seedPersonAt(i)
			u, err := s.Store.GetUserByUsername(ctx, r.ID, p.Username)
			if err != nil || u.Email != p.Email {
				t.Fatalf("user %d: %+v, %v; want %+v", i, u, err, p)
			}
			res, err := http.PostForm(s.URL+"/realms/bench/protocol/openid-connect/token", url.Values{
				"grant_type": {"password"}, "client_id": {"bench-app"}, "username": {p.Username}, "password": {"Bench-password-1"}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("login of seeded user %s answered %d", p.Username, res.StatusCode)
			}
		}
		for _, kind := range append(searchKinds, "all") {
			res, err := run(config{scenario: "admin-search", base: s.URL, realm: "bench", adminClient: "bench-admin",
				adminSecret: "bench-admin-secret", concurrency: 2, count: 30, duration: time.Minute, searchKind: kind, seeded: n})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK != 30 || len(res.Errors) > 0 || res.Scenario != "admin-search/"+kind {
				t.Errorf("admin-search %s: %d ok of %d, errors %v", kind, res.OK, res.Requests, res.Errors)
			}
		}
		// A realm seeded with fewer users than the generator assumes
		// makes the count kind fail: the check can fail.
		res, err := run(config{scenario: "admin-search", base: s.URL, realm: "bench", adminClient: "bench-admin",
			adminSecret: "bench-admin-secret", concurrency: 1, count: 3, duration: time.Minute, searchKind: "count", seeded: n + 1})
		if err != nil || res.Errors["empty"] != 3 {
			t.Errorf("count over a too large seed: %+v, %v", res, err)
		}
	})
}

func TestSearchPathTermsComeFromSeededUsers(t *testing.T) {
	for i := range 200 {
		for _, kind := range searchKinds {
			path, err := searchPath(kind, i, 1000)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(path)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			term := q.Get("search") + q.Get("username") + q.Get("email")
			if kind == "count" {
				if path != "/users/count" {
					t.Errorf("count path %q", path)
				}
				continue
			}
			found := false
			for j := range 1000 {
				p := seedPersonAt(j)
				if strings.Contains(p.Username, term) || strings.Contains(p.Email, term) {
					found = true
					break
				}
			}
			if term == "" || !found {
				t.Errorf("%s: term %q of %s matches no seeded user", kind, term, path)
			}
		}
	}
	if _, err := searchPath("fuzzy", 0, 10); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := searchPath("prefix", 0, 0); err == nil {
		t.Error("zero seeded users accepted")
	}
}
