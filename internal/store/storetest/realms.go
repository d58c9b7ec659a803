package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// fullRealm sets every setting, so that a setting the JSON document drops
// shows up as a difference. n varies the values between fixtures.
func fullRealm(name string, n int) *model.Realm {
	return &model.Realm{
		ID: newID(), Name: name, CreatedAt: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC),

		DisplayName: "Display " + name, DisplayNameHTML: "<b>" + name + "</b>",
		Enabled: true, SSLRequired: "external",

		RegistrationAllowed: true, RegistrationEmailAsUsername: true, RememberMe: true,
		VerifyEmail: true, LoginWithEmailAllowed: true, DuplicateEmailsAllowed: true,
		ResetPasswordAllowed: true, EditUsernameAllowed: true,

		BruteForceProtected: true, PermanentLockout: true, MaxTemporaryLockouts: n + 1,
		FailureFactor: n + 2, WaitIncrementSeconds: n + 3, QuickLoginCheckMilliSeconds: n + 4,
		MinimumQuickLoginWaitSeconds: n + 5, MaxFailureWaitSeconds: n + 6, MaxDeltaTimeSeconds: n + 7,

		PasswordPolicy:            "length(8) and digits(1) and notUsername",
		DefaultSignatureAlgorithm: "RS256",

		AccessTokenLifespan: n + 8, AccessTokenLifespanForImplicitFlow: n + 9,
		SSOSessionIdleTimeout: n + 10, SSOSessionMaxLifespan: n + 11,
		SSOSessionIdleTimeoutRememberMe: n + 12, SSOSessionMaxLifespanRememberMe: n + 13,
		OfflineSessionIdleTimeout: n + 14, OfflineSessionMaxLifespanEnabled: true,
		OfflineSessionMaxLifespan: n + 15, ClientSessionIdleTimeout: n + 16,
		ClientSessionMaxLifespan: n + 17, AccessCodeLifespan: n + 18,
		AccessCodeLifespanUserAction: n + 19, AccessCodeLifespanLogin: n + 20,
		ActionTokenGeneratedByAdminLifespan: n + 21, ActionTokenGeneratedByUserLifespan: n + 22,
		OAuth2DeviceCodeLifespan: n + 23, OAuth2DevicePollingInterval: n + 24,
		RevokeRefreshToken: true, RefreshTokenMaxReuse: n + 25, NotBefore: 1700000000 + n,

		DefaultRoleID: newID(),

		EventsEnabled: true, EventsExpiration: int64(n) + 3600,
		EventsListeners:    []string{"jboss-logging", "email"},
		EnabledEventTypes:  []string{"LOGIN", "REGISTER", "LOGIN_ERROR"},
		AdminEventsEnabled: true, AdminEventsDetailsEnabled: true,

		InternationalizationEnabled: true,
		SupportedLocales:            []string{"fr", "en", "de"},
		DefaultLocale:               "fr",
		RequiredCredentials:         []string{"password", "otp"},
		OTPPolicyType:               "totp",

		SMTPServer: map[string]string{"host": "smtp.example.com", "port": "587", "from": "no-reply@example.com"},
		Attributes: map[string]string{"frontendUrl": "https://id.example.com", "empty": "", "ünïcode": "✓"},
	}
}

