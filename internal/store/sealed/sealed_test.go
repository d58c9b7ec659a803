package sealed_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dbtest"
	"github.com/latchkey/latchkey/internal/store/sealed"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, sealed.KeySize) }

func wrap(t *testing.T, raw store.Store, k []byte) *sealed.Store {
	t.Helper()
	s, err := sealed.New(raw, k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSecretsAreSealedAtRestAndOpenOnRead(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, raw store.Store) {
		ctx := context.Background()
		s := wrap(t, raw, key(1))
		realm := &model.Realm{Name: "r", Enabled: true,
			SMTPServer: map[string]string{"host": "mail", "password": "smtp-pw-123"}}
		if err := s.CreateRealm(ctx, realm); err != nil {
			t.Fatal(err)
		}
		if realm.ID == "" || realm.SMTPServer["password"] != "smtp-pw-123" {
			t.Fatalf("the caller's realm after create: id %q, password %q", realm.ID, realm.SMTPServer["password"])
		}
		c := &model.Client{RealmID: realm.ID, ClientID: "app", Secret: "client-secret-456", Enabled: true}
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if c.ID == "" || c.Secret != "client-secret-456" {
			t.Fatalf("the caller's client after create: id %q, secret %q", c.ID, c.Secret)
		}

		// At rest: ciphertext only.
		rc, _ := raw.GetClient(ctx, realm.ID, c.ID)
		rr, _ := raw.GetRealm(ctx, realm.ID)
		if !sealed.IsSealed(rc.Secret) || strings.Contains(rc.Secret, "client-secret-456") {
			t.Fatalf("client secret at rest: %q", rc.Secret)
		}
		if p := rr.SMTPServer["password"]; !sealed.IsSealed(p) || strings.Contains(p, "smtp-pw") {
			t.Fatalf("SMTP password at rest: %q", p)
		}
		if rr.SMTPServer["host"] != "mail" {
			t.Fatalf("other SMTP settings changed: %v", rr.SMTPServer)
		}

		// Read back: clear, by every read.
		for name, get := range map[string]func() (*model.Client, error){
			"GetClient":           func() (*model.Client, error) { return s.GetClient(ctx, realm.ID, c.ID) },
			"GetClientByClientID": func() (*model.Client, error) { return s.GetClientByClientID(ctx, realm.ID, "app") },
			"ListClients": func() (*model.Client, error) {
				cs, err := s.ListClients(ctx, realm.ID, store.ClientQuery{})
				if err != nil || len(cs) != 1 {
					return nil, errors.Join(err, errors.New("not one client"))
				}
				return &cs[0], nil
			},
			"GetClient in a transaction": func() (got *model.Client, err error) {
				err = s.InTx(ctx, func(tx store.Store) error {
					got, err = tx.GetClient(ctx, realm.ID, c.ID)
					return err
				})
				return got, err
			},
		} {
			got, err := get()
			if err != nil || got.Secret != "client-secret-456" {
				t.Errorf("%s: %v, %+v", name, err, got)
			}
		}
		for name, get := range map[string]func() (*model.Realm, error){
			"GetRealm":       func() (*model.Realm, error) { return s.GetRealm(ctx, realm.ID) },
			"GetRealmByName": func() (*model.Realm, error) { return s.GetRealmByName(ctx, "r") },
			"ListRealms": func() (*model.Realm, error) {
				rs, err := s.ListRealms(ctx)
				if err != nil || len(rs) != 1 {
					return nil, errors.Join(err, errors.New("not one realm"))
				}
				return &rs[0], nil
			},
		} {
			got, err := get()
			if err != nil || got.SMTPServer["password"] != "smtp-pw-123" {
				t.Errorf("%s: %v, %v", name, err, got)
			}
		}

		// An update seals the new value; a write in a transaction too.
		c.Secret = "rotated-789"
		if err := s.InTx(ctx, func(tx store.Store) error { return tx.UpdateClient(ctx, c) }); err != nil {
			t.Fatal(err)
		}
		if rc, _ := raw.GetClient(ctx, realm.ID, c.ID); !sealed.IsSealed(rc.Secret) {
			t.Fatalf("after update at rest: %q", rc.Secret)
		}
		if got, _ := s.GetClient(ctx, realm.ID, c.ID); got.Secret != "rotated-789" {
			t.Fatalf("after update: %q", got.Secret)
		}

		// Another key does not open it, and SealAll says so.
		other := wrap(t, raw, key(2))
		if _, err := other.GetClient(ctx, realm.ID, c.ID); !errors.Is(err, sealed.ErrWrongKey) {
			t.Fatalf("another key: %v", err)
		}
		if _, err := other.SealAll(ctx); !errors.Is(err, sealed.ErrWrongKey) {
			t.Fatalf("SealAll with another key: %v", err)
		}

		// A sealed value copied onto another client does not open there.
		c2 := &model.Client{RealmID: realm.ID, ClientID: "other", Secret: "x", Enabled: true}
		if err := s.CreateClient(ctx, c2); err != nil {
			t.Fatal(err)
		}
		rc, _ = raw.GetClient(ctx, realm.ID, c.ID)
		moved, _ := raw.GetClient(ctx, realm.ID, c2.ID)
		moved.Secret = rc.Secret
		if err := raw.UpdateClient(ctx, moved); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetClient(ctx, realm.ID, c2.ID); !errors.Is(err, sealed.ErrWrongKey) {
			t.Fatalf("a sealed value moved to another client opened: %v", err)
		}
	})
}

