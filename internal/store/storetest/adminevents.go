package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// newAdminEvent appends an admin event of realmID at time at; edits adjust
// it first.
func newAdminEvent(t *testing.T, s store.Store, realmID string, at time.Time, edits ...func(*model.AdminEvent)) *model.AdminEvent {
	t.Helper()
	e := &model.AdminEvent{RealmID: realmID, Time: at, OperationType: "CREATE", ResourceType: "USER",
		ResourcePath: "users/" + newID()}
	for _, ed := range edits {
		ed(e)
	}
	must(t, s.AppendAdminEvent(ctxFor(t), e))
	return e
}

// listAdminEvents lists the ids of a realm's admin events matching q.
func listAdminEvents(t *testing.T, s store.Store, realmID string, q store.AdminEventQuery) []string {
	t.Helper()
	list, err := s.ListAdminEvents(ctxFor(t), realmID, q)
	must(t, err)
	return ids(list, func(e model.AdminEvent) string { return e.ID })
}

func adminEventIDs(list ...*model.AdminEvent) []string {
	return ids(list, func(e *model.AdminEvent) string { return e.ID })
}

func testAdminEvents(t *testing.T, s store.Store) {
	base := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

	t.Run("AppendGeneratesIDAndTime", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		before := time.Now()
		e := &model.AdminEvent{RealmID: r.ID, OperationType: "UPDATE", ResourceType: "REALM"}
		must(t, s.AppendAdminEvent(ctx, e))
		checkGenerated(t, "admin event", e.ID, e.Time, before, time.Now())
		list, err := s.ListAdminEvents(ctx, r.ID, store.AdminEventQuery{})
		must(t, err)
		if len(list) != 1 {
			t.Fatalf("ListAdminEvents = %d events, want 1", len(list))
		}
		checkEqual(t, "admin event", &list[0], e)
		other := newAdminEvent(t, s, r.ID, time.Time{})
		if other.ID == e.ID {
			t.Errorf("two admin events got the same id %q", e.ID)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		at := time.Date(2025, 2, 3, 4, 5, 6, 789_654_321, time.FixedZone("UTC-08:00", -8*3600))
		want := &model.AdminEvent{
			ID: newID(), RealmID: r.ID, Time: at,
			AuthRealmID: newID(), AuthClientID: "security-admin-console", AuthUserID: newID(),
			AuthIPAddress: "2001:db8::7", OperationType: "UPDATE", ResourceType: "REALM_ROLE_MAPPING",
			ResourcePath: "users/" + newID() + "/role-mappings/realm",
			Representation: `[{"name":"Zoë \"admin\"","description":"line one` + "\n" +
				`line two","attributes":{"k":["v1","v2"]}}]`,
			Error: "unknown_error",
			Details: map[string]string{
				"reason": "Zoë", "empty": "", "quote\"d": "new\nline",
				"redirect_uri": "https://app.example.com/cb?a=1&b=2",
			},
		}
		allSet(t, "admin event", want)
		given := *want
		must(t, s.AppendAdminEvent(ctx, &given))
		if !given.Time.Equal(ms(at)) && !given.Time.Equal(at) {
			t.Errorf("Time written back as %v, given %v", given.Time, at)
		}
		list, err := s.ListAdminEvents(ctx, r.ID, store.AdminEventQuery{})
		must(t, err)
		if len(list) != 1 {
			t.Fatalf("ListAdminEvents = %d events, want 1", len(list))
		}
		exp := *want
		exp.Time = ms(at)
		checkEqual(t, "admin event", &list[0], &exp)
		checkTime(t, "admin event Time", list[0].Time, at)

		// Only the operation: no representation, no details.
		bare := &model.AdminEvent{RealmID: r.ID, Time: base, OperationType: "DELETE"}
		must(t, s.AppendAdminEvent(ctx, bare))
		list, err = s.ListAdminEvents(ctx, r.ID, store.AdminEventQuery{OperationTypes: []string{"DELETE"}})
		must(t, err)
		if len(list) != 1 {
			t.Fatalf("ListAdminEvents(DELETE) = %d events, want 1", len(list))
		}
		checkEqual(t, "bare admin event", &list[0], bare)
	})

	t.Run("NewestFirstAndPaging", func(t *testing.T) {
		r := newRealm(t, s)
		// Appended out of order; the listing orders by time, not insertion.
		e2 := newAdminEvent(t, s, r.ID, base.Add(2*time.Minute))
		e0 := newAdminEvent(t, s, r.ID, base)
		e3 := newAdminEvent(t, s, r.ID, base.Add(3*time.Minute))
		e1 := newAdminEvent(t, s, r.ID, base.Add(time.Minute))
		all := adminEventIDs(e3, e2, e1, e0)
		checkList(t, "ListAdminEvents newest first", listAdminEvents(t, s, r.ID, store.AdminEventQuery{}), all)
		for _, p := range []struct {
			page store.Page
			want []string
		}{
			{store.Page{Max: 2}, all[:2]},
			{store.Page{First: 1, Max: 2}, all[1:3]},
			{store.Page{First: 3}, all[3:]},
			{store.Page{First: 4, Max: 10}, nil},
		} {
			checkList(t, fmt.Sprintf("ListAdminEvents(%+v)", p.page),
				listAdminEvents(t, s, r.ID, store.AdminEventQuery{Page: p.page}), p.want)
		}

		// Events of one millisecond come by descending id, so that pages
		// neither repeat nor skip one.
		tied := newRealm(t, s)
		var want []string
		for range 5 {
			want = append(want, newAdminEvent(t, s, tied.ID, base).ID)
		}
		slices.Sort(want)
		slices.Reverse(want)
		checkList(t, "tied admin events", listAdminEvents(t, s, tied.ID, store.AdminEventQuery{}), want)
		var paged []string
		for first := 0; first < 6; first += 2 {
			paged = append(paged, listAdminEvents(t, s, tied.ID,
				store.AdminEventQuery{Page: store.Page{First: first, Max: 2}})...)
		}
		checkList(t, "tied admin events, two per page", paged, want)
	})

	t.Run("Filters", func(t *testing.T) {
		r, authRealm := newRealm(t, s), newRealm(t, s)
		alice, bob := newID(), newID()
		ev := func(minute int, op, typ, path, client, user, ip string) *model.AdminEvent {
			return newAdminEvent(t, s, r.ID, base.Add(time.Duration(minute)*time.Minute), func(e *model.AdminEvent) {
				e.OperationType, e.ResourceType, e.ResourcePath = op, typ, path
				e.AuthRealmID, e.AuthClientID, e.AuthUserID, e.AuthIPAddress = authRealm.ID, client, user, ip
			})
		}
		e0 := ev(0, "CREATE", "USER", "users/u1", "admin-cli", alice, "10.0.0.1")
		e1 := ev(1, "UPDATE", "USER", "users/u1/reset-password", "console", bob, "10.0.0.2")
		e2 := ev(2, "CREATE", "CLIENT", "clients/c1", "console", bob, "10.0.0.1")
		e3 := ev(3, "DELETE", "REALM_ROLE", "roles-by-id/r1", "admin-cli", alice, "10.0.0.3")
		e4 := ev(4, "ACTION", "USER", "users/u2", "", "", "10.0.0.2")
		// Paths that only look like the prefixes below.
		e5 := ev(5, "UPDATE", "USER_PROFILE", "users", "console", alice, "10.0.0.1")
		e6 := ev(6, "UPDATE", "CLIENT", "users2/x", "console", alice, "10.0.0.1")
		e7 := ev(7, "UPDATE", "GROUP", "groups/a%b_c/ü", "console", alice, "10.0.0.1")
		e8 := ev(8, "UPDATE", "GROUP", "groups/aXbYc/u", "console", alice, "10.0.0.1")
		// Another auth realm, everything else alike.
		e9 := newAdminEvent(t, s, r.ID, base.Add(9*time.Minute), func(e *model.AdminEvent) {
			e.ResourcePath = "users/u3"
			e.AuthRealmID, e.AuthClientID, e.AuthUserID, e.AuthIPAddress = r.ID, "console", alice, "10.0.0.1"
		})
		all := []*model.AdminEvent{e9, e8, e7, e6, e5, e4, e3, e2, e1, e0}
		for _, c := range []struct {
			name string
			q    store.AdminEventQuery
			want []*model.AdminEvent
		}{
			{"none", store.AdminEventQuery{}, all},
			{"one operation", store.AdminEventQuery{OperationTypes: []string{"DELETE"}}, []*model.AdminEvent{e3}},
			{"any of operations", store.AdminEventQuery{OperationTypes: []string{"ACTION", "CREATE", "CREATE"}}, []*model.AdminEvent{e9, e4, e2, e0}},
			{"operation nobody did", store.AdminEventQuery{OperationTypes: []string{"NOPE"}}, nil},
			{"one resource type", store.AdminEventQuery{ResourceTypes: []string{"CLIENT"}}, []*model.AdminEvent{e6, e2}},
			{"any of resource types", store.AdminEventQuery{ResourceTypes: []string{"REALM_ROLE", "USER", "UNKNOWN"}}, []*model.AdminEvent{e9, e4, e3, e1, e0}},
			{"resource type is not a prefix", store.AdminEventQuery{ResourceTypes: []string{"USER_"}}, nil},
			{"operation and resource type", store.AdminEventQuery{OperationTypes: []string{"UPDATE"}, ResourceTypes: []string{"USER", "GROUP"}}, []*model.AdminEvent{e8, e7, e1}},
			{"exact path", store.AdminEventQuery{ResourcePath: "users/u1"}, []*model.AdminEvent{e0}},
			{"exact path is not a prefix", store.AdminEventQuery{ResourcePath: "users/"}, nil},
			{"path prefix", store.AdminEventQuery{ResourcePath: "users/*"}, []*model.AdminEvent{e9, e4, e1, e0}},
			{"path prefix without slash", store.AdminEventQuery{ResourcePath: "users*"}, []*model.AdminEvent{e9, e6, e5, e4, e1, e0}},
			{"path prefix of one path", store.AdminEventQuery{ResourcePath: "users/u1/*"}, []*model.AdminEvent{e1}},
			{"path prefix is case-sensitive", store.AdminEventQuery{ResourcePath: "Users/*"}, nil},
			{"path prefix with LIKE wildcards", store.AdminEventQuery{ResourcePath: "groups/a%b_c/*"}, []*model.AdminEvent{e7}},
			{"path prefix ending in a wildcard", store.AdminEventQuery{ResourcePath: "groups/a%*"}, []*model.AdminEvent{e7}},
			{"path prefix with a multi-byte rune", store.AdminEventQuery{ResourcePath: "groups/a%b_c/ü*"}, []*model.AdminEvent{e7}},
			{"star alone", store.AdminEventQuery{ResourcePath: "*"}, all},
			{"auth realm", store.AdminEventQuery{AuthRealmID: r.ID}, []*model.AdminEvent{e9}},
			{"auth client", store.AdminEventQuery{AuthClientID: "admin-cli"}, []*model.AdminEvent{e3, e0}},
			{"auth user", store.AdminEventQuery{AuthUserID: bob}, []*model.AdminEvent{e2, e1}},
			{"auth ip", store.AdminEventQuery{AuthIPAddress: "10.0.0.2"}, []*model.AdminEvent{e4, e1}},
			{"from inclusive", store.AdminEventQuery{From: e8.Time}, []*model.AdminEvent{e9, e8}},
			{"to inclusive", store.AdminEventQuery{To: e1.Time}, []*model.AdminEvent{e1, e0}},
			{"from and to", store.AdminEventQuery{From: e1.Time, To: e3.Time}, []*model.AdminEvent{e3, e2, e1}},
			{"from and to in another zone", store.AdminEventQuery{From: e1.Time.In(time.FixedZone("X", 3600)), To: e1.Time.In(time.FixedZone("Y", -7200))}, []*model.AdminEvent{e1}},
			// Stored times are whole milliseconds: a bound between two
			// keeps its meaning.
			{"from between milliseconds", store.AdminEventQuery{From: e8.Time.Add(-time.Microsecond)}, []*model.AdminEvent{e9, e8}},
			{"from just after", store.AdminEventQuery{From: e8.Time.Add(time.Microsecond)}, []*model.AdminEvent{e9}},
			{"to just after", store.AdminEventQuery{To: e1.Time.Add(time.Microsecond)}, []*model.AdminEvent{e1, e0}},
			{"to just before", store.AdminEventQuery{To: e1.Time.Add(-time.Microsecond)}, []*model.AdminEvent{e0}},
			{"all at once", store.AdminEventQuery{
				OperationTypes: []string{"CREATE", "UPDATE"}, ResourceTypes: []string{"USER"}, ResourcePath: "users/*",
				AuthRealmID: authRealm.ID, AuthClientID: "console", AuthUserID: bob, AuthIPAddress: "10.0.0.2",
				From: e0.Time, To: e4.Time,
			}, []*model.AdminEvent{e1}},
			{"conflicting", store.AdminEventQuery{AuthUserID: alice, AuthIPAddress: "10.0.0.2"}, nil},
			{"filtered page", store.AdminEventQuery{ResourcePath: "users/*", Page: store.Page{First: 1, Max: 2}}, []*model.AdminEvent{e4, e1}},
		} {
			checkList(t, "ListAdminEvents("+c.name+")", listAdminEvents(t, s, r.ID, c.q), adminEventIDs(c.want...))
		}
	})

	t.Run("RealmIsolation", func(t *testing.T) {
		ctx := ctxFor(t)
		a, b := newRealm(t, s), newRealm(t, s)
		user, path := newID(), "users/"+newID()
		alike := func(e *model.AdminEvent) {
			e.ResourcePath, e.AuthRealmID, e.AuthClientID, e.AuthUserID, e.AuthIPAddress = path, a.ID, "app", user, "10.9.9.9"
		}
		ea := newAdminEvent(t, s, a.ID, base, alike)
		eb := newAdminEvent(t, s, b.ID, base, alike)
		for _, q := range []store.AdminEventQuery{
			{}, {AuthUserID: user}, {AuthClientID: "app"}, {AuthIPAddress: "10.9.9.9"}, {AuthRealmID: a.ID},
			{OperationTypes: []string{"CREATE"}}, {ResourceTypes: []string{"USER"}},
			{ResourcePath: path}, {ResourcePath: "users/*"},
		} {
			checkList(t, fmt.Sprintf("ListAdminEvents(A, %+v)", q), listAdminEvents(t, s, a.ID, q), []string{ea.ID})
		}
		n, err := s.DeleteAdminEvents(ctx, a.ID, time.Time{})
		must(t, err)
		if n != 1 {
			t.Errorf("DeleteAdminEvents(A) = %d, want 1", n)
		}
		checkList(t, "B's admin events after DeleteAdminEvents(A)",
			listAdminEvents(t, s, b.ID, store.AdminEventQuery{}), []string{eb.ID})
		wantErr(t, "AppendAdminEvent in a missing realm",
			s.AppendAdminEvent(ctx, &model.AdminEvent{RealmID: newID(), OperationType: "CREATE"}), store.ErrNotFound)
		// User events and admin events are apart.
		checkList(t, "user events of B", listEvents(t, s, b.ID, store.EventQuery{}), nil)
		n, err = s.DeleteEvents(ctx, b.ID, time.Time{})
		if err != nil || n != 0 {
			t.Errorf("DeleteEvents(B) = %d, %v, want 0 (admin events are not user events)", n, err)
		}
		checkList(t, "B's admin events after DeleteEvents(B)",
			listAdminEvents(t, s, b.ID, store.AdminEventQuery{}), []string{eb.ID})
	})

	t.Run("DeleteAdminEvents", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		e0 := newAdminEvent(t, s, r.ID, base)
		e1 := newAdminEvent(t, s, r.ID, base.Add(time.Minute))
		e2 := newAdminEvent(t, s, r.ID, base.Add(2*time.Minute))
		e3 := newAdminEvent(t, s, r.ID, base.Add(3*time.Minute))
		for _, c := range []struct {
			before time.Time
			n      int
			left   []string
		}{
			{base.Add(-time.Hour), 0, adminEventIDs(e3, e2, e1, e0)},
			{e1.Time, 1, adminEventIDs(e3, e2, e1)},                   // older than: e1 itself stays
			{e1.Time.Add(time.Microsecond), 1, adminEventIDs(e3, e2)}, // e1 is older than that
			{e3.Time.Add(-time.Microsecond), 1, adminEventIDs(e3)},    // e3 is not
			{time.Time{}, 1, nil},                                     // zero: all
			{time.Time{}, 0, nil},
		} {
			n, err := s.DeleteAdminEvents(ctx, r.ID, c.before)
			must(t, err)
			if n != c.n {
				t.Errorf("DeleteAdminEvents(before %v) = %d, want %d", c.before, n, c.n)
			}
			checkList(t, fmt.Sprintf("admin events left after DeleteAdminEvents(before %v)", c.before),
				listAdminEvents(t, s, r.ID, store.AdminEventQuery{}), c.left)
		}
	})

	t.Run("OutliveCallerAndGoWithRealm", func(t *testing.T) {
		ctx := ctxFor(t)
		r, master := newRealm(t, s), newRealm(t, s)
		u := newUser(t, s, master.ID, uniq("admin"))
		c := newClient(t, s, master.ID, uniq("admin-cli"))
		e := newAdminEvent(t, s, r.ID, base, func(e *model.AdminEvent) {
			e.AuthRealmID, e.AuthClientID, e.AuthUserID = master.ID, c.ClientID, u.ID
		})
		must(t, s.DeleteUser(ctx, master.ID, u.ID))
		must(t, s.DeleteClient(ctx, master.ID, c.ID))
		must(t, s.DeleteRealm(ctx, master.ID))
		checkList(t, "admin events of a deleted caller",
			listAdminEvents(t, s, r.ID, store.AdminEventQuery{AuthRealmID: master.ID, AuthClientID: c.ClientID, AuthUserID: u.ID}),
			[]string{e.ID})

		must(t, s.DeleteRealm(ctx, r.ID))
		list, err := s.ListAdminEvents(ctx, r.ID, store.AdminEventQuery{})
		wantGone(t, "ListAdminEvents of a deleted realm", len(list), err)
		// The realm's admin events are gone, not hidden: a realm re-created
		// under the same id starts empty.
		must(t, s.CreateRealm(ctx, &model.Realm{ID: r.ID, Name: r.Name}))
		checkList(t, "admin events of a re-created realm", listAdminEvents(t, s, r.ID, store.AdminEventQuery{}), nil)
	})
}
