// Package storetest is the conformance suite every store backend runs, so
// that SQLite and PostgreSQL behave the same behind store.Store: the same
// sentinels, the same realm isolation, the same ordering and paging, the same
// time round-trips, and uniqueness that holds under concurrent writers.
//
// A backend's test calls Run with a constructor of fresh, migrated stores:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
//	}
//
// It is an ordinary package rather than a _test file so that backends in
// other packages can import it.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// groupTimeout bounds each group, so that a backend that deadlocks (a nested
// transaction waiting on its own writer, say) fails instead of hanging.
const groupTimeout = 60 * time.Second

// Run runs the whole suite. newStore must return a fresh, empty, migrated
// store on each call; Run closes every store it gets when the test that asked
// for it ends, so Close must be idempotent if the backend also closes it.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	open := func(t *testing.T) store.Store {
		t.Helper()
		s := newStore(t)
		if s == nil {
			t.Fatal("newStore returned nil")
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}
	groups := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"Lifecycle", testLifecycle},
		{"Realms", testRealms},
		{"Users", testUsers},
		{"UserEmails", testUserEmails},
		{"UserQueries", testUserQueries},
		{"UserSearch", testUserSearch},
		{"Credentials", testCredentials},
		{"Clients", testClients},
		{"Roles", testRoles},
		{"Composites", testComposites},
		{"RoleMappings", testRoleMappings},
		{"Groups", testGroups},
		{"Keys", testKeys},
		{"Sessions", testSessions},
		{"ClientSessions", testClientSessions},
		{"Events", testEvents},
		{"AdminEvents", testAdminEvents},
		{"Outbox", testOutbox},
		{"Codes", testCodes},
		{"LoginFailures", testLoginFailures},
		{"Times", testTimes},
		{"Isolation", testIsolation},
		{"Transactions", testTransactions},
		{"Concurrency", testConcurrency},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, open(t)) })
	}
}

// testLifecycle checks the calls that are not about any aggregate.
func testLifecycle(t *testing.T, s store.Store) {
	t.Run("Ping", func(t *testing.T) {
		if err := s.Ping(ctxFor(t)); err != nil {
			t.Fatalf("Ping on an open store: %v", err)
		}
	})
	// Close is idempotent: this first Close runs before Run's own cleanup
	// closes the store again and reports any error from that second call.
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("first Close: %v", err)
		}
	})
}

// ctxFor returns a context that ends with the test or after groupTimeout.
func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), groupTimeout)
	t.Cleanup(cancel)
	return ctx
}
