package oidc_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// bfRealm is a brute-force protected realm "bf" with one user, vic, and a
// public client allowed the password grant. The quick-login check is off
// (0 ms) unless extra sets it, so that a test's back-to-back failures
// count only through failureFactor. extra adds realm fields.
func bfRealm(extra string) string {
	return fmt.Sprintf(`{"realm":"bf","enabled":true,"bruteForceProtected":true,"failureFactor":3,
 "waitIncrementSeconds":60,"quickLoginCheckMilliSeconds":0,"minimumQuickLoginWaitSeconds":60,
 "maxFailureWaitSeconds":900,"maxDeltaTimeSeconds":43200%s,
 "clients":[{"clientId":"app","publicClient":true,"directAccessGrantsEnabled":true,"enabled":true}],
 "users":[{"username":"vic","enabled":true,"credentials":[{"type":"password","value":"vic-pw"}]},
          {"username":"wes","enabled":true,"credentials":[{"type":"password","value":"wes-pw"}]}]}`, extra)
}

type bfEnv struct {
	t       *testing.T
	s       *testenv.Server
	realmID string
	admin   string
}

func newBF(t *testing.T, s *testenv.Server, extra string) *bfEnv {
	t.Helper()
	r := s.ImportRealm(bfRealm(extra))
	adm := login(t, s, "master", "client_id", "admin-cli", "username", testenv.AdminUser,
		"password", testenv.AdminPassword).str("access_token")
	return &bfEnv{t: t, s: s, realmID: r.ID, admin: adm}
}

// try runs the password grant and returns the answer, whatever it is.
func (e *bfEnv) try(user, pw string) response {
	e.t.Helper()
	return postForm(e.t, oidcURL(e.s, "bf", "token"),
		form("grant_type", "password", "client_id", "app", "username", user, "password", pw))
}

// wantRefused checks Keycloak's answer to a failed or locked login.
func (e *bfEnv) wantRefused(what string, r response) {
	e.t.Helper()
	if r.Status != http.StatusUnauthorized || r.str("error") != "invalid_grant" ||
		r.str("error_description") != "Invalid user credentials" {
		e.t.Fatalf("%s: %d %s, want 401 invalid_grant Invalid user credentials", what, r.Status, r.Raw)
	}
}

