package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// timed is an entity with a CreatedAt: create writes one (created may be
// zero) and returns the CreatedAt written back; read returns CreatedAt as
// each read path of the entity answers it.
type timed struct {
	name   string
	create func(t *testing.T, created time.Time) (id string, written time.Time)
	read   func(t *testing.T, id string) map[string]time.Time
}

func timedEntities(s store.Store) []timed {
	var realm *model.Realm
	var user *model.User
	setup := func(t *testing.T) {
		if realm == nil {
			realm = newRealm(t, s)
			user = newUser(t, s, realm.ID, uniq("timer"))
		}
	}
	return []timed{
		{
			name: "Realm",
			create: func(t *testing.T, created time.Time) (string, time.Time) {
				r := &model.Realm{Name: uniq("time"), CreatedAt: created}
				must(t, s.CreateRealm(ctxFor(t), r))
				return r.ID, r.CreatedAt
			},
			read: func(t *testing.T, id string) map[string]time.Time {
				ctx := ctxFor(t)
				r, err := s.GetRealm(ctx, id)
				must(t, err)
				byName, err := s.GetRealmByName(ctx, r.Name)
				must(t, err)
				out := map[string]time.Time{"GetRealm": r.CreatedAt, "GetRealmByName": byName.CreatedAt}
				all, err := s.ListRealms(ctx)
				must(t, err)
				for _, x := range all {
					if x.ID == id {
						out["ListRealms"] = x.CreatedAt
					}
				}
				return out
			},
		},
		{
			name: "User",
			create: func(t *testing.T, created time.Time) (string, time.Time) {
				setup(t)
				u := &model.User{RealmID: realm.ID, Username: uniq("time"), CreatedAt: created}
				must(t, s.CreateUser(ctxFor(t), u, true))
				return u.ID, u.CreatedAt
			},
			read: func(t *testing.T, id string) map[string]time.Time {
				ctx := ctxFor(t)
				u, err := s.GetUser(ctx, realm.ID, id)
				must(t, err)
				out := map[string]time.Time{"GetUser": u.CreatedAt}
				list, err := s.ListUsers(ctx, realm.ID, store.UserQuery{Username: u.Username, Exact: true})
				must(t, err)
				if len(list) == 1 {
					out["ListUsers"] = list[0].CreatedAt
				}
				return out
			},
		},
		{
			name: "Credential",
			create: func(t *testing.T, created time.Time) (string, time.Time) {
				setup(t)
				c := &model.Credential{UserID: user.ID, Type: model.CredentialPassword, CreatedAt: created}
				must(t, s.CreateCredential(ctxFor(t), c))
				return c.ID, c.CreatedAt
			},
			read: func(t *testing.T, id string) map[string]time.Time {
				list, err := s.ListCredentials(ctxFor(t), user.ID)
				must(t, err)
				for _, c := range list {
					if c.ID == id {
						return map[string]time.Time{"ListCredentials": c.CreatedAt}
					}
				}
				return nil
			},
		},
		{
			name: "Client",
			create: func(t *testing.T, created time.Time) (string, time.Time) {
				setup(t)
				c := &model.Client{RealmID: realm.ID, ClientID: uniq("time"), CreatedAt: created}
				must(t, s.CreateClient(ctxFor(t), c))
				return c.ID, c.CreatedAt
			},
			read: func(t *testing.T, id string) map[string]time.Time {
				ctx := ctxFor(t)
				c, err := s.GetClient(ctx, realm.ID, id)
				must(t, err)
				out := map[string]time.Time{"GetClient": c.CreatedAt}
				list, err := s.ListClients(ctx, realm.ID, store.ClientQuery{ClientID: c.ClientID})
				must(t, err)
				if len(list) == 1 {
					out["ListClients"] = list[0].CreatedAt
				}
				return out
			},
		},
		{
			name: "Key",
			create: func(t *testing.T, created time.Time) (string, time.Time) {
				setup(t)
				k := newKey(t, s, realm.ID, 0, created)
				return k.ID, k.CreatedAt
			},
			read: func(t *testing.T, id string) map[string]time.Time {
				list, err := s.ListKeys(ctxFor(t), realm.ID)
				must(t, err)
				for _, k := range list {
					if k.ID == id {
						return map[string]time.Time{"ListKeys": k.CreatedAt}
					}
				}
				return nil
			},
		},
	}
}

// testTimes checks the time rules for every entity with a CreatedAt: stored
// to the millisecond (truncated), returned in UTC whatever zone was given.
func testTimes(t *testing.T, s store.Store) {
	east := time.FixedZone("UTC+05:30", 5*3600+30*60)
	west := time.FixedZone("UTC-08:00", -8*3600)
	given := []struct {
		name string
		at   time.Time
	}{
		{"EastZone", time.Date(2024, 2, 29, 23, 59, 59, 123_456_789, east)},
		{"WestZone", time.Date(2023, 12, 31, 20, 0, 0, 999_999_999, west)},
		{"UTC", time.Date(2020, 1, 1, 0, 0, 0, 1_000_000, time.UTC)},
		{"Local", time.Date(2022, 7, 1, 12, 30, 0, 500_400_000, time.Local)},
	}
	for _, e := range timedEntities(s) {
		t.Run(e.name, func(t *testing.T) {
			for _, g := range given {
				id, written := e.create(t, g.at)
				if !written.Equal(g.at) && !written.Equal(ms(g.at)) {
					t.Errorf("%s: CreatedAt written back as %v, given %v", g.name, written, g.at)
				}
				reads := e.read(t, id)
				if len(reads) == 0 {
					t.Fatalf("%s: created row not found", g.name)
				}
				for path, got := range reads {
					checkTime(t, g.name+" via "+path, got, g.at)
				}
			}

			// Left zero: now, written back, and read back in UTC to the
			// millisecond.
			before := time.Now()
			id, written := e.create(t, time.Time{})
			after := time.Now()
			if written.IsZero() {
				t.Fatalf("zero CreatedAt not replaced by now")
			}
			for path, got := range e.read(t, id) {
				if got.Location() != time.UTC {
					t.Errorf("now via %s: location %v, want UTC", path, got.Location())
				}
				if !got.Equal(ms(got)) {
					t.Errorf("now via %s: %v has more than millisecond precision", path, got)
				}
				if d := got.Sub(written); d < -time.Millisecond || d > time.Millisecond {
					t.Errorf("now via %s: read %v, written back %v", path, got, written)
				}
				if got.Before(ms(before)) || got.After(after) {
					t.Errorf("now via %s: %v not between %v and %v", path, got, before, after)
				}
			}
		})
	}
}
