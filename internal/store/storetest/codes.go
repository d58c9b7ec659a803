package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// newCode stores a code for user u, expiring in an hour.
func newCode(t *testing.T, s store.Store, u *model.User, hash string) *model.VerificationCode {
	t.Helper()
	c := &model.VerificationCode{RealmID: u.RealmID, UserID: u.ID, Email: u.Email, CodeHash: hash,
		ExpiresAt: time.Now().Add(time.Hour)}
	must(t, s.PutCode(ctxFor(t), c))
	return c
}

func testCodes(t *testing.T, s store.Store) {
	withEmail := func(u *model.User) { u.Email = u.Username + "@example.com" }

	t.Run("RoundTrip", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		u := newUser(t, s, r.ID, uniq("user"), withEmail)
		zone := time.FixedZone("UTC-03:00", -3*3600)
		want := &model.VerificationCode{
			RealmID: r.ID, UserID: u.ID, Email: "Zoë@Example.com",
			CodeHash: "$argon2id$v=19$m=7168,t=5,p=1$c2FsdA$aGFzaA", Attempts: 3,
			ExpiresAt: time.Date(2025, 3, 4, 5, 6, 7, 899_999_999, zone),
			CreatedAt: time.Date(2025, 3, 4, 5, 1, 7, 100_000_001, zone),
		}
		allSet(t, "verification code", want)
		given := *want
		must(t, s.PutCode(ctx, &given))
		exp := *want
		exp.ExpiresAt, exp.CreatedAt = ms(want.ExpiresAt), ms(want.CreatedAt)
		got, err := s.GetCode(ctx, r.ID, u.ID)
		must(t, err)
		checkEqual(t, "verification code", got, &exp)
		checkEqual(t, "verification code as written back", &given, &exp)
		checkTime(t, "code ExpiresAt", got.ExpiresAt, want.ExpiresAt)
		checkTime(t, "code CreatedAt", got.CreatedAt, want.CreatedAt)

		// CreatedAt is now when left zero.
		before := time.Now()
		c := &model.VerificationCode{RealmID: r.ID, UserID: u.ID, Email: u.Email, CodeHash: "h",
			ExpiresAt: before.Add(time.Minute)}
		must(t, s.PutCode(ctx, c))
		checkGenerated(t, "verification code", newID(), c.CreatedAt, before, time.Now())
	})

	t.Run("PutReplaces", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		u := newUser(t, s, r.ID, uniq("user"), withEmail)
		newCode(t, s, u, "first")
		for range 3 {
			_, err := s.AddCodeAttempt(ctx, r.ID, u.ID)
			must(t, err)
		}
		second := &model.VerificationCode{RealmID: r.ID, UserID: u.ID, Email: "new@example.com",
			CodeHash: "second", ExpiresAt: time.Now().Add(2 * time.Hour)}
		must(t, s.PutCode(ctx, second))
		got, err := s.GetCode(ctx, r.ID, u.ID)
		must(t, err)
		checkEqual(t, "replaced code", got, second)
		if got.Attempts != 0 {
			t.Errorf("Attempts after a new code = %d, want 0", got.Attempts)
		}
	})

	t.Run("Attempts", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		u := newUser(t, s, r.ID, uniq("user"), withEmail)
		newCode(t, s, u, "h")
		for want := 1; want <= 3; want++ {
			n, err := s.AddCodeAttempt(ctx, r.ID, u.ID)
			must(t, err)
			if n != want {
				t.Errorf("AddCodeAttempt = %d, want %d", n, want)
			}
		}
		if got, err := s.GetCode(ctx, r.ID, u.ID); err != nil || got.Attempts != 3 {
			t.Errorf("GetCode after three attempts = %+v, %v", got, err)
		}
		_, err := s.AddCodeAttempt(ctx, r.ID, newID())
		wantErr(t, "AddCodeAttempt without a code", err, store.ErrNotFound)

		// Concurrent wrong guesses each count: no two see the same count.
		v := newUser(t, s, r.ID, uniq("user"), withEmail)
		newCode(t, s, v, "h")
		counts := make([]int, racers)
		allWin(t, "concurrent AddCodeAttempt", race(func(i int) error {
			var err error
			counts[i], err = s.AddCodeAttempt(ctxFor(t), r.ID, v.ID)
			return err
		}))
		slices.Sort(counts)
		for i, n := range counts {
			if n != i+1 {
				t.Fatalf("counts seen by concurrent attempts = %v, want 1..%d", counts, racers)
			}
		}
	})

	t.Run("Delete", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		u := newUser(t, s, r.ID, uniq("user"), withEmail)
		newCode(t, s, u, "h")
		must(t, s.DeleteCode(ctx, r.ID, u.ID))
		_, err := s.GetCode(ctx, r.ID, u.ID)
		wantErr(t, "GetCode after DeleteCode", err, store.ErrNotFound)
		// A code is consumed once: the second delete finds nothing.
		wantErr(t, "DeleteCode again", s.DeleteCode(ctx, r.ID, u.ID), store.ErrNotFound)
	})

	t.Run("NotFound", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		u := newUser(t, s, r.ID, uniq("user"), withEmail)
		_, err := s.GetCode(ctx, r.ID, u.ID)
		wantErr(t, "GetCode of a user without one", err, store.ErrNotFound)
		wantErr(t, "PutCode for a missing user", s.PutCode(ctx, &model.VerificationCode{
			RealmID: r.ID, UserID: newID(), CodeHash: "h", ExpiresAt: time.Now()}), store.ErrNotFound)
		wantErr(t, "PutCode in a missing realm", s.PutCode(ctx, &model.VerificationCode{
			RealmID: newID(), UserID: u.ID, CodeHash: "h", ExpiresAt: time.Now()}), store.ErrNotFound)
	})

	t.Run("RealmIsolation", func(t *testing.T) {
		ctx := ctxFor(t)
		r, other := newRealm(t, s), newRealm(t, s)
		u := newUser(t, s, r.ID, uniq("user"), withEmail)
		code := newCode(t, s, u, "h")
		// Another realm's id with this user is no key to the code.
		wantErr(t, "PutCode under another realm", s.PutCode(ctx, &model.VerificationCode{
			RealmID: other.ID, UserID: u.ID, CodeHash: "x", ExpiresAt: time.Now()}), store.ErrNotFound)
		_, err := s.GetCode(ctx, other.ID, u.ID)
		wantErr(t, "GetCode from another realm", err, store.ErrNotFound)
		_, err = s.AddCodeAttempt(ctx, other.ID, u.ID)
		wantErr(t, "AddCodeAttempt from another realm", err, store.ErrNotFound)
		wantErr(t, "DeleteCode from another realm", s.DeleteCode(ctx, other.ID, u.ID), store.ErrNotFound)
		got, err := s.GetCode(ctx, r.ID, u.ID)
		must(t, err)
		checkEqual(t, "code after another realm's calls", got, code)
	})

	t.Run("Cascades", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		u := newUser(t, s, r.ID, uniq("user"), withEmail)
		kept := newUser(t, s, r.ID, uniq("user"), withEmail)
		newCode(t, s, u, "h")
		newCode(t, s, kept, "h")
		must(t, s.DeleteUser(ctx, r.ID, u.ID))
		_, err := s.GetCode(ctx, r.ID, u.ID)
		wantErr(t, "GetCode of a deleted user", err, store.ErrNotFound)
		if _, err := s.GetCode(ctx, r.ID, kept.ID); err != nil {
			t.Errorf("another user's code after a deletion: %v", err)
		}
		must(t, s.DeleteRealm(ctx, r.ID))
		_, err = s.GetCode(ctx, r.ID, kept.ID)
		wantErr(t, "GetCode after the realm's deletion", err, store.ErrNotFound)
	})
}