func testRealms(t *testing.T, s store.Store) {
	t.Run("CreateGeneratesIDAndTime", func(t *testing.T) {
		ctx := ctxFor(t)
		before := time.Now()
		r := &model.Realm{Name: uniq("gen")}
		must(t, s.CreateRealm(ctx, r))
		checkGenerated(t, "realm", r.ID, r.CreatedAt, before, time.Now())
		got, err := s.GetRealm(ctx, r.ID)
		must(t, err)
		if got.ID != r.ID || got.Name != r.Name {
			t.Errorf("GetRealm = %q/%q, want %q/%q", got.ID, got.Name, r.ID, r.Name)
		}
		if d := got.CreatedAt.Sub(r.CreatedAt); d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("CreatedAt read back %v, written back %v", got.CreatedAt, r.CreatedAt)
		}
		other := &model.Realm{Name: uniq("gen")}
		must(t, s.CreateRealm(ctx, other))
		if other.ID == r.ID {
			t.Errorf("two realms got the same id %q", r.ID)
		}
	})

	t.Run("SettingsRoundTrip", func(t *testing.T) {
		ctx := ctxFor(t)
		want := fullRealm(uniq("full"), 0)
		allSet(t, "realm", want)
		must(t, s.CreateRealm(ctx, want))

		got, err := s.GetRealm(ctx, want.ID)
		must(t, err)
		checkEqual(t, "GetRealm", got, want)
		got, err = s.GetRealmByName(ctx, want.Name)
		must(t, err)
		checkEqual(t, "GetRealmByName", got, want)
		all, err := s.ListRealms(ctx)
		must(t, err)
		found := false
		for _, r := range all {
			if r.ID == want.ID {
				found = true
				checkEqual(t, "ListRealms", &r, want)
			}
		}
		if !found {
			t.Errorf("ListRealms does not list %q", want.Name)
		}
	})

	t.Run("Update", func(t *testing.T) {
		ctx := ctxFor(t)
		r := fullRealm(uniq("upd"), 0)
		must(t, s.CreateRealm(ctx, r))

		// Every setting changes, the name too.
		want := fullRealm(uniq("upd"), 100)
		want.ID, want.CreatedAt = r.ID, r.CreatedAt
		want.SSLRequired, want.DisplayName = "all", "Renamed"
		want.EventsListeners = []string{"email"}
		want.SMTPServer = map[string]string{"host": "mail.example.org"}
		want.Attributes = map[string]string{"other": "x"}
		must(t, s.UpdateRealm(ctx, want))
		got, err := s.GetRealm(ctx, r.ID)
		must(t, err)
		checkEqual(t, "after update", got, want)
		if _, err := s.GetRealmByName(ctx, r.Name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetRealmByName(old name) after rename: err = %v, want ErrNotFound", err)
		}
		if got, err := s.GetRealmByName(ctx, want.Name); err != nil || got.ID != r.ID {
			t.Errorf("GetRealmByName(new name) = %v, %v", got, err)
		}

		// Back to zero values: false flags, empty maps and slices.
		zero := &model.Realm{ID: r.ID, Name: want.Name, CreatedAt: r.CreatedAt}
		must(t, s.UpdateRealm(ctx, zero))
		got, err = s.GetRealm(ctx, r.ID)
		must(t, err)
		checkEqual(t, "after update to zero", got, zero)
	})

	t.Run("NamesUnique", func(t *testing.T) {
		ctx := ctxFor(t)
		a := newRealm(t, s)
		wantErr(t, "CreateRealm with a taken name", s.CreateRealm(ctx, &model.Realm{Name: a.Name}), store.ErrConflict)

		b := newRealm(t, s)
		renamed := *b
		renamed.Name = a.Name
		renamed.DisplayName = "should not be written"
		wantErr(t, "UpdateRealm onto a taken name", s.UpdateRealm(ctx, &renamed), store.ErrConflict)
		got, err := s.GetRealm(ctx, b.ID)
		must(t, err)
		if got.Name != b.Name || got.DisplayName != "" {
			t.Errorf("refused rename wrote: name %q display %q", got.Name, got.DisplayName)
		}

		// Realm names are case-sensitive.
		upper := &model.Realm{Name: "UP" + a.Name}
		lower := &model.Realm{Name: "up" + a.Name}
		must(t, s.CreateRealm(ctx, upper))
		if err := s.CreateRealm(ctx, lower); err != nil {
			t.Errorf("realm names differing only in case: %v", err)
		}
		if got, err := s.GetRealmByName(ctx, "Up"+a.Name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetRealmByName with other case = %v, %v; want ErrNotFound", got, err)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		ctx := ctxFor(t)
		_, err := s.GetRealm(ctx, newID())
		wantErr(t, "GetRealm(missing)", err, store.ErrNotFound)
		_, err = s.GetRealmByName(ctx, uniq("missing"))
		wantErr(t, "GetRealmByName(missing)", err, store.ErrNotFound)
		wantErr(t, "UpdateRealm(missing)", s.UpdateRealm(ctx, &model.Realm{ID: newID(), Name: uniq("missing")}), store.ErrNotFound)
		wantErr(t, "DeleteRealm(missing)", s.DeleteRealm(ctx, newID()), store.ErrNotFound)
	})

	t.Run("Delete", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		must(t, s.DeleteRealm(ctx, r.ID))
		_, err := s.GetRealm(ctx, r.ID)
		wantErr(t, "GetRealm after delete", err, store.ErrNotFound)
		_, err = s.GetRealmByName(ctx, r.Name)
		wantErr(t, "GetRealmByName after delete", err, store.ErrNotFound)
		wantErr(t, "DeleteRealm twice", s.DeleteRealm(ctx, r.ID), store.ErrNotFound)
		// The name is free again.
		must(t, s.CreateRealm(ctx, &model.Realm{Name: r.Name}))
	})

	// Last: it checks the complete listing of this group's store.
	t.Run("ListOrderedByName", func(t *testing.T) {
		ctx := ctxFor(t)
		for _, n := range []string{"lzulu", "lalpha", "lmike"} {
			must(t, s.CreateRealm(ctx, &model.Realm{Name: n}))
		}
		all, err := s.ListRealms(ctx)
		must(t, err)
		// Only lower-case names: how case sorts is the collation's business.
		var names []string
		for _, r := range all {
			if r.Name == strings.ToLower(r.Name) {
				names = append(names, r.Name)
			}
		}
		checkList(t, "ListRealms names (lower-case ones)", names, sorted(names))
		for _, n := range []string{"lalpha", "lmike", "lzulu"} {
			if !contains(names, n) {
				t.Errorf("ListRealms misses %q: %q", n, names)
			}
		}
	})
}
