package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// newEvent appends an event of realmID at time at; edits adjust it first.
func newEvent(t *testing.T, s store.Store, realmID string, at time.Time, edits ...func(*model.Event)) *model.Event {
	t.Helper()
	e := &model.Event{RealmID: realmID, Time: at, Type: "LOGIN"}
	for _, ed := range edits {
		ed(e)
	}
	must(t, s.AppendEvent(ctxFor(t), e))
	return e
}

func eventIDs(list []model.Event) []string {
	return ids(list, func(e model.Event) string { return e.ID })
}

// listEvents lists the ids of a realm's events matching q.
func listEvents(t *testing.T, s store.Store, realmID string, q store.EventQuery) []string {
	t.Helper()
	list, err := s.ListEvents(ctxFor(t), realmID, q)
	must(t, err)
	return eventIDs(list)
}

func testEvents(t *testing.T, s store.Store) {
	base := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

	t.Run("AppendGeneratesIDAndTime", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		before := time.Now()
		e := &model.Event{RealmID: r.ID, Type: "REGISTER"}
		must(t, s.AppendEvent(ctx, e))
		checkGenerated(t, "event", e.ID, e.Time, before, time.Now())
		list, err := s.ListEvents(ctx, r.ID, store.EventQuery{})
		must(t, err)
		if len(list) != 1 {
			t.Fatalf("ListEvents = %d events, want 1", len(list))
		}
		checkEqual(t, "event", &list[0], e)
		other := newEvent(t, s, r.ID, time.Time{})
		if other.ID == e.ID {
			t.Errorf("two events got the same id %q", e.ID)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		at := time.Date(2025, 2, 3, 4, 5, 6, 789_654_321, time.FixedZone("UTC-08:00", -8*3600))
		want := &model.Event{
			ID: newID(), RealmID: r.ID, Time: at, Type: "LOGIN_ERROR",
			ClientID: "account-console", UserID: newID(), SessionID: newID(),
			IPAddress: "192.0.2.7", Error: "invalid_user_credentials",
			Details: map[string]string{
				"auth_method": "openid-connect", "username": "Zoë", "empty": "",
				"quote\"d": "new\nline", "redirect_uri": "https://app.example.com/cb?a=1&b=2",
			},
		}
		allSet(t, "event", want)
		given := *want
		must(t, s.AppendEvent(ctx, &given))
		if !given.Time.Equal(ms(at)) && !given.Time.Equal(at) {
			t.Errorf("Time written back as %v, given %v", given.Time, at)
		}
		list, err := s.ListEvents(ctx, r.ID, store.EventQuery{})
		must(t, err)
		if len(list) != 1 {
			t.Fatalf("ListEvents = %d events, want 1", len(list))
		}
		exp := *want
		exp.Time = ms(at)
		checkEqual(t, "event", &list[0], &exp)
		checkTime(t, "event Time", list[0].Time, at)

		// No details at all.
		bare := newEvent(t, s, r.ID, base)
		list, err = s.ListEvents(ctx, r.ID, store.EventQuery{UserID: "", Types: []string{"LOGIN"}})
		must(t, err)
		if len(list) != 1 || list[0].ID != bare.ID || len(list[0].Details) != 0 {
			t.Errorf("event without details read back as %+v", list)
		}
	})

	t.Run("NewestFirstAndPaging", func(t *testing.T) {
		r := newRealm(t, s)
		// Appended out of order; the listing orders by time, not insertion.
		e2 := newEvent(t, s, r.ID, base.Add(2*time.Minute))
		e0 := newEvent(t, s, r.ID, base)
		e3 := newEvent(t, s, r.ID, base.Add(3*time.Minute))
		e1 := newEvent(t, s, r.ID, base.Add(time.Minute))
		all := []string{e3.ID, e2.ID, e1.ID, e0.ID}
		checkList(t, "ListEvents newest first", listEvents(t, s, r.ID, store.EventQuery{}), all)
		for _, p := range []struct {
			page store.Page
			want []string
		}{
			{store.Page{Max: 2}, all[:2]},
			{store.Page{First: 1, Max: 2}, all[1:3]},
			{store.Page{First: 3}, all[3:]},
			{store.Page{First: 4, Max: 10}, nil},
		} {
			checkList(t, fmt.Sprintf("ListEvents(%+v)", p.page), listEvents(t, s, r.ID, store.EventQuery{Page: p.page}), p.want)
		}

		// Events of one millisecond still page without repeats or gaps.
		tied := newRealm(t, s)
		seen := map[string]int{}
		for range 5 {
			seen[newEvent(t, s, tied.ID, base).ID] = 0
		}
		for first := 0; first < 6; first += 2 {
			for _, id := range listEvents(t, s, tied.ID, store.EventQuery{Page: store.Page{First: first, Max: 2}}) {
				seen[id]++
			}
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("paging through tied events lists %s %d times", id, n)
			}
		}
	})

	t.Run("Filters", func(t *testing.T) {
		r := newRealm(t, s)
		alice, bob := newID(), newID()
		ev := func(minute int, typ, client, user, ip string) *model.Event {
			return newEvent(t, s, r.ID, base.Add(time.Duration(minute)*time.Minute), func(e *model.Event) {
				e.Type, e.ClientID, e.UserID, e.IPAddress = typ, client, user, ip
			})
		}
		e0 := ev(0, "LOGIN", "web", alice, "10.0.0.1")
		e1 := ev(1, "LOGIN_ERROR", "web", bob, "10.0.0.2")
		e2 := ev(2, "REGISTER", "mobile", bob, "10.0.0.1")
		e3 := ev(3, "LOGOUT", "mobile", alice, "10.0.0.3")
		e4 := ev(4, "LOGIN", "", "", "10.0.0.2")
		for _, c := range []struct {
			name string
			q    store.EventQuery
			want []*model.Event
		}{
			{"none", store.EventQuery{}, []*model.Event{e4, e3, e2, e1, e0}},
			{"one type", store.EventQuery{Types: []string{"LOGIN"}}, []*model.Event{e4, e0}},
			{"any of types", store.EventQuery{Types: []string{"REGISTER", "LOGIN_ERROR", "UNKNOWN"}}, []*model.Event{e2, e1}},
			{"type nobody has", store.EventQuery{Types: []string{"CODE_TO_TOKEN"}}, nil},
			{"client", store.EventQuery{ClientID: "mobile"}, []*model.Event{e3, e2}},
			{"user", store.EventQuery{UserID: bob}, []*model.Event{e2, e1}},
			{"ip", store.EventQuery{IPAddress: "10.0.0.2"}, []*model.Event{e4, e1}},
			{"from inclusive", store.EventQuery{From: e3.Time}, []*model.Event{e4, e3}},
			{"to inclusive", store.EventQuery{To: e1.Time}, []*model.Event{e1, e0}},
			{"from and to", store.EventQuery{From: e1.Time, To: e3.Time}, []*model.Event{e3, e2, e1}},
			{"from and to in another zone", store.EventQuery{From: e1.Time.In(time.FixedZone("X", 3600)), To: e1.Time.In(time.FixedZone("Y", -7200))}, []*model.Event{e1}},
			// Stored times are whole milliseconds: a bound between two
			// keeps its meaning.
			{"from between milliseconds", store.EventQuery{From: e3.Time.Add(-time.Microsecond)}, []*model.Event{e4, e3}},
			{"from just after", store.EventQuery{From: e3.Time.Add(time.Microsecond)}, []*model.Event{e4}},
			{"to just after", store.EventQuery{To: e1.Time.Add(time.Microsecond)}, []*model.Event{e1, e0}},
			{"to just before", store.EventQuery{To: e1.Time.Add(-time.Microsecond)}, []*model.Event{e0}},
			{"all at once", store.EventQuery{Types: []string{"LOGIN", "LOGOUT"}, ClientID: "mobile", UserID: alice, IPAddress: "10.0.0.3", From: e0.Time, To: e4.Time}, []*model.Event{e3}},
			{"conflicting", store.EventQuery{UserID: alice, IPAddress: "10.0.0.2"}, nil},
			{"filtered page", store.EventQuery{Types: []string{"LOGIN", "LOGIN_ERROR"}, Page: store.Page{First: 1, Max: 1}}, []*model.Event{e1}},
		} {
			want := ids(c.want, func(e *model.Event) string { return e.ID })
			checkList(t, "ListEvents("+c.name+")", listEvents(t, s, r.ID, c.q), want)
		}
	})

	t.Run("RealmIsolation", func(t *testing.T) {
		ctx := ctxFor(t)
		a, b := newRealm(t, s), newRealm(t, s)
		user := newID()
		ea := newEvent(t, s, a.ID, base, func(e *model.Event) { e.UserID, e.ClientID, e.IPAddress = user, "app", "10.9.9.9" })
		eb := newEvent(t, s, b.ID, base, func(e *model.Event) { e.UserID, e.ClientID, e.IPAddress = user, "app", "10.9.9.9" })
		for _, q := range []store.EventQuery{{}, {UserID: user}, {ClientID: "app"}, {IPAddress: "10.9.9.9"}, {Types: []string{"LOGIN"}}} {
			checkList(t, fmt.Sprintf("ListEvents(A, %+v)", q), listEvents(t, s, a.ID, q), []string{ea.ID})
		}
		n, err := s.DeleteEvents(ctx, a.ID, time.Time{})
		must(t, err)
		if n != 1 {
			t.Errorf("DeleteEvents(A) = %d, want 1", n)
		}
		checkList(t, "B's events after DeleteEvents(A)", listEvents(t, s, b.ID, store.EventQuery{}), []string{eb.ID})
		wantErr(t, "AppendEvent in a missing realm",
			s.AppendEvent(ctx, &model.Event{RealmID: newID(), Type: "LOGIN"}), store.ErrNotFound)
	})

	t.Run("DeleteEvents", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		e0 := newEvent(t, s, r.ID, base)
		e1 := newEvent(t, s, r.ID, base.Add(time.Minute))
		e2 := newEvent(t, s, r.ID, base.Add(2*time.Minute))
		e3 := newEvent(t, s, r.ID, base.Add(3*time.Minute))
		for _, c := range []struct {
			before time.Time
			n      int
			left   []string
		}{
			{base.Add(-time.Hour), 0, []string{e3.ID, e2.ID, e1.ID, e0.ID}},
			{e1.Time, 1, []string{e3.ID, e2.ID, e1.ID}},                // older than: e1 itself stays
			{e1.Time.Add(time.Microsecond), 1, []string{e3.ID, e2.ID}}, // e1 is older than that
			{e3.Time.Add(-time.Microsecond), 1, []string{e3.ID}},       // e3 is not
			{time.Time{}, 1, nil}, // zero: all
			{time.Time{}, 0, nil},
		} {
			n, err := s.DeleteEvents(ctx, r.ID, c.before)
			must(t, err)
			if n != c.n {
				t.Errorf("DeleteEvents(before %v) = %d, want %d", c.before, n, c.n)
			}
			checkList(t, fmt.Sprintf("events left after DeleteEvents(before %v)", c.before),
				listEvents(t, s, r.ID, store.EventQuery{}), c.left)
		}
	})

	t.Run("OutliveUsersAndClients", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		u := newUser(t, s, r.ID, uniq("ephemeral"))
		c := newClient(t, s, r.ID, uniq("ephemeral"))
		e := newEvent(t, s, r.ID, base, func(e *model.Event) { e.UserID, e.ClientID = u.ID, c.ClientID })
		must(t, s.DeleteUser(ctx, r.ID, u.ID))
		must(t, s.DeleteClient(ctx, r.ID, c.ID))
		checkList(t, "events of a deleted user", listEvents(t, s, r.ID, store.EventQuery{UserID: u.ID}), []string{e.ID})
		checkList(t, "events of a deleted client", listEvents(t, s, r.ID, store.EventQuery{ClientID: c.ClientID}), []string{e.ID})

		must(t, s.DeleteRealm(ctx, r.ID))
		list, err := s.ListEvents(ctx, r.ID, store.EventQuery{})
		wantGone(t, "ListEvents of a deleted realm", len(list), err)
		// The realm's events are gone, not hidden: a realm re-created under
		// the same id starts empty.
		must(t, s.CreateRealm(ctx, &model.Realm{ID: r.ID, Name: r.Name}))
		checkList(t, "events of a re-created realm", listEvents(t, s, r.ID, store.EventQuery{}), nil)
	})
}
