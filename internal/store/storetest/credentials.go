package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

func testCredentials(t *testing.T, s store.Store) {
	realm := newRealm(t, s)

	t.Run("RoundTrip", func(t *testing.T) {
		ctx := ctxFor(t)
		u := newUser(t, s, realm.ID, uniq("cred"))
		before := time.Now()
		gen := &model.Credential{UserID: u.ID, Type: model.CredentialPassword, SecretData: `{"value":"x"}`, CredentialData: `{}`}
		must(t, s.CreateCredential(ctx, gen))
		checkGenerated(t, "credential", gen.ID, gen.CreatedAt, before, time.Now())

		want := &model.Credential{
			ID: newID(), UserID: u.ID, Type: model.CredentialPasswordHistory, UserLabel: "My laptop ✓",
			CreatedAt:      time.Date(2021, 2, 3, 4, 5, 6, 7_000_000, time.UTC),
			SecretData:     `{"value":"3Y2x0ZAy1o0n1JZx3u/ZQ6o0K5w=","salt":"c2FsdA==","additionalParameters":{}}`,
			CredentialData: `{"hashIterations":27500,"algorithm":"pbkdf2-sha256","additionalParameters":{}}`,
			Priority:       20,
		}
		allSet(t, "credential", want)
		must(t, s.CreateCredential(ctx, want))
		list, err := s.ListCredentials(ctx, u.ID)
		must(t, err)
		if len(list) != 2 {
			t.Fatalf("ListCredentials = %d credentials, want 2", len(list))
		}
		// gen has priority 0, so it comes first.
		if list[0].ID != gen.ID {
			t.Errorf("first credential = %q, want %q (priority 0)", list[0].ID, gen.ID)
		}
		checkEqual(t, "credential", &list[1], want)
	})

	t.Run("OrderedByPriorityThenCreation", func(t *testing.T) {
		ctx := ctxFor(t)
		u := newUser(t, s, realm.ID, uniq("order"))
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		// Inserted in an order that matches neither the expected order nor
		// the order of the times.
		for _, c := range []struct {
			label    string
			priority int
			age      time.Duration
		}{
			{"p10-new", 10, 3 * time.Hour},
			{"p0-new", 0, 2 * time.Hour},
			{"p10-old", 10, 1 * time.Hour},
			{"p0-old", 0, 0},
			{"p5", 5, 5 * time.Hour},
			{"neg", -1, 9 * time.Hour},
		} {
			must(t, s.CreateCredential(ctx, &model.Credential{
				UserID: u.ID, Type: model.CredentialPassword, UserLabel: c.label,
				Priority: c.priority, CreatedAt: base.Add(c.age),
			}))
		}
		list, err := s.ListCredentials(ctx, u.ID)
		must(t, err)
		labels := make([]string, len(list))
		for i, c := range list {
			labels[i] = c.UserLabel
		}
		checkList(t, "credentials by priority, creation", labels,
			[]string{"neg", "p0-old", "p0-new", "p5", "p10-old", "p10-new"})
	})

	t.Run("Update", func(t *testing.T) {
		ctx := ctxFor(t)
		u := newUser(t, s, realm.ID, uniq("credupd"))
		c := &model.Credential{UserID: u.ID, Type: model.CredentialPassword, UserLabel: "old", SecretData: "old", CredentialData: "old", Priority: 1}
		must(t, s.CreateCredential(ctx, c))
		want := *c
		want.UserLabel, want.SecretData, want.CredentialData, want.Priority = "new", `{"value":"new"}`, `{"algorithm":"argon2"}`, 7
		// The date moves with the secret (password history orders by it).
		want.CreatedAt = ms(c.CreatedAt.Add(90 * time.Minute))
		must(t, s.UpdateCredential(ctx, &want))
		list, err := s.ListCredentials(ctx, u.ID)
		must(t, err)
		if len(list) != 1 {
			t.Fatalf("ListCredentials = %d credentials, want 1", len(list))
		}
		checkEqual(t, "updated credential", &list[0], &want)

		ghost := want
		ghost.ID = newID()
		wantErr(t, "UpdateCredential(missing)", s.UpdateCredential(ctx, &ghost), store.ErrNotFound)
	})

	t.Run("Delete", func(t *testing.T) {
		ctx := ctxFor(t)
		u := newUser(t, s, realm.ID, uniq("creddel"))
		other := newUser(t, s, realm.ID, uniq("creddel"))
		keep := &model.Credential{UserID: u.ID, Type: model.CredentialPassword, UserLabel: "keep"}
		drop := &model.Credential{UserID: u.ID, Type: model.CredentialPassword, UserLabel: "drop"}
		must(t, s.CreateCredential(ctx, keep))
		must(t, s.CreateCredential(ctx, drop))

		wantErr(t, "DeleteCredential with another user's id", s.DeleteCredential(ctx, other.ID, drop.ID), store.ErrNotFound)
		wantErr(t, "DeleteCredential(missing)", s.DeleteCredential(ctx, u.ID, newID()), store.ErrNotFound)
		must(t, s.DeleteCredential(ctx, u.ID, drop.ID))
		wantErr(t, "DeleteCredential twice", s.DeleteCredential(ctx, u.ID, drop.ID), store.ErrNotFound)

		list, err := s.ListCredentials(ctx, u.ID)
		must(t, err)
		if len(list) != 1 || list[0].ID != keep.ID {
			t.Errorf("after delete: %d credentials, want only %q", len(list), keep.ID)
		}
	})

	t.Run("PerUser", func(t *testing.T) {
		ctx := ctxFor(t)
		a := newUser(t, s, realm.ID, uniq("credA"))
		b := newUser(t, s, realm.ID, uniq("credB"))
		must(t, s.CreateCredential(ctx, &model.Credential{UserID: a.ID, Type: model.CredentialPassword}))
		list, err := s.ListCredentials(ctx, b.ID)
		must(t, err)
		if len(list) != 0 {
			t.Errorf("user B lists %d credentials of user A", len(list))
		}
		list, err = s.ListCredentials(ctx, newID())
		if err == nil && len(list) != 0 {
			t.Errorf("a missing user lists %d credentials", len(list))
		}
	})
}
