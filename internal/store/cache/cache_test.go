package cache_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/role"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/cache"
	"github.com/latchkey/latchkey/internal/store/dbtest"
)

// fixture is a realm with a confidential client, its service account, a
// realm role "reader" mapped to the service account, a composite "admin"
// holding "reader", and a group "staff" holding "auditor".
type fixture struct {
	realm                  *model.Realm
	client                 *model.Client
	sa                     *model.User
	reader, admin, auditor *model.Role
	staff                  *model.Group
	cached                 *cache.Store
	raw                    store.Store
	now                    *atomic.Int64 // the cache's clock, unix nanos
	ctx                    context.Context
	dropped                []string
	droppedMu              sync.Mutex
}

func newFixture(t *testing.T, raw store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{raw: raw, ctx: ctx, now: new(atomic.Int64)}
	f.now.Store(time.Now().UnixNano())
	f.cached = cache.New(raw, cache.Options{
		Now: func() time.Time { return time.Unix(0, f.now.Load()) },
		OnDrop: func(realmID string) {
			f.droppedMu.Lock()
			f.dropped = append(f.dropped, realmID)
			f.droppedMu.Unlock()
		},
	}, nil)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.realm = &model.Realm{ID: uuid.NewString(), Name: "r-" + uuid.NewString()[:8], Enabled: true,
		Attributes: map[string]string{"k": "v1"}}
	must(raw.CreateRealm(ctx, f.realm))
	f.client = &model.Client{ID: uuid.NewString(), RealmID: f.realm.ID, ClientID: "svc", Secret: "s1",
		Enabled: true, ServiceAccountsEnabled: true}
	must(raw.CreateClient(ctx, f.client))
	f.sa = &model.User{ID: uuid.NewString(), RealmID: f.realm.ID, Username: "service-account-svc",
		Enabled: true, ServiceAccountClientID: f.client.ID}
	must(raw.CreateUser(ctx, f.sa, false))
	f.reader = &model.Role{ID: uuid.NewString(), RealmID: f.realm.ID, Name: "reader"}
	f.admin = &model.Role{ID: uuid.NewString(), RealmID: f.realm.ID, Name: "admin"}
	f.auditor = &model.Role{ID: uuid.NewString(), RealmID: f.realm.ID, Name: "auditor"}
	for _, r := range []*model.Role{f.reader, f.admin, f.auditor} {
		must(raw.CreateRole(ctx, r))
	}
	must(raw.AddComposites(ctx, f.realm.ID, f.admin.ID, []string{f.reader.ID}))
	must(raw.GrantUserRoles(ctx, f.realm.ID, f.sa.ID, []string{f.reader.ID}))
	f.staff = &model.Group{ID: uuid.NewString(), RealmID: f.realm.ID, Name: "staff"}
	must(raw.CreateGroup(ctx, f.staff))
	must(raw.GrantGroupRoles(ctx, f.realm.ID, f.staff.ID, []string{f.auditor.ID}))
	return f
}

