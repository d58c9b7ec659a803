package crashtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// userRep is what the checks read of a user.
type userRep struct {
	ID              string   `json:"id"`
	Username        string   `json:"username"`
	Email           string   `json:"email"`
	Enabled         bool     `json:"enabled"`
	RequiredActions []string `json:"requiredActions"`
}

// admin calls the admin API as the master realm's admin.
type admin struct {
	t     *testing.T
	base  string
	token string
}

func newAdmin(t *testing.T, base string) *admin {
	t.Helper()
	token, r := tokenFor(context.Background(), base, "master", url.Values{"grant_type": {"password"},
		"client_id": {"admin-cli"}, "username": {adminUser}, "password": {adminPassword}})
	if token == "" {
		t.Fatalf("master admin login: %d %s %v", r.Status, r.Body, r.Err)
	}
	return &admin{t: t, base: base, token: token}
}

// get reads path under /admin/realms/{realm} into v; false (and an error
// reported) on anything but 200.
func (a *admin) get(path string, v any) bool {
	a.t.Helper()
	r := do(context.Background(), "GET", a.base+"/admin/realms/"+realmName+path, a.token, "", nil)
	if r.Status != http.StatusOK {
		a.t.Errorf("GET %s: %d %.300s %v", path, r.Status, r.Body, r.Err)
		return false
	}
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		a.t.Errorf("GET %s: %v\n%.300s", path, err, r.Body)
		return false
	}
	return true
}

// users lists every user of the realm, page by page.
func (a *admin) users() []userRep {
	a.t.Helper()
	var all []userRep
	for first := 0; ; first += 100 {
		var page []userRep
		if !a.get("/users?briefRepresentation=false&max=100&first="+strconv.Itoa(first), &page) {
			a.t.FailNow()
		}
		all = append(all, page...)
		if len(page) < 100 {
			return all
		}
	}
}

// parallel runs fn for each of n items, four at a time: every argon2
// hash costs about 16 ms of a CPU.
func parallel(n int, fn func(i int)) {
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(i)
		})
	}
	wg.Wait()
}

// check verifies, on the last run, what a kill must never break:
//   - every user acknowledged with a 201 exists, with the id it was given;
//   - no username (case-insensitively) and no email was acknowledged twice
//     or exists twice, and no user exists that was never asked for or
//     only ever refused;
//   - no user is half-written: each has its password credential and the
//     realm's default roles, and its password logs in (or, pending email
//     verification, is refused only for that);
//   - the user count matches the listing;
//   - every registered user's verification mail reaches the SMTP server
//     (checkMail).
func check(t *testing.T, p *process, l *ledger, sk *sink, cfg crashConfig) {
	adm := newAdmin(t, p.base)
	var realm struct {
		ID string `json:"id"`
	}
	if !adm.get("", &realm) {
		t.FailNow()
	}
	users := adm.users()
	var count int
	if adm.get("/users/count", &count) && count != len(users) {
		t.Errorf("users/count = %d, the listing has %d users", count, len(users))
	}

	attempts := l.snapshot()
	byKey := map[string][]*attempt{}
	acked := map[string]*attempt{} // by user id
	ackedName, ackedEmail := map[string]int{}, map[string]int{}
	statuses := map[int]int{}
	for _, a := range attempts {
		byKey[a.key()] = append(byKey[a.key()], a)
		statuses[a.Status]++
		switch a.Status {
		case http.StatusCreated:
			if a.ID == "" {
				t.Errorf("%s %q: 201 without an id: %.200s", a.Kind, a.Username, a.Body)
				continue
			}
			acked[a.ID] = a
			ackedName[strings.ToLower(a.Username)]++
			ackedEmail[strings.ToLower(a.Email)]++
		case http.StatusConflict, statusUnknown:
		default:
			t.Errorf("%s %q on run %d (retry %v): unexpected %d %.300s", a.Kind, a.Username, a.Run, a.Retry, a.Status, a.Body)
		}
	}
	for name, n := range ackedName {
		if n > 1 {
			t.Errorf("DUPLICATE: username %q was acknowledged (201) %d times", name, n)
		}
	}
	for email, n := range ackedEmail {
		if n > 1 {
			t.Errorf("DUPLICATE: email %q was acknowledged (201) %d times", email, n)
		}
	}

	// Acknowledged users exist.
	byID := map[string]*userRep{}
	for i := range users {
		byID[users[i].ID] = &users[i]
	}
	for id, a := range acked {
		u := byID[id]
		if u == nil {
			t.Errorf("LOST: %s %q (run %d) was acknowledged with 201, id %s, and does not exist", a.Kind, a.Username, a.Run, id)
			continue
		}
		if strings.ToLower(u.Username) != strings.ToLower(a.Username) || strings.ToLower(u.Email) != strings.ToLower(a.Email) {
			t.Errorf("user %s is %q <%s>, acknowledged as %q <%s>", id, u.Username, u.Email, a.Username, a.Email)
		}
	}

	// Existing users: unique, asked for, whole.
	names, emails := map[string]int{}, map[string]int{}
	owner := make([]*attempt, len(users)) // the attempt that made each user
	for i, u := range users {
		names[strings.ToLower(u.Username)]++
		emails[strings.ToLower(u.Email)]++
		key := strings.ToLower(u.Username) + "|" + strings.ToLower(u.Email)
		for _, a := range byKey[key] {
			if a.Status == http.StatusCreated || (a.Status == statusUnknown && owner[i] == nil) {
				owner[i] = a
			}
		}
		if owner[i] == nil {
			if len(byKey[key]) > 0 {
				t.Errorf("user %q <%s> exists, but every request for it was refused", u.Username, u.Email)
			} else {
				t.Errorf("user %q <%s> exists and was never asked for", u.Username, u.Email)
			}
		}
		if !u.Enabled {
			t.Errorf("user %q is disabled", u.Username)
		}
	}
	for name, n := range names {
		if n > 1 {
			t.Errorf("DUPLICATE: %d users named %q", n, name)
		}
	}
	for email, n := range emails {
		if n > 1 {
			t.Errorf("DUPLICATE: %d users with email %q", n, email)
		}
	}
	checkWhole(t, p, adm, users, owner)
	t.Logf("%s: %d attempts (%d created, %d conflicts, %d unknown), %d users checked (credential, default role, password login)",
		cfg.db, len(attempts), statuses[http.StatusCreated], statuses[http.StatusConflict], statuses[statusUnknown], len(users))
	checkMail(t, p, sk, users, owner, realm.ID, cfg)
}

