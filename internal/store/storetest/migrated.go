package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Legacy is what SeedLegacy wrote through a store on an older schema.
type Legacy struct {
	Realm  *model.Realm
	User   *model.User
	Client *model.Client
	// Service is the client's service-account user.
	Service *model.User
	Session *model.Session // nil below schema version 2
	Event   *model.Event   // nil below schema version 2
}

// SeedLegacy writes, through old (a store on a database migrated only to
// schema version from), the rows an older binary would have: a realm, a
// user, a client with its service-account user, and from version 2 a
// session and an event.
func SeedLegacy(t *testing.T, old store.Store, from int64) Legacy {
	t.Helper()
	ctx := context.Background()
	l := Legacy{Realm: &model.Realm{Name: "legacy", Enabled: true}}
	if err := old.CreateRealm(ctx, l.Realm); err != nil {
		t.Fatal(err)
	}
	l.User = &model.User{RealmID: l.Realm.ID, Username: "alice", Email: "alice@example.com", Enabled: true}
	if err := old.CreateUser(ctx, l.User, true); err != nil {
		t.Fatal(err)
	}
	l.Client = &model.Client{RealmID: l.Realm.ID, ClientID: "app"}
	if err := old.CreateClient(ctx, l.Client); err != nil {
		t.Fatal(err)
	}
	l.Service = &model.User{RealmID: l.Realm.ID, Username: "service-account-app", FirstName: "Alice's app",
		Enabled: true, ServiceAccountClientID: l.Client.ID}
	if err := old.CreateUser(ctx, l.Service, true); err != nil {
		t.Fatal(err)
	}
	if from >= 2 {
		l.Session = &model.Session{RealmID: l.Realm.ID, UserID: l.User.ID, Clients: []string{l.Client.ID},
			IdleExpires: time.Now().Add(time.Hour), MaxExpires: time.Now().Add(time.Hour)}
		if err := old.CreateSession(ctx, l.Session); err != nil {
			t.Fatal(err)
		}
		l.Event = &model.Event{RealmID: l.Realm.ID, Type: "LOGIN", UserID: l.User.ID}
		if err := old.AppendEvent(ctx, l.Event); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// CheckMigrated checks, on s (the same database opened by the current
// binary, so fully migrated), that SeedLegacy's rows survived and that the
// newer tables (sessions, events, admin events, the outbox, verification
// codes) work beside them, cascades included, and that what later
// migrations derive from old rows (the trigram search index, the people
// counters) was filled in for them and is kept from then on.
func CheckMigrated(t *testing.T, s store.Store, l Legacy) {
	t.Helper()
	ctx := context.Background()
	realm, user, client := l.Realm, l.User, l.Client
	got, err := s.GetUserByUsername(ctx, realm.ID, "alice")
	if err != nil || got.ID != user.ID || got.Email != user.Email {
		t.Fatalf("user after migration: %+v, %v", got, err)
	}
	if _, err := s.GetClient(ctx, realm.ID, client.ID); err != nil {
		t.Fatalf("client after migration: %v", err)
	}
	if l.Session != nil {
		if got, err := s.GetSession(ctx, realm.ID, l.Session.ID); err != nil || len(got.Clients) != 1 {
			t.Fatalf("session after migration: %+v, %v", got, err)
		}
		events, err := s.ListEvents(ctx, realm.ID, store.EventQuery{})
		if err != nil || len(events) != 1 || events[0].ID != l.Event.ID {
			t.Fatalf("events after migration: %+v, %v", events, err)
		}
	}
	sess := &model.Session{RealmID: realm.ID, UserID: user.ID, Clients: []string{client.ID},
		IdleExpires: time.Now().Add(time.Hour), MaxExpires: time.Now().Add(time.Hour)}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatalf("CreateSession after migration: %v", err)
	}
	if err := s.AppendEvent(ctx, &model.Event{RealmID: realm.ID, Type: "LOGIN", UserID: user.ID}); err != nil {
		t.Fatalf("AppendEvent after migration: %v", err)
	}
	adminEvent := &model.AdminEvent{RealmID: realm.ID, OperationType: "UPDATE", ResourceType: "USER",
		ResourcePath: "users/" + user.ID, AuthRealmID: realm.ID, AuthUserID: user.ID}
	if err := s.AppendAdminEvent(ctx, adminEvent); err != nil {
		t.Fatalf("AppendAdminEvent after migration: %v", err)
	}
	msg := &model.OutboxMessage{RealmID: realm.ID, UserID: user.ID, Kind: "verify-email",
		To: user.Email, Subject: "Verify email", Text: "text"}
	if err := s.EnqueueMessage(ctx, msg); err != nil {
		t.Fatalf("EnqueueMessage after migration: %v", err)
	}
	if claimed, err := s.ClaimMessages(ctx, time.Now(), time.Minute, 10); err != nil ||
		len(claimed) != 1 || claimed[0].ID != msg.ID {
		t.Fatalf("ClaimMessages after migration: %+v, %v", claimed, err)
	}
	if err := s.PutCode(ctx, &model.VerificationCode{RealmID: realm.ID, UserID: user.ID,
		Email: user.Email, CodeHash: "h", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("PutCode after migration: %v", err)
	}
	checkMigratedSearch(t, s, l, []string{"alice"}, 1)
	if err := s.DeleteUser(ctx, realm.ID, user.ID); err != nil {
		t.Fatal(err)
	}
	checkMigratedSearch(t, s, l, nil, 0)
	newcomer := &model.User{RealmID: realm.ID, Username: "alicia", Email: "alicia@example.com"}
	if err := s.CreateUser(ctx, newcomer, true); err != nil {
		t.Fatal(err)
	}
	checkMigratedSearch(t, s, l, []string{"alicia"}, 1)
	if _, err := s.GetCode(ctx, realm.ID, user.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("code of a deleted user after migration: %v, want ErrNotFound", err)
	}
	if _, err := s.GetSession(ctx, realm.ID, sess.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session of a deleted user after migration: %v, want ErrNotFound", err)
	}
	list, err := s.ListAdminEvents(ctx, realm.ID, store.AdminEventQuery{ResourcePath: "users/*"})
	if err != nil || len(list) != 1 || list[0].ID != adminEvent.ID {
		t.Errorf("admin events after migration: %+v, %v", list, err)
	}
}

// checkMigratedSearch checks, on a migrated database, the infix searches
// that the trigram indexes serve and the counts the counters give: people
// are the users wanted, and the legacy service account is always there
// too.
func checkMigratedSearch(t *testing.T, s store.Store, l Legacy, people []string, n int) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []store.UserQuery{
		{Search: []store.SearchToken{{Text: "LIC", Match: store.MatchInfix}}},
		{Email: "@EXAMPLE.c", IncludeServiceAccounts: true},
		{Username: "ali", IncludeServiceAccounts: true},
	} {
		got, err := s.ListUsers(ctx, l.Realm.ID, q)
		if err != nil {
			t.Fatalf("ListUsers(%+v) after migration: %v", q, err)
		}
		if names := usernames(got); !slices.Equal(names, people) {
			t.Errorf("ListUsers(%+v) after migration = %q, want %q", q, names, people)
		}
	}
	got, err := s.ListUsers(ctx, l.Realm.ID, store.UserQuery{FirstName: "ice's a", IncludeServiceAccounts: true})
	if err != nil || len(got) != 1 || got[0].ID != l.Service.ID {
		t.Errorf("service account by first name after migration: %+v, %v", got, err)
	}
	if c, err := s.CountUsers(ctx, l.Realm.ID, store.UserQuery{}); err != nil || c != n {
		t.Errorf("CountUsers after migration = %d, %v, want %d", c, err, n)
	}
	if c, err := s.CountUsers(ctx, l.Realm.ID, store.UserQuery{IncludeServiceAccounts: true}); err != nil || c != n+1 {
		t.Errorf("CountUsers with service accounts after migration = %d, %v, want %d", c, err, n+1)
	}
}