func TestSealAllSealsWhatWasWrittenInClear(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, raw store.Store) {
		ctx := context.Background()
		realm := &model.Realm{ID: uuid.NewString(), Name: "legacy", Enabled: true,
			SMTPServer: map[string]string{"password": "old-smtp"}}
		if err := raw.CreateRealm(ctx, realm); err != nil {
			t.Fatal(err)
		}
		c := &model.Client{ID: uuid.NewString(), RealmID: realm.ID, ClientID: "old", Secret: "old-secret", Enabled: true}
		if err := raw.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		pub := &model.Client{ID: uuid.NewString(), RealmID: realm.ID, ClientID: "public", PublicClient: true, Enabled: true}
		if err := raw.CreateClient(ctx, pub); err != nil {
			t.Fatal(err)
		}
		s := wrap(t, raw, key(3))
		if got, _ := s.GetClient(ctx, realm.ID, c.ID); got.Secret != "old-secret" {
			t.Fatalf("a clear value before SealAll reads %q", got.Secret)
		}
		n, err := s.SealAll(ctx)
		if err != nil || n != 2 {
			t.Fatalf("SealAll: %d, %v; want 2 sealed", n, err)
		}
		if rc, _ := raw.GetClient(ctx, realm.ID, c.ID); !sealed.IsSealed(rc.Secret) {
			t.Fatalf("after SealAll at rest: %q", rc.Secret)
		}
		if rr, _ := raw.GetRealm(ctx, realm.ID); !sealed.IsSealed(rr.SMTPServer["password"]) {
			t.Fatalf("SMTP password after SealAll: %q", rr.SMTPServer["password"])
		}
		if got, _ := s.GetClient(ctx, realm.ID, c.ID); got.Secret != "old-secret" {
			t.Fatalf("after SealAll reads %q", got.Secret)
		}
		if n, err := s.SealAll(ctx); err != nil || n != 0 {
			t.Fatalf("a second SealAll: %d, %v", n, err)
		}
	})
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "secrets.key")
	if _, err := sealed.LoadKeyFile(p, false); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing without create: %v", err)
	}
	k1, err := sealed.LoadKeyFile(p, true)
	if err != nil || len(k1) != sealed.KeySize {
		t.Fatalf("create: %v", err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", fi.Mode().Perm())
	}
	k2, err := sealed.LoadKeyFile(p, true)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("reload: %v", err)
	}
	for name, content := range map[string]string{"short": "c2hvcnQ=", "not base64": "%%%"} {
		bad := filepath.Join(dir, name)
		_ = os.WriteFile(bad, []byte(content), 0o600)
		if _, err := sealed.LoadKeyFile(bad, false); err == nil {
			t.Errorf("%s key accepted", name)
		}
	}
	if _, err := sealed.New(nil, []byte("short")); err == nil {
		t.Error("a short key accepted by New")
	}
}

// A process without a key (PostgreSQL, no --secrets-key-file) refuses a
// database that holds sealed values rather than hand ciphertext out as a
// client secret; a database with none passes.
func TestCheckNoneRefusesSealedDatabases(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, raw store.Store) {
		ctx := context.Background()
		realm := &model.Realm{ID: uuid.NewString(), Name: "r", Enabled: true}
		if err := raw.CreateRealm(ctx, realm); err != nil {
			t.Fatal(err)
		}
		c := &model.Client{ID: uuid.NewString(), RealmID: realm.ID, ClientID: "app", Secret: "clear", Enabled: true}
		if err := raw.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := sealed.CheckNone(ctx, raw); err != nil {
			t.Fatalf("a database in clear: %v", err)
		}
		if _, err := wrap(t, raw, key(4)).SealAll(ctx); err != nil {
			t.Fatal(err)
		}
		if err := sealed.CheckNone(ctx, raw); !errors.Is(err, sealed.ErrKeyNeeded) {
			t.Fatalf("a sealed database without a key: %v", err)
		}
	})
}
