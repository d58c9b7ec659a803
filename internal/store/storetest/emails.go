package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// testUserEmails covers email uniqueness, which depends on the uniqueEmail
// argument rather than on the store alone.
func testUserEmails(t *testing.T, s store.Store) {
	t.Run("UniqueWhenAsked", func(t *testing.T) {
		ctx := ctxFor(t)
		realm := newRealm(t, s)
		email := uniq("bob") + "@example.com"
		newUser(t, s, realm.ID, uniq("bob"), func(u *model.User) { u.Email = email })
		dup := &model.User{RealmID: realm.ID, Username: uniq("bob"), Email: "BOB" + email[3:]}
		wantErr(t, "CreateUser with a taken email in other case", s.CreateUser(ctx, dup, true), store.ErrConflict)
		if _, err := s.GetUserByUsername(ctx, realm.ID, dup.Username); err == nil {
			t.Errorf("refused CreateUser wrote the user")
		}
	})

	t.Run("SharedWhenAllowed", func(t *testing.T) {
		ctx := ctxFor(t)
		realm := newRealm(t, s)
		email := uniq("shared") + "@example.com"
		// The second user is older: GetUserByEmail answers the oldest,
		// not the first inserted.
		now := time.Now().UTC()
		first := &model.User{RealmID: realm.ID, Username: uniq("first"), Email: email, CreatedAt: now}
		second := &model.User{RealmID: realm.ID, Username: uniq("second"), Email: email, CreatedAt: now.Add(-time.Hour)}
		must(t, s.CreateUser(ctx, first, false))
		must(t, s.CreateUser(ctx, second, false))
		got, err := s.GetUserByEmail(ctx, realm.ID, email)
		must(t, err)
		if got.ID != second.ID {
			t.Errorf("GetUserByEmail = %q, want the oldest, %q", got.Username, second.Username)
		}
		n, err := s.CountUsers(ctx, realm.ID, store.UserQuery{Email: email, Exact: true})
		must(t, err)
		if n != 2 {
			t.Errorf("CountUsers(email) = %d, want 2", n)
		}
	})

	t.Run("NoEmailNeverConflicts", func(t *testing.T) {
		ctx := ctxFor(t)
		realm := newRealm(t, s)
		for i := range 3 {
			u := &model.User{RealmID: realm.ID, Username: uniq("noemail")}
			if err := s.CreateUser(ctx, u, true); err != nil {
				t.Errorf("user %d without email: %v", i, err)
			}
		}
		// Having no email is not having the email "".
		if got, err := s.GetUserByEmail(ctx, realm.ID, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUserByEmail(\"\") = %v, %v; want ErrNotFound", got, err)
		}
		n, err := s.CountUsers(ctx, realm.ID, store.UserQuery{Email: "", Exact: true})
		must(t, err)
		if n != 3 {
			t.Errorf("CountUsers with an empty Email filter = %d, want 3 (empty does not filter)", n)
		}
	})

	t.Run("UpdateOntoTakenEmail", func(t *testing.T) {
		ctx := ctxFor(t)
		realm := newRealm(t, s)
		email := uniq("owner") + "@example.com"
		newUser(t, s, realm.ID, uniq("owner"), func(u *model.User) { u.Email = email })
		mover := newUser(t, s, realm.ID, uniq("mover"), func(u *model.User) { u.Email = uniq("mover") + "@example.com" })

		upd := *mover
		upd.Email = "Owner" + email[len("owner"):]
		wantErr(t, "UpdateUser onto a taken email, unique", s.UpdateUser(ctx, &upd, true), store.ErrConflict)
		got, err := s.GetUser(ctx, realm.ID, mover.ID)
		must(t, err)
		if got.Email != mover.Email {
			t.Errorf("refused update wrote email %q", got.Email)
		}

		must(t, s.UpdateUser(ctx, &upd, false))
		got, err = s.GetUser(ctx, realm.ID, mover.ID)
		must(t, err)
		if got.Email != email {
			t.Errorf("email after allowed update = %q, want %q", got.Email, email)
		}

		// Keeping one's own email is never a conflict.
		keeper := newUser(t, s, realm.ID, uniq("keeper"), func(u *model.User) { u.Email = uniq("keeper") + "@example.com" })
		keeper.FirstName = "Changed"
		if err := s.UpdateUser(ctx, keeper, true); err != nil {
			t.Errorf("UpdateUser keeping its own email: %v", err)
		}
	})

	t.Run("UpdateEmailCaseOnly", func(t *testing.T) {
		ctx := ctxFor(t)
		realm := newRealm(t, s)
		u := newUser(t, s, realm.ID, uniq("casey"), func(u *model.User) { u.Email = uniq("casey") + "@example.com" })
		upd := *u
		upd.Email = "CASEY" + u.Email[len("casey"):]
		if err := s.UpdateUser(ctx, &upd, true); err != nil {
			t.Fatalf("UpdateUser changing only the case of its email: %v", err)
		}
		got, err := s.GetUser(ctx, realm.ID, u.ID)
		must(t, err)
		if got.Email != u.Email {
			t.Errorf("email = %q, want %q", got.Email, u.Email)
		}
	})
}