// checkWhole checks each user's password credential, default roles and
// password, four users at a time.
func checkWhole(t *testing.T, p *process, adm *admin, users []userRep, owner []*attempt) {
	defaultRole := "default-roles-" + realmName
	var logins atomic.Int64
	parallel(len(users), func(i int) {
		u := users[i]
		var creds []struct {
			Type string `json:"type"`
		}
		if adm.get("/users/"+u.ID+"/credentials", &creds) {
			n := 0
			for _, c := range creds {
				if c.Type == "password" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("HALF-WRITTEN: user %q has %d password credentials, want 1: %v", u.Username, n, creds)
			}
		}
		var roles []struct {
			Name string `json:"name"`
		}
		if adm.get("/users/"+u.ID+"/role-mappings/realm", &roles) &&
			!slices.ContainsFunc(roles, func(r struct {
				Name string `json:"name"`
			}) bool {
				return r.Name == defaultRole
			}) {
			t.Errorf("HALF-WRITTEN: user %q lacks the realm's default role %s: %v", u.Username, defaultRole, roles)
		}
		if a := owner[i]; a != nil {
			if a.Kind == kindRegister && !slices.Contains(u.RequiredActions, "VERIFY_EMAIL") {
				t.Errorf("registered user %q lacks VERIFY_EMAIL: %v", u.Username, u.RequiredActions)
			}
			if ok, r := login(p.base, a.Username, a.Password); ok {
				logins.Add(1)
			} else {
				t.Errorf("user %q: the password it was created with does not log in: %d %.300s %v", u.Username, r.Status, r.Body, r.Err)
			}
		}
	})
	// The login check can fail: a wrong password is refused.
	for i, a := range owner {
		if a != nil {
			if ok, r := login(p.base, a.Username, a.Password+"x"); ok || r.Status != http.StatusUnauthorized {
				t.Errorf("user %q: a wrong password answered %d %.300s", users[i].Username, r.Status, r.Body)
			}
			break
		}
	}
	if n := int(logins.Load()); n != countOwned(owner) {
		t.Errorf("%d of %d users' passwords verified", n, countOwned(owner))
	}
}

func countOwned(owner []*attempt) int {
	n := 0
	for _, a := range owner {
		if a != nil {
			n++
		}
	}
	return n
}

// login runs the password grant; ok when the password was accepted: a
// token, or Keycloak's refusal of an account with a pending required
// action (VERIFY_EMAIL), which latchkey answers only after checking the
// password.
func login(base, username, password string) (bool, reply) {
	r := do(context.Background(), "POST", base+"/realms/"+realmName+"/protocol/openid-connect/token", "",
		"application/x-www-form-urlencoded", strings.NewReader(url.Values{"grant_type": {"password"},
			"client_id": {"mobile-app"}, "username": {username}, "password": {password}}.Encode()))
	switch {
	case r.Status == http.StatusOK:
		return true, r
	case r.Status == http.StatusBadRequest && strings.Contains(r.Body, "Account is not fully set up"):
		return true, r
	}
	return false, r
}