// effective is the service account's effective role names, read through
// the cache as the token endpoint reads them.
func (f *fixture) effective(t *testing.T) []string {
	t.Helper()
	roles, err := role.Effective(f.ctx, f.cached, f.realm.ID, f.sa.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	return names
}

// served reads twice and reports whether the second read came from memory.
func served(t *testing.T, c *cache.Store, read func() error) bool {
	t.Helper()
	if err := read(); err != nil {
		t.Fatal(err)
	}
	h0, _ := c.Stats()
	if err := read(); err != nil {
		t.Fatal(err)
	}
	h1, _ := c.Stats()
	return h1 > h0
}

func TestReadsAreServedFromMemoryAndWritesDropThem(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, raw store.Store) {
		f := newFixture(t, raw)
		c, ctx := f.cached, f.ctx

		getRealm := func() error { _, err := c.GetRealmByName(ctx, f.realm.Name); return err }
		if !served(t, c, getRealm) {
			t.Fatal("a second GetRealmByName was not served from memory")
		}

		// A copy, not the cached value: changing it changes nothing cached.
		r, _ := c.GetRealmByName(ctx, f.realm.Name)
		r.Attributes["k"] = "scribbled"
		r.DisplayName = "scribbled"
		if r2, _ := c.GetRealmByName(ctx, f.realm.Name); r2.Attributes["k"] != "v1" || r2.DisplayName == "scribbled" {
			t.Fatalf("a caller's change to its copy reached the cache: %+v", r2.Attributes)
		}

		// A write through the cache is seen by the next read.
		r.Attributes["k"] = "v2"
		r.DisplayName = ""
		if err := c.UpdateRealm(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r2, _ := c.GetRealmByName(ctx, f.realm.Name); r2.Attributes["k"] != "v2" {
			t.Fatalf("after UpdateRealm the cache still serves %q", r2.Attributes["k"])
		}
		if r2, _ := c.GetRealm(ctx, f.realm.ID); r2.Attributes["k"] != "v2" {
			t.Fatalf("after UpdateRealm GetRealm still serves %q", r2.Attributes["k"])
		}

		// The same write inside a transaction: seen once it commits.
		err := c.InTx(ctx, func(tx store.Store) error {
			r, err := tx.GetRealm(ctx, f.realm.ID)
			if err != nil {
				return err
			}
			r.Attributes["k"] = "v3"
			return tx.UpdateRealm(ctx, r)
		})
		if err != nil {
			t.Fatal(err)
		}
		if r2, _ := c.GetRealm(ctx, f.realm.ID); r2.Attributes["k"] != "v3" {
			t.Fatalf("after a committed transaction the cache still serves %q", r2.Attributes["k"])
		}
		f.droppedMu.Lock()
		if !slices.Contains(f.dropped, f.realm.ID) {
			t.Errorf("OnDrop was not told of the realm (signing keys would stay): %v", f.dropped)
		}
		f.droppedMu.Unlock()

		// A rolled-back transaction changes nothing.
		boom := errors.New("boom")
		err = c.InTx(ctx, func(tx store.Store) error {
			r, _ := tx.GetRealm(ctx, f.realm.ID)
			r.Attributes["k"] = "rolled back"
			if err := tx.UpdateRealm(ctx, r); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx: %v", err)
		}
		if r2, _ := c.GetRealm(ctx, f.realm.ID); r2.Attributes["k"] != "v3" {
			t.Fatalf("a rolled-back write shows: %q", r2.Attributes["k"])
		}

		// A renamed realm is not found under its old name.
		r, _ = c.GetRealm(ctx, f.realm.ID)
		old := r.Name
		r.Name = old + "-renamed"
		if err := c.UpdateRealm(ctx, r); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetRealmByName(ctx, old); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("old name after rename: %v", err)
		}
	})
}

