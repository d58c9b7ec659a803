package app_test

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestExpireEvents drives the expiry job directly: per realm, user events
// older than eventsExpiration and admin events older than the
// adminEventsExpiration attribute go; everything else stays.
func TestExpireEvents(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		ctx := t.Context()
		short := s.ImportRealm(`{"realm":"short","enabled":true,"eventsEnabled":true,"eventsExpiration":3600,
			"attributes":{"adminEventsExpiration":"60"}}`)
		keep := s.ImportRealm(`{"realm":"keep","enabled":true,"eventsEnabled":true}`)
		now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
		for _, r := range []*model.Realm{short, keep} {
			for _, age := range []time.Duration{2 * time.Hour, 30 * time.Minute, 90 * time.Second, 10 * time.Second} {
				if err := s.Store.AppendEvent(ctx, &model.Event{RealmID: r.ID, Time: now.Add(-age), Type: "LOGIN"}); err != nil {
					t.Fatal(err)
				}
				if err := s.Store.AppendAdminEvent(ctx, &model.AdminEvent{RealmID: r.ID, Time: now.Add(-age),
					OperationType: "CREATE", ResourceType: "USER", ResourcePath: "users/x"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		n, m, err := s.App.ExpireEvents(ctx, now)
		if err != nil || n != 1 || m != 3 {
			t.Fatalf("ExpireEvents = %d, %d, %v; want 1 event (2h old), 3 admin events (over 60s old)", n, m, err)
		}
		count := func(r *model.Realm) (int, int) {
			ev, err := s.Store.ListEvents(ctx, r.ID, store.EventQuery{})
			if err != nil {
				t.Fatal(err)
			}
			aev, err := s.Store.ListAdminEvents(ctx, r.ID, store.AdminEventQuery{})
			if err != nil {
				t.Fatal(err)
			}
			return len(ev), len(aev)
		}
		if e, a := count(short); e != 3 || a != 1 {
			t.Errorf("short realm keeps %d events, %d admin events; want 3, 1", e, a)
		}
		if e, a := count(keep); e != 4 || a != 4 {
			t.Errorf("realm without expiry keeps %d events, %d admin events; want 4, 4", e, a)
		}
		// Running again removes nothing more.
		if n, m, err := s.App.ExpireEvents(ctx, now); err != nil || n != 0 || m != 0 {
			t.Errorf("second run = %d, %d, %v", n, m, err)
		}
	})
}
