package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// testClientSessions checks the per-client listing and count (live online
// sessions the client took part in, oldest first, paged) and the ending of
// every session of a realm.
func testClientSessions(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	realm, other := newRealm(t, s), newRealm(t, s)
	u1, u2 := newUser(t, s, realm.ID, uniq("cs")), newUser(t, s, realm.ID, uniq("cs"))
	uo := newUser(t, s, other.ID, uniq("cs"))
	app, web := newClient(t, s, realm.ID, uniq("app")), newClient(t, s, realm.ID, uniq("web"))
	oapp := newClient(t, s, other.ID, uniq("app"))
	now := liveEra.Add(10*time.Hour + 500*time.Microsecond)
	at := func(u *model.User, started time.Time, edit func(*model.Session), clients ...string) *model.Session {
		return newSession(t, s, u, func(x *model.Session) {
			x.Started, x.LastRefresh, x.Clients = started, started, clients
			if edit != nil {
				edit(x)
			}
		})
	}
	live := func(*model.Session) {}
	third := at(u1, liveEra.Add(3*time.Hour), live, app.ID)
	first := at(u2, liveEra.Add(time.Hour), live, web.ID, app.ID)
	second := at(u1, liveEra.Add(2*time.Hour), live, app.ID, web.ID)
	webOnly := at(u1, liveEra.Add(4*time.Hour), live, web.ID)
	// Not listed: expired (either limit, one exactly at now's millisecond),
	// offline, in another realm.
	at(u1, liveEra, func(x *model.Session) { x.IdleExpires = now.Truncate(time.Millisecond) }, app.ID)
	at(u2, liveEra, func(x *model.Session) { x.MaxExpires = now.Add(-time.Minute) }, app.ID)
	at(u2, liveEra, func(x *model.Session) { x.Offline = true }, app.ID)
	at(uo, liveEra, live, oapp.ID)

	t.Run("List", func(t *testing.T) {
		list, err := s.ListClientSessions(ctx, realm.ID, app.ID, now, store.Page{})
		must(t, err)
		checkList(t, "sessions of app", sessionIDs(list), []string{first.ID, second.ID, third.ID})
		checkSession(t, "first session", &list[0], msSession(*first))
		list, err = s.ListClientSessions(ctx, realm.ID, app.ID, now, store.Page{First: 1, Max: 1})
		must(t, err)
		checkList(t, "second page of app", sessionIDs(list), []string{second.ID})
		list, err = s.ListClientSessions(ctx, realm.ID, web.ID, now, store.Page{})
		must(t, err)
		checkList(t, "sessions of web", sessionIDs(list), []string{first.ID, second.ID, webOnly.ID})
		list, err = s.ListClientSessions(ctx, other.ID, app.ID, now, store.Page{})
		must(t, err)
		checkList(t, "app's sessions seen from another realm", sessionIDs(list), nil)
	})

	t.Run("Count", func(t *testing.T) {
		for _, c := range []struct {
			realm, client string
			want          int
		}{{realm.ID, app.ID, 3}, {realm.ID, web.ID, 3}, {other.ID, oapp.ID, 1}, {other.ID, app.ID, 0}} {
			n, err := s.CountClientSessions(ctx, c.realm, c.client, now)
			must(t, err)
			checkN(t, "count of "+c.client, n, c.want)
		}
	})

	t.Run("DeleteRealmSessions", func(t *testing.T) {
		n, err := s.DeleteRealmSessions(ctx, realm.ID)
		must(t, err)
		checkN(t, "sessions ended", n, 7)
		for _, u := range []*model.User{u1, u2} {
			list, err := s.ListUserSessions(ctx, realm.ID, u.ID)
			must(t, err)
			checkN(t, "sessions left to "+u.Username, len(list), 0)
		}
		list, err := s.ListUserSessions(ctx, other.ID, uo.ID)
		must(t, err)
		checkN(t, "sessions left in the other realm", len(list), 1)
		n, err = s.DeleteRealmSessions(ctx, realm.ID)
		must(t, err)
		checkN(t, "sessions ended again", n, 0)
	})
}

func checkN(t *testing.T, what string, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", what, got, want)
	}
}
