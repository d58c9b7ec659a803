package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// manyValues is long enough that a store which returns attribute values in
// any order but the given one (by value, by row id) is caught.
var manyValues = []string{"zulu", "alpha", "mike", "bravo", "yankee", "charlie", "alpha2"}

func testUsers(t *testing.T, s store.Store) {
	realm := newRealm(t, s)
	sa := newClient(t, s, realm.ID, uniq("sa-client"))

	t.Run("CreateGeneratesIDAndTime", func(t *testing.T) {
		ctx := ctxFor(t)
		before := time.Now()
		u := &model.User{RealmID: realm.ID, Username: uniq("gen")}
		must(t, s.CreateUser(ctx, u, true))
		checkGenerated(t, "user", u.ID, u.CreatedAt, before, time.Now())
		got, err := s.GetUser(ctx, realm.ID, u.ID)
		must(t, err)
		if d := got.CreatedAt.Sub(u.CreatedAt); d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("CreatedAt read back %v, written back %v", got.CreatedAt, u.CreatedAt)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		ctx := ctxFor(t)
		want := &model.User{
			ID: newID(), RealmID: realm.ID, Username: uniq("full"), Email: uniq("full") + "@example.com",
			FirstName: "Zoë", LastName: "O'Brien-Smith", EmailVerified: true, Enabled: true,
			CreatedAt:              time.Date(2023, 5, 6, 7, 8, 9, 0, time.UTC),
			ServiceAccountClientID: sa.ID, NotBefore: 1700000123,
			Attributes: map[string][]string{
				"multi":  manyValues,
				"single": {"one"},
				"ünï":    {"välue", ""},
			},
			RequiredActions: []string{"VERIFY_EMAIL", "UPDATE_PASSWORD"},
		}
		allSet(t, "user", want)
		must(t, s.CreateUser(ctx, want, true))

		got, err := s.GetUser(ctx, realm.ID, want.ID)
		must(t, err)
		checkUser(t, "GetUser", got, want)
		got, err = s.GetUserByUsername(ctx, realm.ID, want.Username)
		must(t, err)
		checkUser(t, "GetUserByUsername", got, want)
		got, err = s.GetUserByEmail(ctx, realm.ID, want.Email)
		must(t, err)
		checkUser(t, "GetUserByEmail", got, want)
		got, err = s.GetServiceAccountUser(ctx, realm.ID, sa.ID)
		must(t, err)
		checkUser(t, "GetServiceAccountUser", got, want)
		list, err := s.ListUsers(ctx, realm.ID, store.UserQuery{Username: want.Username, Exact: true, IncludeServiceAccounts: true})
		must(t, err)
		if len(list) != 1 {
			t.Fatalf("ListUsers(exact username) = %q, want one user", usernames(list))
		}
		checkUser(t, "ListUsers", &list[0], want)
	})

	t.Run("PlainUserHasNoServiceAccount", func(t *testing.T) {
		ctx := ctxFor(t)
		c := newClient(t, s, realm.ID, uniq("nosa"))
		newUser(t, s, realm.ID, uniq("person"))
		_, err := s.GetServiceAccountUser(ctx, realm.ID, c.ID)
		wantErr(t, "GetServiceAccountUser(client without one)", err, store.ErrNotFound)
	})

	t.Run("Update", func(t *testing.T) {
		ctx := ctxFor(t)
		created := time.Date(2022, 1, 2, 3, 4, 5, 0, time.UTC)
		u := newUser(t, s, realm.ID, uniq("upd"), func(u *model.User) {
			u.Email = uniq("upd") + "@example.com"
			u.CreatedAt = created
			u.Attributes = map[string][]string{"keep": {"a", "b"}, "drop": {"x"}}
			u.RequiredActions = []string{"VERIFY_EMAIL"}
		})
		want := &model.User{
			ID: u.ID, RealmID: realm.ID, Username: uniq("renamed"), Email: uniq("new") + "@example.org",
			FirstName: "New", LastName: "Name", EmailVerified: true, Enabled: false,
			CreatedAt: created, NotBefore: 42,
			Attributes:      map[string][]string{"keep": {"b", "a", "c"}, "added": manyValues},
			RequiredActions: []string{"CONFIGURE_TOTP", "UPDATE_PROFILE"},
		}
		upd := *want
		upd.CreatedAt = created.Add(time.Hour) // not changed by UpdateUser
		must(t, s.UpdateUser(ctx, &upd, true))
		got, err := s.GetUser(ctx, realm.ID, u.ID)
		must(t, err)
		checkUser(t, "after update", got, want)

		// Everything cleared.
		zero := &model.User{ID: u.ID, RealmID: realm.ID, Username: want.Username, CreatedAt: created}
		must(t, s.UpdateUser(ctx, zero, true))
		got, err = s.GetUser(ctx, realm.ID, u.ID)
		must(t, err)
		checkUser(t, "after clearing", got, zero)
	})

	t.Run("UsernameCaseInsensitive", func(t *testing.T) {
		ctx := ctxFor(t)
		name := uniq("alice")
		u := &model.User{RealmID: realm.ID, Username: "Mixed" + name, Email: "Mixed" + name + "@Example.COM"}
		must(t, s.CreateUser(ctx, u, true))
		got, err := s.GetUser(ctx, realm.ID, u.ID)
		must(t, err)
		if got.Username != "mixed"+name || got.Email != "mixed"+name+"@example.com" {
			t.Errorf("stored username/email = %q/%q, want lower-cased", got.Username, got.Email)
		}
		for _, q := range []string{"mixed" + name, "MIXED" + name, "mIxEd" + name} {
			got, err := s.GetUserByUsername(ctx, realm.ID, q)
			if err != nil || got.ID != u.ID {
				t.Errorf("GetUserByUsername(%q) = %v, %v", q, got, err)
			}
			got, err = s.GetUserByEmail(ctx, realm.ID, q+"@EXAMPLE.com")
			if err != nil || got.ID != u.ID {
				t.Errorf("GetUserByEmail(%q) = %v, %v", q+"@EXAMPLE.com", got, err)
			}
		}
		dup := &model.User{RealmID: realm.ID, Username: "MIXED" + name}
		wantErr(t, "CreateUser with the username in other case", s.CreateUser(ctx, dup, true), store.ErrConflict)
		dup = &model.User{RealmID: realm.ID, Username: "mixed" + name}
		wantErr(t, "CreateUser with the same username", s.CreateUser(ctx, dup, false), store.ErrConflict)
	})

	t.Run("UnicodeCase", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		u := &model.User{RealmID: r.ID, Username: "ÉLODIE", Email: "ÉLODIE@EXEMPLE.FR", LastName: "Ørsted"}
		must(t, s.CreateUser(ctx, u, true))
		got, err := s.GetUserByUsername(ctx, r.ID, "Élodie")
		if err != nil || got.Username != "élodie" || got.Email != "élodie@exemple.fr" {
			t.Errorf("GetUserByUsername(Élodie) = %v, %v; want élodie, élodie@exemple.fr", got, err)
		}
		if got, err := s.GetUserByEmail(ctx, r.ID, "élodie@exemple.fr"); err != nil || got.ID != u.ID {
			t.Errorf("GetUserByEmail(lower) = %v, %v", got, err)
		}
		wantErr(t, "CreateUser(élodie)", s.CreateUser(ctx, &model.User{RealmID: r.ID, Username: "élodie"}, true), store.ErrConflict)
		for _, q := range []store.UserQuery{{Search: prefix("ÉL")}, {Search: prefix("øRS")}, {Search: tokens(store.MatchInfix, "LODI")}, {Username: "LOD"}, {LastName: "ørsted", Exact: true}} {
			list, err := s.ListUsers(ctx, r.ID, q)
			must(t, err)
			checkList(t, fmt.Sprintf("ListUsers(%+v)", q), usernames(list), []string{"élodie"})
		}
	})

	t.Run("RenameOntoTakenUsername", func(t *testing.T) {
		ctx := ctxFor(t)
		a := newUser(t, s, realm.ID, uniq("taken"))
		b := newUser(t, s, realm.ID, uniq("mover"), func(u *model.User) { u.FirstName = "Before" })
		upd := *b
		upd.Username = "TAKEN" + a.Username[len("taken"):]
		upd.FirstName = "After"
		wantErr(t, "UpdateUser onto a taken username", s.UpdateUser(ctx, &upd, true), store.ErrConflict)
		got, err := s.GetUser(ctx, realm.ID, b.ID)
		must(t, err)
		if got.Username != b.Username || got.FirstName != "Before" {
			t.Errorf("refused update wrote: %q %q", got.Username, got.FirstName)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		ctx := ctxFor(t)
		_, err := s.GetUser(ctx, realm.ID, newID())
		wantErr(t, "GetUser(missing)", err, store.ErrNotFound)
		_, err = s.GetUserByUsername(ctx, realm.ID, uniq("nobody"))
		wantErr(t, "GetUserByUsername(missing)", err, store.ErrNotFound)
		_, err = s.GetUserByEmail(ctx, realm.ID, uniq("nobody")+"@example.com")
		wantErr(t, "GetUserByEmail(missing)", err, store.ErrNotFound)
		_, err = s.GetServiceAccountUser(ctx, realm.ID, newID())
		wantErr(t, "GetServiceAccountUser(missing)", err, store.ErrNotFound)
		err = s.UpdateUser(ctx, &model.User{ID: newID(), RealmID: realm.ID, Username: uniq("ghost")}, true)
		wantErr(t, "UpdateUser(missing)", err, store.ErrNotFound)
		wantErr(t, "DeleteUser(missing)", s.DeleteUser(ctx, realm.ID, newID()), store.ErrNotFound)
		if _, err := s.GetUserByUsername(ctx, realm.ID, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUserByUsername(\"\"): err = %v, want ErrNotFound", err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		ctx := ctxFor(t)
		u := newUser(t, s, realm.ID, uniq("del"), func(u *model.User) {
			u.Email = uniq("del") + "@example.com"
			u.Attributes = map[string][]string{"a": {"1"}}
			u.RequiredActions = []string{"VERIFY_EMAIL"}
		})
		must(t, s.CreateCredential(ctx, &model.Credential{UserID: u.ID, Type: model.CredentialPassword, SecretData: "{}", CredentialData: "{}"}))
		must(t, s.DeleteUser(ctx, realm.ID, u.ID))
		_, err := s.GetUser(ctx, realm.ID, u.ID)
		wantErr(t, "GetUser after delete", err, store.ErrNotFound)
		_, err = s.GetUserByUsername(ctx, realm.ID, u.Username)
		wantErr(t, "GetUserByUsername after delete", err, store.ErrNotFound)
		wantErr(t, "DeleteUser twice", s.DeleteUser(ctx, realm.ID, u.ID), store.ErrNotFound)

		// The same id, username and email are free again, and nothing of
		// the old user (attributes, actions, credentials) comes back with
		// the new one.
		again := &model.User{ID: u.ID, RealmID: realm.ID, Username: u.Username, Email: u.Email}
		must(t, s.CreateUser(ctx, again, true))
		got, err := s.GetUser(ctx, realm.ID, u.ID)
		must(t, err)
		if len(got.Attributes) != 0 || len(got.RequiredActions) != 0 {
			t.Errorf("re-created user inherits %v %v", got.Attributes, got.RequiredActions)
		}
		creds, err := s.ListCredentials(ctx, u.ID)
		must(t, err)
		if len(creds) != 0 {
			t.Errorf("re-created user inherits %d credentials of the deleted one", len(creds))
		}
	})
}

// checkUser compares users treating RequiredActions as a set: the contract
// keeps the order of attribute values, not of required actions.
func checkUser(t *testing.T, what string, got, want *model.User) {
	t.Helper()
	g, w := *got, *want
	g.RequiredActions, w.RequiredActions = sorted(g.RequiredActions), sorted(w.RequiredActions)
	checkEqual(t, what, &g, &w)
}