func TestTokenReadsFollowEveryWriteThatChangesThem(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, raw store.Store) {
		f := newFixture(t, raw)
		c, ctx, rid := f.cached, f.ctx, f.realm.ID
		want := func(step string, names ...string) {
			t.Helper()
			if got := f.effective(t); !slices.Equal(got, names) {
				t.Fatalf("%s: effective roles %v, want %v", step, got, names)
			}
		}
		want("start", "reader")
		if !served(t, c, func() error { f.effective(t); return nil }) {
			t.Fatal("effective roles were not served from memory")
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}

		must(c.GrantUserRoles(ctx, rid, f.sa.ID, []string{f.admin.ID}))
		want("granted admin", "admin", "reader")
		must(c.RevokeUserRoles(ctx, rid, f.sa.ID, []string{f.reader.ID}))
		want("revoked reader (admin still holds it)", "admin", "reader")
		must(c.RemoveComposites(ctx, rid, f.admin.ID, []string{f.reader.ID}))
		want("reader taken out of admin", "admin")
		_, err := c.AddGroupMember(ctx, rid, f.staff.ID, f.sa.ID)
		must(err)
		want("joined staff", "admin", "auditor")
		must(c.RevokeGroupRoles(ctx, rid, f.staff.ID, []string{f.auditor.ID}))
		want("staff lost auditor", "admin")
		must(c.GrantGroupRoles(ctx, rid, f.staff.ID, []string{f.reader.ID}))
		want("staff got reader", "admin", "reader")
		_, err = c.RemoveGroupMember(ctx, rid, f.staff.ID, f.sa.ID)
		must(err)
		want("left staff", "admin")
		must(c.AddComposites(ctx, rid, f.admin.ID, []string{f.auditor.ID}))
		want("auditor put in admin", "admin", "auditor")
		must(c.DeleteRole(ctx, rid, f.auditor.ID))
		want("auditor deleted", "admin")
		adm, _ := c.GetRole(ctx, rid, f.admin.ID)
		adm.Name = "boss"
		must(c.UpdateRole(ctx, adm))
		want("admin renamed", "boss")

		// The client and its service account.
		if !served(t, c, func() error { _, err := c.GetClientByClientID(ctx, rid, "svc"); return err }) {
			t.Fatal("GetClientByClientID was not served from memory")
		}
		cl, _ := c.GetClientByClientID(ctx, rid, "svc")
		cl.Secret = "s2"
		must(c.UpdateClient(ctx, cl))
		if cl, _ := c.GetClientByClientID(ctx, rid, "svc"); cl.Secret != "s2" {
			t.Fatal("a regenerated secret was not seen")
		}
		if cl, _ := c.GetClient(ctx, rid, f.client.ID); cl.Secret != "s2" {
			t.Fatal("a regenerated secret was not seen by id")
		}
		if !served(t, c, func() error { _, err := c.GetServiceAccountUser(ctx, rid, f.client.ID); return err }) {
			t.Fatal("GetServiceAccountUser was not served from memory")
		}
		sa, _ := c.GetUser(ctx, rid, f.sa.ID)
		sa.Enabled = false
		must(c.UpdateUser(ctx, sa, false))
		if u, _ := c.GetServiceAccountUser(ctx, rid, f.client.ID); u.Enabled {
			t.Fatal("a disabled service account still shows enabled")
		}
		must(c.DeleteClient(ctx, rid, f.client.ID))
		if _, err := c.GetClientByClientID(ctx, rid, "svc"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a deleted client is still found: %v", err)
		}
		must(c.DeleteUser(ctx, rid, f.sa.ID)) // the admin API deletes the service account with its client
		if _, err := c.GetServiceAccountUser(ctx, rid, f.client.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a deleted service account is still found: %v", err)
		}
	})
}

// A write that does not go through the cache (another process without a
// notifier, a hand edit) is seen once the TTL runs out, not before.
func TestTTLBoundsWritesTheCacheDidNotSee(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	c, ctx := f.cached, f.ctx
	if _, err := c.GetClientByClientID(ctx, f.realm.ID, "svc"); err != nil {
		t.Fatal(err)
	}
	cl := *f.client
	cl.Secret = "behind-its-back"
	if err := f.raw.UpdateClient(ctx, &cl); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetClientByClientID(ctx, f.realm.ID, "svc"); got.Secret != "s1" {
		t.Fatalf("within the TTL the cache answered %q: it did not serve from memory", got.Secret)
	}
	f.now.Add(int64(cache.DefaultTTL))
	if got, _ := c.GetClientByClientID(ctx, f.realm.ID, "svc"); got.Secret != "behind-its-back" {
		t.Fatalf("after the TTL the cache still answered %q", got.Secret)
	}
}

