package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/postgres"
	"github.com/latchkey/latchkey/internal/store/sqlstore"
)

// migrationsUpTo is the backend's migration set cut at version n: what an
// older binary shipped. It also returns the newest version of the full set.
func migrationsUpTo(t *testing.T, n int64) (fstest.MapFS, int64) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("listing migrations: %v, %d files", err, len(files))
	}
	fsys := fstest.MapFS{}
	var newest int64
	for _, f := range files {
		v, err := strconv.ParseInt(strings.SplitN(filepath.Base(f), "_", 2)[0], 10, 64)
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		newest = max(newest, v)
		if v > n {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fsys[filepath.Base(f)] = &fstest.MapFile{Data: b}
	}
	return fsys, newest
}

// A database written by an older binary (schema version 1, before sessions
// and events; version 2, before admin events; version 3, before the mail
// outbox and verification codes) is migrated on Open and keeps its rows.
func TestMigrateFromOlderVersions(t *testing.T) {
	_, newest := migrationsUpTo(t, 0)
	if newest < 4 {
		t.Fatalf("newest migration = %d, want at least 4", newest)
	}
	for from := int64(1); from < newest; from++ {
		t.Run(fmt.Sprintf("version%d", from), func(t *testing.T) { testMigrateFrom(t, from, newest) })
	}
}

func testMigrateFrom(t *testing.T, from, newest int64) {
	ctx := context.Background()
	dbURL := testSchema(t)
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	older, _ := migrationsUpTo(t, from)
	if err := sqlstore.Migrate(ctx, postgres.Dialect, db, goose.DialectPostgres, older); err != nil {
		t.Fatalf("migrating to version %d: %v", from, err)
	}
	old := sqlstore.New(postgres.Dialect, db, db)
	realm := &model.Realm{Name: "legacy", Enabled: true}
	if err := old.CreateRealm(ctx, realm); err != nil {
		t.Fatal(err)
	}
	user := &model.User{RealmID: realm.ID, Username: "alice", Email: "alice@example.com", Enabled: true}
	if err := old.CreateUser(ctx, user, true); err != nil {
		t.Fatal(err)
	}
	client := &model.Client{RealmID: realm.ID, ClientID: "app"}
	if err := old.CreateClient(ctx, client); err != nil {
		t.Fatal(err)
	}
	var oldSess *model.Session
	var oldEvent *model.Event
	if from >= 2 {
		oldSess = &model.Session{RealmID: realm.ID, UserID: user.ID, Clients: []string{client.ID},
			IdleExpires: time.Now().Add(time.Hour), MaxExpires: time.Now().Add(time.Hour)}
		if err := old.CreateSession(ctx, oldSess); err != nil {
			t.Fatal(err)
		}
		oldEvent = &model.Event{RealmID: realm.ID, Type: "LOGIN", UserID: user.ID}
		if err := old.AppendEvent(ctx, oldEvent); err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := postgres.Open(ctx, dbURL, postgres.WithMaxConns(4))
	if err != nil {
		t.Fatalf("Open on a version %d database: %v", from, err)
	}
	t.Cleanup(func() { s.Close() })
	var version int64
	if err := s.Writer().QueryRowContext(ctx,
		`SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != newest {
		t.Fatalf("schema version after Open = %d, want %d", version, newest)
	}
	got, err := s.GetUserByUsername(ctx, realm.ID, "alice")
	if err != nil || got.ID != user.ID || got.Email != user.Email {
		t.Fatalf("user after migration: %+v, %v", got, err)
	}
	if _, err := s.GetClient(ctx, realm.ID, client.ID); err != nil {
		t.Fatalf("client after migration: %v", err)
	}
	if oldSess != nil {
		if got, err := s.GetSession(ctx, realm.ID, oldSess.ID); err != nil || len(got.Clients) != 1 {
			t.Fatalf("session after migration: %+v, %v", got, err)
		}
		events, err := s.ListEvents(ctx, realm.ID, store.EventQuery{})
		if err != nil || len(events) != 1 || events[0].ID != oldEvent.ID {
			t.Fatalf("events after migration: %+v, %v", events, err)
		}
	}
	// The new tables work with the old rows.
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
	if err := s.DeleteUser(ctx, realm.ID, user.ID); err != nil {
		t.Fatal(err)
	}
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
