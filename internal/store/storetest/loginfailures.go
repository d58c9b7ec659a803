package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// testLoginFailures checks the brute-force records: a missing one is
// ErrNotFound, a recorded one round-trips, concurrent failures all count,
// clearing one user or a realm touches nothing else, and a user's deletion
// takes the record along.
func testLoginFailures(t *testing.T, s store.Store) {
	incr := func(ip string, at time.Time) func(*store.LoginFailure) {
		return func(f *store.LoginFailure) {
			f.NumFailures++
			f.LastIPFailure, f.LastFailure = ip, at
		}
	}

	t.Run("RoundTrip", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		u := newUser(t, s, r.ID, uniq("user"))
		_, err := s.GetLoginFailure(ctx, r.ID, u.ID)
		wantErr(t, "GetLoginFailure before any failure", err, store.ErrNotFound)

		at := time.Date(2025, 3, 4, 5, 6, 7, 899_999_999, time.FixedZone("X", 3600))
		var seen store.LoginFailure
		got, err := s.RecordLoginFailure(ctx, r.ID, u.ID, func(f *store.LoginFailure) {
			seen = *f
			f.NumFailures, f.NumTemporaryLockouts = 3, 2
			f.LastFailure, f.LastIPFailure, f.FailedLoginNotBefore = at, "192.0.2.7", 1_900_000_000
		})
		must(t, err)
		checkEqual(t, "record given to the first update", &seen, &store.LoginFailure{RealmID: r.ID, UserID: u.ID})
		want := &store.LoginFailure{RealmID: r.ID, UserID: u.ID, NumFailures: 3, NumTemporaryLockouts: 2,
			LastFailure: ms(at), LastIPFailure: "192.0.2.7", FailedLoginNotBefore: 1_900_000_000}
		checkEqual(t, "recorded failure", got, want)
		stored, err := s.GetLoginFailure(ctx, r.ID, u.ID)
		must(t, err)
		checkEqual(t, "stored failure", stored, want)
		checkTime(t, "LastFailure", stored.LastFailure, at)

		// The next update starts from the stored record.
		got, err = s.RecordLoginFailure(ctx, r.ID, u.ID, incr("192.0.2.8", at.Add(time.Second)))
		must(t, err)
		if got.NumFailures != 4 || got.NumTemporaryLockouts != 2 || got.LastIPFailure != "192.0.2.8" {
			t.Errorf("second failure = %+v, want 4 failures, 2 lockouts, ip 192.0.2.8", got)
		}
	})

	t.Run("UnknownUser", func(t *testing.T) {
		ctx := ctxFor(t)
		r, other := newRealm(t, s), newRealm(t, s)
		u := newUser(t, s, other.ID, uniq("user"))
		_, err := s.RecordLoginFailure(ctx, r.ID, "no-such-user", incr("", time.Now()))
		wantErr(t, "RecordLoginFailure for an unknown user", err, store.ErrNotFound)
		_, err = s.RecordLoginFailure(ctx, r.ID, u.ID, incr("", time.Now()))
		wantErr(t, "RecordLoginFailure for another realm's user", err, store.ErrNotFound)
		list, err := s.ListLoginFailures(ctx, r.ID)
		must(t, err)
		if len(list) != 0 {
			t.Errorf("ListLoginFailures = %+v, want none", list)
		}
	})

	t.Run("ConcurrentFailuresAllCount", func(t *testing.T) {
		r := newRealm(t, s)
		u := newUser(t, s, r.ID, uniq("user"))
		errs := race(func(int) error {
			_, err := s.RecordLoginFailure(ctxFor(t), r.ID, u.ID, incr("192.0.2.1", time.Now()))
			return err
		})
		allWin(t, "concurrent RecordLoginFailure", errs)
		got, err := s.GetLoginFailure(ctxFor(t), r.ID, u.ID)
		must(t, err)
		if got.NumFailures != racers {
			t.Errorf("NumFailures = %d after %d concurrent failures", got.NumFailures, racers)
		}
	})

	t.Run("ClearAndList", func(t *testing.T) {
		ctx := ctxFor(t)
		r, other := newRealm(t, s), newRealm(t, s)
		a, b := newUser(t, s, r.ID, uniq("user")), newUser(t, s, r.ID, uniq("user"))
		o := newUser(t, s, other.ID, uniq("user"))
		for _, u := range []struct{ realm, id string }{{r.ID, a.ID}, {r.ID, b.ID}, {other.ID, o.ID}} {
			_, err := s.RecordLoginFailure(ctx, u.realm, u.id, incr("", time.Now()))
			must(t, err)
		}
		list, err := s.ListLoginFailures(ctx, r.ID)
		must(t, err)
		checkList(t, "ListLoginFailures", ids(list, func(f store.LoginFailure) string { return f.UserID }),
			sorted([]string{a.ID, b.ID}))

		must(t, s.DeleteLoginFailure(ctx, r.ID, a.ID))
		must(t, s.DeleteLoginFailure(ctx, r.ID, a.ID)) // a missing record is no error
		_, err = s.GetLoginFailure(ctx, r.ID, a.ID)
		wantErr(t, "GetLoginFailure after DeleteLoginFailure", err, store.ErrNotFound)
		must(t, s.DeleteLoginFailure(ctx, r.ID, o.ID)) // another realm's user: untouched
		_, err = s.GetLoginFailure(ctx, other.ID, o.ID)
		must(t, err)

		n, err := s.DeleteRealmLoginFailures(ctx, r.ID)
		must(t, err)
		if n != 1 {
			t.Errorf("DeleteRealmLoginFailures = %d, want 1", n)
		}
		_, err = s.GetLoginFailure(ctx, r.ID, b.ID)
		wantErr(t, "GetLoginFailure after DeleteRealmLoginFailures", err, store.ErrNotFound)
		_, err = s.GetLoginFailure(ctx, other.ID, o.ID)
		must(t, err)

		// Deleting the user takes its record along.
		must(t, s.DeleteUser(ctx, other.ID, o.ID))
		_, err = s.GetLoginFailure(ctx, other.ID, o.ID)
		wantErr(t, "GetLoginFailure of a deleted user", err, store.ErrNotFound)
	})
}