// Readers hammer the cache while a writer changes a realm attribute: once
// a write returns, no read may show an older value.
func TestNoOldValueAfterAWriteReturns(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, raw store.Store) {
		f := newFixture(t, raw)
		c, ctx := f.cached, f.ctx
		var done atomic.Bool
		var committed atomic.Int64 // the last version whose write returned
		var wg sync.WaitGroup
		errs := make(chan string, 8)
		for range 4 {
			wg.Go(func() {
				for !done.Load() {
					floor := committed.Load()
					r, err := c.GetRealm(ctx, f.realm.ID)
					if err != nil {
						errs <- err.Error()
						return
					}
					if v := int64(len(r.Attributes["n"])); v < floor {
						errs <- "a read returned an older version than one already written"
						return
					}
				}
			})
		}
		for i := 1; i <= 40; i++ {
			r, err := c.GetRealm(ctx, f.realm.ID)
			if err != nil {
				t.Fatal(err)
			}
			r.Attributes["n"] = string(make([]byte, i)) // its length is the version
			if err := c.UpdateRealm(ctx, r); err != nil {
				t.Fatal(err)
			}
			committed.Store(int64(i))
		}
		done.Store(true)
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	})
}

func TestUsersByIDFollowTheirWrites(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, raw store.Store) {
		f := newFixture(t, raw)
		c, ctx, rid := f.cached, f.ctx, f.realm.ID
		get := func() (*model.User, error) { return c.GetUser(ctx, rid, f.sa.ID) }
		if !served(t, c, func() error { _, err := get(); return err }) {
			t.Fatal("GetUser was not served from memory")
		}
		u, _ := get()
		u.Attributes = map[string][]string{"scribble": {"x"}}
		if again, _ := get(); again.Attributes["scribble"] != nil {
			t.Fatal("a caller's change to its copy reached the cache")
		}
		u.NotBefore, u.RequiredActions = 12345, []string{"UPDATE_PASSWORD"}
		if err := c.UpdateUser(ctx, u, false); err != nil {
			t.Fatal(err)
		}
		if got, _ := get(); got.NotBefore != 12345 || len(got.RequiredActions) != 1 {
			t.Fatalf("after UpdateUser: %+v", got)
		}
		if err := c.DeleteUser(ctx, rid, f.sa.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := get(); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a deleted user is still found: %v", err)
		}
	})
}

func TestRealmClientListingFollowsClientWrites(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, raw store.Store) {
		f := newFixture(t, raw)
		c, ctx, rid := f.cached, f.ctx, f.realm.ID
		list := func() []model.Client {
			t.Helper()
			cs, err := c.ListClients(ctx, rid, store.ClientQuery{})
			if err != nil {
				t.Fatal(err)
			}
			return cs
		}
		if !served(t, c, func() error { list(); return nil }) {
			t.Fatal("the realm's client listing was not served from memory")
		}
		cs := list()
		cs[0].WebOrigins = append(cs[0].WebOrigins, "https://scribbled.example")
		if again := list(); slices.Contains(again[0].WebOrigins, "https://scribbled.example") {
			t.Fatal("a caller's change to its copy reached the cache")
		}
		// A filtered listing is not answered from the cached one.
		h0, _ := c.Stats()
		if got, err := c.ListClients(ctx, rid, store.ClientQuery{ClientID: "svc"}); err != nil || len(got) != 1 {
			t.Fatalf("filtered listing: %v %v", got, err)
		}
		if h1, _ := c.Stats(); h1 != h0 {
			t.Fatal("a filtered listing was answered from memory")
		}
		// Every client write is seen by the next listing.
		cl, _ := c.GetClient(ctx, rid, f.client.ID)
		cl.WebOrigins = []string{"https://app.example"}
		if err := c.UpdateClient(ctx, cl); err != nil {
			t.Fatal(err)
		}
		if got := list(); len(got) != 1 || !slices.Equal(got[0].WebOrigins, []string{"https://app.example"}) {
			t.Fatalf("after UpdateClient: %+v", got)
		}
		other := &model.Client{ID: uuid.NewString(), RealmID: rid, ClientID: "web", Enabled: true, PublicClient: true}
		if err := c.CreateClient(ctx, other); err != nil {
			t.Fatal(err)
		}
		if got := list(); len(got) != 2 {
			t.Fatalf("after CreateClient: %d clients", len(got))
		}
		if err := c.DeleteClient(ctx, rid, other.ID); err != nil {
			t.Fatal(err)
		}
		if got := list(); len(got) != 1 {
			t.Fatalf("after DeleteClient: %d clients", len(got))
		}
	})
}