func (e *bfEnv) userID(name string) string {
	e.t.Helper()
	u, err := e.s.Store.GetUserByUsername(context.Background(), e.realmID, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

func (e *bfEnv) adminDo(method, path string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.s.URL+"/admin/realms/bf"+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.admin)
	return do(e.t, req)
}

// status is GET attack-detection/brute-force/users/{id}.
func (e *bfEnv) status(user string) response {
	e.t.Helper()
	r := e.adminDo(http.MethodGet, "/attack-detection/brute-force/users/"+e.userID(user))
	if r.Status != http.StatusOK {
		e.t.Fatalf("brute-force status: %d %s", r.Status, r.Raw)
	}
	return r
}

func (e *bfEnv) num(r response, key string) int {
	e.t.Helper()
	f, ok := r.JSON[key].(float64)
	if !ok {
		e.t.Fatalf("%s missing in %s", key, r.Raw)
	}
	return int(f)
}

// elapse moves the user's record d into the past, which is what the
// passing of d looks like to the protector: the last failure and the end
// of the lockout both move back.
func (e *bfEnv) elapse(user string, d time.Duration) {
	e.t.Helper()
	_, err := e.s.Store.RecordLoginFailure(context.Background(), e.realmID, e.userID(user), func(f *store.LoginFailure) {
		f.LastFailure = f.LastFailure.Add(-d)
		if f.FailedLoginNotBefore > 0 {
			f.FailedLoginNotBefore -= int64(d / time.Second)
		}
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// TestBruteForceTemporaryLockout: failureFactor failures lock the user for
// waitIncrementSeconds; while locked even the right password is refused
// (401, as a wrong one) and the attempt is not counted; the admin API shows
// the lock; once the wait has passed the right password logs in and clears
// the failures.
func TestBruteForceTemporaryLockout(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		e := newBF(t, s, "")
		for i := range 2 {
			e.wantRefused(fmt.Sprintf("wrong password %d", i+1), e.try("vic", "nope"))
		}
		st := e.status("vic")
		if e.num(st, "numFailures") != 2 || st.JSON["disabled"] != false || st.str("lastIPFailure") != "127.0.0.1" {
			t.Fatalf("status after 2 failures: %s", st.Raw)
		}
		e.wantRefused("third wrong password", e.try("vic", "nope"))
		e.wantRefused("right password while locked", e.try("vic", "vic-pw"))
		st = e.status("vic")
		if e.num(st, "numFailures") != 3 || st.JSON["disabled"] != true || e.num(st, "numTemporaryLockouts") != 1 {
			t.Fatalf("status while locked: %s", st.Raw)
		}
		if nb := int64(e.num(st, "failedLoginNotBefore")); nb < time.Now().Unix()+50 || nb > time.Now().Unix()+61 {
			t.Errorf("failedLoginNotBefore %d, want about now+60", nb)
		}
		if u := e.adminDo(http.MethodGet, "/users/"+e.userID("vic")); u.JSON["enabled"] != false {
			t.Errorf("user while locked: %s, want enabled false", u.Raw)
		}
		if u := e.adminDo(http.MethodGet, "/users/"+e.userID("wes")); u.JSON["enabled"] != true {
			t.Errorf("another user: %s, want enabled true", u.Raw)
		}

		e.elapse("vic", 61*time.Second)
		if r := e.try("vic", "vic-pw"); r.Status != http.StatusOK {
			t.Fatalf("login after the wait: %d %s", r.Status, r.Raw)
		}
		if st = e.status("vic"); e.num(st, "numFailures") != 0 || st.JSON["disabled"] != false {
			t.Errorf("status after a success: %s", st.Raw)
		}
	})
}

// TestBruteForceQuickLoginAndDelta: a failure within
// quickLoginCheckMilliSeconds of the previous one locks for
// minimumQuickLoginWaitSeconds; failures further apart than
// maxDeltaTimeSeconds start counting again.
func TestBruteForceQuickLoginAndDelta(t *testing.T) {
	s := testenv.NewServer(t)
	e := newBF(t, s, `,"quickLoginCheckMilliSeconds":3600000,"minimumQuickLoginWaitSeconds":30,"maxDeltaTimeSeconds":600`)
	e.wantRefused("first failure", e.try("vic", "nope"))
	if st := e.status("vic"); st.JSON["disabled"] != false {
		t.Fatalf("one failure locked: %s", st.Raw)
	}
	e.wantRefused("quick second failure", e.try("vic", "nope"))
	st := e.status("vic")
	if st.JSON["disabled"] != true || e.num(st, "numTemporaryLockouts") != 0 {
		t.Fatalf("after a quick failure: %s, want locked without a temporary lockout counted", st.Raw)
	}
	e.elapse("vic", 601*time.Second)
	e.wantRefused("failure after maxDeltaTime", e.try("vic", "nope"))
	if st = e.status("vic"); e.num(st, "numFailures") != 1 {
		t.Errorf("failures after maxDeltaTime: %s, want the count restarted at 1", st.Raw)
	}
}

// TestBruteForcePermanentLockout: with permanentLockout and no temporary
// lockouts allowed, reaching failureFactor disables the user for good.
func TestBruteForcePermanentLockout(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		e := newBF(t, s, `,"permanentLockout":true,"maxTemporaryLockouts":0`)
		for i := range 3 {
			e.wantRefused(fmt.Sprintf("wrong password %d", i+1), e.try("vic", "nope"))
		}
		e.elapse("vic", 24*time.Hour)
		// Not "Account disabled": the brute-force check answers first.
		e.wantRefused("right password after a permanent lockout", e.try("vic", "vic-pw"))
		u := e.adminDo(http.MethodGet, "/users/"+e.userID("vic"))
		if u.JSON["enabled"] != false {
			t.Errorf("user after a permanent lockout: %s", u.Raw)
		}
		st := e.status("vic")
		if st.JSON["disabled"] != true || !strings.Contains(string(st.Raw), `"failedLoginNotBefore":9223372036854775807`) {
			t.Errorf("status after a permanent lockout: %s", st.Raw)
		}
	})
}

