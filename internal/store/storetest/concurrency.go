package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// racers is how many goroutines each race starts at once.
const racers = 20

// race runs fn(i) for i in [0, racers) as close to simultaneously as it can
// and returns each call's error.
func race(fn func(i int) error) []error {
	errs := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWins checks that exactly one call succeeded and every other one was
// refused with ErrConflict: never "database is locked", a deadlock or a
// serialization failure leaking out of the store.
func oneWins(t *testing.T, what string, errs []error) {
	t.Helper()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("%s, racer %d: err = %v, want nil or ErrConflict", what, i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%s: %d racers succeeded, want exactly 1", what, wins)
	}
}

func allWin(t *testing.T, what string, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s, racer %d: %v", what, i, err)
		}
	}
}

// casing returns s with letters upper-cased where the bits of i say so.
func casing(s string, i int) string {
	b := []byte(s)
	for j := range b {
		if i>>(j%5)&1 == 1 {
			b[j] = strings.ToUpper(string(b[j]))[0]
		}
	}
	return string(b)
}

func testConcurrency(t *testing.T, s store.Store) {
	realm := newRealm(t, s)

	t.Run("SameUsername", func(t *testing.T) {
		ctx := ctxFor(t)
		name := uniq("racer")
		errs := race(func(i int) error {
			return s.CreateUser(ctx, &model.User{RealmID: realm.ID, Username: casing(name, i)}, true)
		})
		oneWins(t, "CreateUser, one username in many casings", errs)
		n, err := s.CountUsers(ctx, realm.ID, store.UserQuery{Username: name, Exact: true})
		must(t, err)
		if n != 1 {
			t.Errorf("%d users named %q", n, name)
		}
	})

	t.Run("SameEmail", func(t *testing.T) {
		ctx := ctxFor(t)
		email := uniq("race") + "@example.com"
		errs := race(func(i int) error {
			u := &model.User{RealmID: realm.ID, Username: uniq("mailer"), Email: casing(email, i)}
			return s.CreateUser(ctx, u, true)
		})
		oneWins(t, "CreateUser, one unique email", errs)
	})

	t.Run("SameRealmName", func(t *testing.T) {
		ctx := ctxFor(t)
		name := uniq("racerealm")
		errs := race(func(int) error { return s.CreateRealm(ctx, &model.Realm{Name: name}) })
		oneWins(t, "CreateRealm, one name", errs)
	})

	t.Run("SameClientID", func(t *testing.T) {
		ctx := ctxFor(t)
		id := uniq("raceapp")
		errs := race(func(int) error { return s.CreateClient(ctx, &model.Client{RealmID: realm.ID, ClientID: id}) })
		oneWins(t, "CreateClient, one clientId", errs)
	})

	t.Run("SameRoleName", func(t *testing.T) {
		ctx := ctxFor(t)
		name := uniq("racerole")
		errs := race(func(int) error { return s.CreateRole(ctx, &model.Role{RealmID: realm.ID, Name: name}) })
		oneWins(t, "CreateRole, one name", errs)
	})

	t.Run("DifferentUsersWithReaders", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		errs := race(func(i int) error {
			if i%4 == 3 { // a quarter of the racers only read
				_, err := s.ListUsers(ctx, r.ID, store.UserQuery{Search: prefix("distinct")})
				return err
			}
			u := &model.User{RealmID: r.ID, Username: fmt.Sprintf("distinct%02d", i), Email: fmt.Sprintf("d%02d@example.com", i)}
			return s.CreateUser(ctx, u, true)
		})
		allWin(t, "CreateUser and ListUsers side by side", errs)
		n, err := s.CountUsers(ctx, r.ID, store.UserQuery{})
		must(t, err)
		if want := racers - racers/4; n != want {
			t.Errorf("CountUsers = %d, want %d", n, want)
		}
	})

	t.Run("CountUnderConcurrentWrites", func(t *testing.T) { testCountUnderConcurrentWrites(t, s) })

	t.Run("IdempotentLinks", func(t *testing.T) {
		// "Existing links are kept without error" must hold when the link
		// appears between another writer's check and its insert.
		ctx := ctxFor(t)
		u := newUser(t, s, realm.ID, uniq("granted"))
		role := newRole(t, s, realm.ID, "", uniq("granted"))
		parent := newRole(t, s, realm.ID, "", uniq("parent"))
		allWin(t, "GrantUserRoles, one mapping", race(func(int) error {
			return s.GrantUserRoles(ctx, realm.ID, u.ID, []string{role.ID})
		}))
		allWin(t, "AddComposites, one link", race(func(int) error {
			return s.AddComposites(ctx, realm.ID, parent.ID, []string{role.ID})
		}))
		roles, err := s.ListUserRoles(ctx, realm.ID, u.ID)
		must(t, err)
		checkList(t, "user roles", roleNames(roles), []string{role.Name})
		kids, err := s.ListComposites(ctx, realm.ID, parent.ID)
		must(t, err)
		checkList(t, "children", roleNames(kids), []string{role.Name})
	})
}

// testCountUnderConcurrentWrites races creations and deletions of people
// and service accounts in one realm: the realm's count (kept by counters
// that every insert and delete updates in its own transaction) must end
// exact, equal to the users actually there, with no write refused.
func testCountUnderConcurrentWrites(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	r := newRealm(t, s)
	svc := newClient(t, s, r.ID, "counted")
	var doomed []*model.User
	for i := range racers {
		doomed = append(doomed, newUser(t, s, r.ID, fmt.Sprintf("doomed%02d", i)))
	}
	const perRacer = 3
	errs := race(func(i int) error {
		for j := range perRacer {
			u := &model.User{RealmID: r.ID, Username: fmt.Sprintf("counted%02d-%d", i, j)}
			if err := s.CreateUser(ctx, u, true); err != nil {
				return err
			}
		}
		if i%2 == 0 {
			if err := s.DeleteUser(ctx, r.ID, doomed[i].ID); err != nil {
				return err
			}
		}
		if i == 0 { // one service account: never counted as a person
			sa := &model.User{RealmID: r.ID, Username: "service-account-counted", ServiceAccountClientID: svc.ID}
			if err := s.CreateUser(ctx, sa, true); err != nil {
				return err
			}
		}
		_, err := s.CountUsers(ctx, r.ID, store.UserQuery{})
		return err
	})
	allWin(t, "CreateUser, DeleteUser and CountUsers side by side", errs)
	want := racers + racers*perRacer - (racers+1)/2
	n, err := s.CountUsers(ctx, r.ID, store.UserQuery{})
	must(t, err)
	if n != want {
		t.Errorf("CountUsers = %d, want %d", n, want)
	}
	listed, err := s.ListUsers(ctx, r.ID, store.UserQuery{})
	must(t, err)
	if len(listed) != want {
		t.Errorf("ListUsers has %d people, want %d", len(listed), want)
	}
	n, err = s.CountUsers(ctx, r.ID, store.UserQuery{IncludeServiceAccounts: true})
	must(t, err)
	if n != want+1 {
		t.Errorf("CountUsers with service accounts = %d, want %d", n, want+1)
	}
}
