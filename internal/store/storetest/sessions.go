package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// The sweep (DeleteExpiredSessions) works across realms, so it sees every
// session of the group's store. Its subtest lives in sweepEra, long before
// any other subtest's expiries (which start at liveEra, expired ones
// included), so that it can count exactly what it removes.
var (
	sweepEra = time.Date(1975, 1, 1, 0, 0, 0, 0, time.UTC)
	liveEra  = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	farAway  = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// newSession stores a live session of user; edits adjust it first.
func newSession(t *testing.T, s store.Store, u *model.User, edits ...func(*model.Session)) *model.Session {
	t.Helper()
	sess := &model.Session{
		RealmID: u.RealmID, UserID: u.ID,
		Started: liveEra, LastRefresh: liveEra,
		IdleExpires: farAway, MaxExpires: farAway,
	}
	for _, e := range edits {
		e(sess)
	}
	must(t, s.CreateSession(ctxFor(t), sess))
	return sess
}

// msSession is sess as the store keeps it: times in UTC to the millisecond.
func msSession(sess model.Session) *model.Session {
	for _, tm := range []*time.Time{&sess.Started, &sess.LastRefresh, &sess.IdleExpires, &sess.MaxExpires} {
		*tm = ms(*tm).UTC()
	}
	return &sess
}

// checkSession compares sessions field by field and checks that every time
// came back in UTC.
func checkSession(t *testing.T, what string, got, want *model.Session) {
	t.Helper()
	checkEqual(t, what, got, want)
	for name, tm := range map[string]time.Time{"Started": got.Started, "LastRefresh": got.LastRefresh,
		"IdleExpires": got.IdleExpires, "MaxExpires": got.MaxExpires} {
		if tm.Location() != time.UTC {
			t.Errorf("%s: %s location = %v, want UTC", what, name, tm.Location())
		}
	}
}

func sessionIDs(list []model.Session) []string {
	return ids(list, func(s model.Session) string { return s.ID })
}

func testSessions(t *testing.T, s store.Store) {
	realm := newRealm(t, s)
	user := newUser(t, s, realm.ID, uniq("sess"))
	c1, c2, c3 := newClient(t, s, realm.ID, uniq("app")), newClient(t, s, realm.ID, uniq("app")), newClient(t, s, realm.ID, uniq("app"))
	east := time.FixedZone("UTC+05:30", 5*3600+30*60)

	t.Run("CreateGeneratesIDAndStart", func(t *testing.T) {
		ctx := ctxFor(t)
		before := time.Now()
		sess := &model.Session{RealmID: realm.ID, UserID: user.ID, IdleExpires: farAway, MaxExpires: farAway}
		must(t, s.CreateSession(ctx, sess))
		checkGenerated(t, "session", sess.ID, sess.Started, before, time.Now())
		got, err := s.GetSession(ctx, realm.ID, sess.ID)
		must(t, err)
		checkSession(t, "GetSession", got, sess)
		other := newSession(t, s, user)
		if other.ID == sess.ID {
			t.Errorf("two sessions got the same id %q", sess.ID)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		ctx := ctxFor(t)
		u := newUser(t, s, realm.ID, uniq("full"))
		base := time.Date(2031, 5, 6, 7, 8, 9, 123_456_789, east)
		for _, flags := range [][2]bool{{true, false}, {false, true}} {
			want := &model.Session{
				ID: newID(), RealmID: realm.ID, UserID: u.ID,
				Started: base, LastRefresh: base.Add(90 * time.Second),
				IdleExpires: base.Add(30 * time.Minute), MaxExpires: base.Add(10 * time.Hour),
				RememberMe: flags[0], Offline: flags[1], IPAddress: "2001:db8::1",
				// Not in creation order, and a repeat that must not come back.
				Clients: []string{c3.ID, c1.ID, c2.ID, c1.ID},
			}
			allSet(t, "session", want)
			given := *want
			must(t, s.CreateSession(ctx, &given))
			want = msSession(*want)
			want.Clients = []string{c3.ID, c1.ID, c2.ID}
			checkSession(t, "written back", &given, want)

			got, err := s.GetSession(ctx, realm.ID, want.ID)
			must(t, err)
			checkSession(t, "GetSession", got, want)
			base = base.Add(time.Hour)
		}
		list, err := s.ListUserSessions(ctx, realm.ID, u.ID)
		must(t, err)
		if len(list) != 2 {
			t.Fatalf("ListUserSessions = %d sessions, want 2", len(list))
		}
		for i := range list {
			got, err := s.GetSession(ctx, realm.ID, list[i].ID)
			must(t, err)
			checkSession(t, "ListUserSessions", &list[i], got)
		}
	})

	t.Run("ExpiredIsStillReturned", func(t *testing.T) {
		ctx := ctxFor(t)
		sess := newSession(t, s, user, func(x *model.Session) { x.IdleExpires = liveEra.Add(time.Hour) })
		got, err := s.GetSession(ctx, realm.ID, sess.ID)
		must(t, err)
		if !got.Expired(time.Now()) {
			t.Errorf("session idle-expired in %v is not Expired now", got.IdleExpires)
		}
	})

	t.Run("Update", func(t *testing.T) {
		ctx := ctxFor(t)
		sess := newSession(t, s, user, func(x *model.Session) {
			x.IPAddress, x.RememberMe, x.Clients = "10.0.0.1", true, []string{c1.ID, c2.ID}
		})
		at := time.Date(2040, 2, 3, 4, 5, 6, 789_999_999, east)
		want := *msSession(*sess)
		want.LastRefresh, want.IdleExpires, want.MaxExpires = ms(at).UTC(), ms(at.Add(time.Hour)).UTC(), ms(at.Add(time.Minute)).UTC()
		want.Clients = []string{c3.ID, c1.ID}

		// Only the refresh times and the clients change; the rest of what
		// is given is ignored.
		upd := *sess
		upd.UserID, upd.Started, upd.RememberMe, upd.Offline, upd.IPAddress = newID(), at, false, true, "changed"
		upd.LastRefresh, upd.IdleExpires, upd.MaxExpires = at, at.Add(time.Hour), at.Add(time.Minute)
		upd.Clients = []string{c3.ID, c1.ID, c3.ID}
		must(t, s.UpdateSession(ctx, &upd))
		got, err := s.GetSession(ctx, realm.ID, sess.ID)
		must(t, err)
		checkSession(t, "after update", got, &want)

		// The same clients again, then none.
		upd.Clients = []string{c3.ID, c1.ID}
		must(t, s.UpdateSession(ctx, &upd))
		got, err = s.GetSession(ctx, realm.ID, sess.ID)
		must(t, err)
		checkSession(t, "after update with the same clients", got, &want)
		upd.Clients, want.Clients = nil, nil
		must(t, s.UpdateSession(ctx, &upd))
		got, err = s.GetSession(ctx, realm.ID, sess.ID)
		must(t, err)
		checkSession(t, "after clearing clients", got, &want)
	})

	t.Run("OtherRealm", func(t *testing.T) {
		ctx := ctxFor(t)
		other := newRealm(t, s)
		stranger := newUser(t, s, other.ID, uniq("stranger"))
		foreign := newClient(t, s, other.ID, uniq("foreign"))
		sess := newSession(t, s, user, func(x *model.Session) { x.Clients = []string{c1.ID} })
		want := msSession(*sess)

		_, err := s.GetSession(ctx, other.ID, sess.ID)
		wantErr(t, "GetSession in another realm", err, store.ErrNotFound)
		upd := *sess
		upd.RealmID, upd.LastRefresh, upd.Clients = other.ID, farAway, nil
		wantErr(t, "UpdateSession in another realm", s.UpdateSession(ctx, &upd), store.ErrNotFound)
		wantErr(t, "DeleteSession in another realm", s.DeleteSession(ctx, other.ID, sess.ID), store.ErrNotFound)
		n, err := s.DeleteUserSessions(ctx, other.ID, user.ID)
		if err != nil || n != 0 {
			t.Errorf("DeleteUserSessions(user of another realm) = %d, %v; want 0", n, err)
		}
		list, err := s.ListUserSessions(ctx, other.ID, user.ID)
		wantGone(t, "ListUserSessions(user of another realm)", len(list), err)

		// A session's user and clients must be of its realm; nothing is
		// written otherwise.
		for what, bad := range map[string]*model.Session{
			"user of another realm":   {ID: newID(), RealmID: realm.ID, UserID: stranger.ID},
			"missing user":            {ID: newID(), RealmID: realm.ID, UserID: newID()},
			"client of another realm": {ID: newID(), RealmID: realm.ID, UserID: user.ID, Clients: []string{c1.ID, foreign.ID}},
			"missing client":          {ID: newID(), RealmID: realm.ID, UserID: user.ID, Clients: []string{newID()}},
			"missing realm":           {ID: newID(), RealmID: newID(), UserID: user.ID},
		} {
			bad.IdleExpires, bad.MaxExpires = farAway, farAway
			wantErr(t, "CreateSession with a "+what, s.CreateSession(ctx, bad), store.ErrNotFound)
			_, err := s.GetSession(ctx, realm.ID, bad.ID)
			wantErr(t, "GetSession of the refused "+what, err, store.ErrNotFound)
		}
		upd = *sess
		upd.LastRefresh, upd.Clients = farAway, []string{c2.ID, foreign.ID}
		wantErr(t, "UpdateSession with a client of another realm", s.UpdateSession(ctx, &upd), store.ErrNotFound)

		got, err := s.GetSession(ctx, realm.ID, sess.ID)
		must(t, err)
		checkSession(t, "session after refused changes", got, want)
	})

	t.Run("NotFound", func(t *testing.T) {
		ctx := ctxFor(t)
		_, err := s.GetSession(ctx, realm.ID, newID())
		wantErr(t, "GetSession(missing)", err, store.ErrNotFound)
		missing := &model.Session{ID: newID(), RealmID: realm.ID, UserID: user.ID, IdleExpires: farAway, MaxExpires: farAway}
		wantErr(t, "UpdateSession(missing)", s.UpdateSession(ctx, missing), store.ErrNotFound)
		wantErr(t, "DeleteSession(missing)", s.DeleteSession(ctx, realm.ID, newID()), store.ErrNotFound)
	})

	t.Run("Delete", func(t *testing.T) {
		ctx := ctxFor(t)
		sess := newSession(t, s, user, func(x *model.Session) { x.Clients = []string{c1.ID} })
		keep := newSession(t, s, user)
		must(t, s.DeleteSession(ctx, realm.ID, sess.ID))
		_, err := s.GetSession(ctx, realm.ID, sess.ID)
		wantErr(t, "GetSession after delete", err, store.ErrNotFound)
		wantErr(t, "DeleteSession twice", s.DeleteSession(ctx, realm.ID, sess.ID), store.ErrNotFound)
		_, err = s.GetSession(ctx, realm.ID, keep.ID)
		must(t, err)
		// The id is free again, without the old clients.
		again := &model.Session{ID: sess.ID, RealmID: realm.ID, UserID: user.ID, IdleExpires: farAway, MaxExpires: farAway}
		must(t, s.CreateSession(ctx, again))
		got, err := s.GetSession(ctx, realm.ID, sess.ID)
		must(t, err)
		checkList(t, "re-created session's clients", got.Clients, nil)
	})

	t.Run("ListAndDeleteUserSessions", func(t *testing.T) {
		ctx := ctxFor(t)
		u := newUser(t, s, realm.ID, uniq("lister"))
		neighbour := newUser(t, s, realm.ID, uniq("neighbour"))
		at := func(h int) func(*model.Session) {
			return func(x *model.Session) { x.Started = liveEra.Add(time.Duration(h) * time.Hour) }
		}
		mid := newSession(t, s, u, at(5))
		last := newSession(t, s, u, at(9))
		first := newSession(t, s, u, at(1))
		theirs := newSession(t, s, neighbour, at(3))

		list, err := s.ListUserSessions(ctx, realm.ID, u.ID)
		must(t, err)
		checkList(t, "ListUserSessions, oldest first", sessionIDs(list), []string{first.ID, mid.ID, last.ID})

		n, err := s.DeleteUserSessions(ctx, realm.ID, u.ID)
		must(t, err)
		if n != 3 {
			t.Errorf("DeleteUserSessions = %d, want 3", n)
		}
		list, err = s.ListUserSessions(ctx, realm.ID, u.ID)
		must(t, err)
		checkList(t, "ListUserSessions after DeleteUserSessions", sessionIDs(list), nil)
		n, err = s.DeleteUserSessions(ctx, realm.ID, u.ID)
		if err != nil || n != 0 {
			t.Errorf("DeleteUserSessions again = %d, %v; want 0", n, err)
		}
		list, err = s.ListUserSessions(ctx, realm.ID, neighbour.ID)
		must(t, err)
		checkList(t, "neighbour's sessions", sessionIDs(list), []string{theirs.ID})
	})

	t.Run("DeletedClientLeavesSessions", func(t *testing.T) {
		ctx := ctxFor(t)
		gone := newClient(t, s, realm.ID, uniq("gone"))
		sess := newSession(t, s, user, func(x *model.Session) { x.Clients = []string{c2.ID, gone.ID, c1.ID} })
		must(t, s.DeleteClient(ctx, realm.ID, gone.ID))
		got, err := s.GetSession(ctx, realm.ID, sess.ID)
		must(t, err)
		checkList(t, "clients after one is deleted", got.Clients, []string{c2.ID, c1.ID})
		list, err := s.ListUserSessions(ctx, realm.ID, user.ID)
		must(t, err)
		for _, x := range list {
			if x.ID == sess.ID {
				checkList(t, "listed clients after one is deleted", x.Clients, []string{c2.ID, c1.ID})
			}
		}
	})

	t.Run("DeletingUserOrRealmDeletesSessions", func(t *testing.T) {
		ctx := ctxFor(t)
		u := newUser(t, s, realm.ID, uniq("leaver"))
		sess := newSession(t, s, u, func(x *model.Session) { x.Clients = []string{c1.ID} })
		keep := newSession(t, s, user)
		must(t, s.DeleteUser(ctx, realm.ID, u.ID))
		_, err := s.GetSession(ctx, realm.ID, sess.ID)
		wantErr(t, "GetSession of a deleted user", err, store.ErrNotFound)
		_, err = s.GetSession(ctx, realm.ID, keep.ID)
		must(t, err)

		r := newRealm(t, s)
		ru := newUser(t, s, r.ID, uniq("doomed"))
		rc := newClient(t, s, r.ID, uniq("doomed"))
		rs := newSession(t, s, ru, func(x *model.Session) { x.Clients = []string{rc.ID} })
		must(t, s.DeleteRealm(ctx, r.ID))
		_, err = s.GetSession(ctx, r.ID, rs.ID)
		wantErr(t, "GetSession of a deleted realm", err, store.ErrNotFound)
		list, err := s.ListUserSessions(ctx, r.ID, ru.ID)
		wantGone(t, "ListUserSessions of a deleted realm", len(list), err)
		// The ids are free again.
		must(t, s.CreateRealm(ctx, &model.Realm{ID: r.ID, Name: r.Name}))
		must(t, s.CreateUser(ctx, &model.User{ID: ru.ID, RealmID: r.ID, Username: ru.Username}, true))
		must(t, s.CreateSession(ctx, &model.Session{ID: rs.ID, RealmID: r.ID, UserID: ru.ID, IdleExpires: farAway, MaxExpires: farAway}))
	})

	t.Run("DeleteExpired", func(t *testing.T) { testSweep(t, s) })
}

// testSweep checks DeleteExpiredSessions: a session goes when either of its
// expiries is at or before now, in every realm, at most limit per call.
func testSweep(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	// now falls between two milliseconds: an expiry at the one before is
	// past, at the one after is not, as model.Session.Expired says.
	now := sweepEra.Add(500 * time.Microsecond)
	a, b := newRealm(t, s), newRealm(t, s)
	ua, ub := newUser(t, s, a.ID, uniq("swept")), newUser(t, s, b.ID, uniq("swept"))
	c := newClient(t, s, a.ID, uniq("swept"))
	at := func(u *model.User, idle, maxExp time.Time) *model.Session {
		return newSession(t, s, u, func(x *model.Session) {
			x.Started, x.LastRefresh = sweepEra.Add(-time.Hour), sweepEra.Add(-time.Hour)
			x.IdleExpires, x.MaxExpires = idle, maxExp
			if u.RealmID == a.ID {
				x.Clients = []string{c.ID}
			}
		})
	}
	past, next := sweepEra, sweepEra.Add(time.Millisecond)
	expired := []*model.Session{
		at(ua, past, farAway),
		at(ua, farAway, past),
		at(ua, past.Add(-time.Hour), farAway),
		at(ub, farAway, past.Add(-time.Minute)),
		at(ub, past.Add(-time.Hour), past.Add(-time.Hour)),
	}
	live := []*model.Session{
		at(ua, next, farAway),
		at(ua, farAway, next),
		at(ub, next.Add(time.Hour), next),
	}
	for _, x := range expired {
		if !x.Expired(now) {
			t.Fatalf("fixture %v/%v is not Expired at %v", x.IdleExpires, x.MaxExpires, now)
		}
	}
	for _, x := range live {
		if x.Expired(now) {
			t.Fatalf("fixture %v/%v is Expired at %v", x.IdleExpires, x.MaxExpires, now)
		}
	}

	for i, want := range []int{2, 2, 1, 0} {
		n, err := s.DeleteExpiredSessions(ctx, now, 2)
		must(t, err)
		if n != want {
			t.Errorf("DeleteExpiredSessions(limit 2) call %d = %d, want %d", i+1, n, want)
		}
	}
	for _, x := range expired {
		_, err := s.GetSession(ctx, x.RealmID, x.ID)
		wantErr(t, "GetSession of an expired session after the sweep", err, store.ErrNotFound)
	}
	for _, x := range live {
		if _, err := s.GetSession(ctx, x.RealmID, x.ID); err != nil {
			t.Errorf("live session (%v/%v) after the sweep: %v", x.IdleExpires, x.MaxExpires, err)
		}
	}

	// Without a bound (0 or negative), one call removes them all.
	for _, limit := range []int{0, -1} {
		for range 3 {
			at(ua, past, past)
			at(ub, past.Add(-time.Second), farAway)
		}
		n, err := s.DeleteExpiredSessions(ctx, now, limit)
		must(t, err)
		if n != 6 {
			t.Errorf("DeleteExpiredSessions(limit %d) = %d, want 6", limit, n)
		}
	}
	for _, x := range live {
		if _, err := s.GetSession(ctx, x.RealmID, x.ID); err != nil {
			t.Errorf("live session (%v/%v) after unbounded sweeps: %v", x.IdleExpires, x.MaxExpires, err)
		}
	}
	// A later sweep takes the rest, and nothing of the other subtests'
	// (all expiring after liveEra) sessions.
	n, err := s.DeleteExpiredSessions(ctx, liveEra, 0)
	must(t, err)
	if n != len(live) {
		t.Errorf("DeleteExpiredSessions(at liveEra) = %d, want %d", n, len(live))
	}

	// Sweepers of several processes share the work: each expired session
	// is removed, and counted, by exactly one of them.
	const many = 60
	for range many {
		at(ua, past, farAway)
	}
	var swept atomic.Int64
	allWin(t, "concurrent DeleteExpiredSessions", race(func(int) error {
		for {
			n, err := s.DeleteExpiredSessions(ctx, now, 4)
			if err != nil || n == 0 {
				return err
			}
			swept.Add(int64(n))
		}
	}))
	if swept.Load() != many {
		t.Errorf("concurrent sweepers removed %d sessions, want %d", swept.Load(), many)
	}
}