// TestBruteForceMaxTemporaryLockouts: the temporary lockout beyond
// maxTemporaryLockouts is permanent.
func TestBruteForceMaxTemporaryLockouts(t *testing.T) {
	s := testenv.NewServer(t)
	e := newBF(t, s, `,"permanentLockout":true,"maxTemporaryLockouts":1,"failureFactor":2`)
	e.wantRefused("failure 1", e.try("vic", "nope"))
	e.wantRefused("failure 2", e.try("vic", "nope"))
	if st := e.status("vic"); st.JSON["disabled"] != true || e.num(st, "numTemporaryLockouts") != 1 {
		t.Fatalf("after the first lockout: %s", st.Raw)
	}
	e.elapse("vic", 61*time.Second)
	e.wantRefused("failure 3", e.try("vic", "nope"))
	e.elapse("vic", 24*time.Hour)
	e.wantRefused("right password after the second lockout", e.try("vic", "vic-pw"))
	if u := e.adminDo(http.MethodGet, "/users/"+e.userID("vic")); u.JSON["enabled"] != false {
		t.Errorf("user after maxTemporaryLockouts: %s, want disabled", u.Raw)
	}
}

// TestBruteForceAdminClear: clearing one user's failures unlocks that user
// at once; clearing the realm unlocks everyone.
func TestBruteForceAdminClear(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		e := newBF(t, s, "")
		for range 3 {
			e.wantRefused("vic failure", e.try("vic", "nope"))
			e.wantRefused("wes failure", e.try("wes", "nope"))
		}
		if r := e.adminDo(http.MethodDelete, "/attack-detection/brute-force/users/"+e.userID("vic")); r.Status != http.StatusNoContent {
			t.Fatalf("DELETE one user: %d %s", r.Status, r.Raw)
		}
		if r := e.try("vic", "vic-pw"); r.Status != http.StatusOK {
			t.Fatalf("vic after clearing: %d %s", r.Status, r.Raw)
		}
		e.wantRefused("wes still locked", e.try("wes", "wes-pw"))
		if r := e.adminDo(http.MethodDelete, "/attack-detection/brute-force/users"); r.Status != http.StatusNoContent {
			t.Fatalf("DELETE all: %d %s", r.Status, r.Raw)
		}
		if r := e.try("wes", "wes-pw"); r.Status != http.StatusOK {
			t.Fatalf("wes after clearing the realm: %d %s", r.Status, r.Raw)
		}
		st := e.adminDo(http.MethodGet, "/attack-detection/brute-force/users/no-such-user")
		if st.Status != http.StatusOK || st.str("lastIPFailure") != "n/a" || st.JSON["disabled"] != false {
			t.Errorf("status of an unknown user: %d %s", st.Status, st.Raw)
		}
	})
}

// TestBruteForceConcurrentFailures: failures arriving together all count.
func TestBruteForceConcurrentFailures(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		e := newBF(t, s, `,"failureFactor":1000`)
		const n = 16
		var wg sync.WaitGroup
		status := make([]int, n)
		for i := range n {
			wg.Go(func() {
				r, err := http.PostForm(oidcURL(s, "bf", "token"), form("grant_type", "password",
					"client_id", "app", "username", "vic", "password", "nope"))
				if err == nil {
					status[i] = r.StatusCode
					r.Body.Close()
				}
			})
		}
		wg.Wait()
		for i, c := range status {
			if c != http.StatusUnauthorized {
				t.Errorf("request %d: status %d, want 401", i, c)
			}
		}
		if st := e.status("vic"); e.num(st, "numFailures") != n {
			t.Errorf("numFailures %d after %d concurrent failures: %s", e.num(st, "numFailures"), n, st.Raw)
		}
	})
}
