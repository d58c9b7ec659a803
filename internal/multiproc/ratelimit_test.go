package multiproc_test

import (
	"net/http"
	"strconv"
	"testing"
)

// testRateLimits checks the scope docs/registration.md states: each
// process keeps its own buckets. limit-address allows 3 attempts a minute
// per client address, limit-realm 3 a minute for the whole realm; all the
// test's requests come from 127.0.0.1. Empty bodies are refused (400) but
// count, as every attempt does.
func testRateLimits(t *testing.T, c *cluster) {
	for _, realm := range []string{"limit-address", "limit-realm"} {
		t.Run(realm, func(t *testing.T) {
			attempt := func(p *proc, n int, want int) {
				t.Helper()
				r := p.call(t, http.MethodPost, oidcPath(realm, "registrations"), "", map[string]any{})
				if err := wantStatus(r, want, ""); err != nil {
					t.Fatalf("attempt %d on %s: %v", n, p.name, err)
				}
				if want != http.StatusTooManyRequests {
					return
				}
				if r.str("error") != "too_many_requests" {
					t.Errorf("429 on %s without Keycloak's error shape: %v", p.name, r)
				}
				if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
					t.Errorf("429 on %s with Retry-After %q", p.name, r.header.Get("Retry-After"))
				}
			}
			for n := 1; n <= 3; n++ {
				attempt(c.a, n, http.StatusBadRequest)
			}
			attempt(c.a, 4, http.StatusTooManyRequests)
			// A's limit is spent; B and C still answer: their buckets are
			// their own. B's own limit is 3 attempts too.
			for n := 1; n <= 3; n++ {
				attempt(c.b, n, http.StatusBadRequest)
			}
			attempt(c.b, 4, http.StatusTooManyRequests)
			attempt(c.c, 1, http.StatusBadRequest)
			attempt(c.a, 5, http.StatusTooManyRequests)
			t.Logf("%s: 3 attempts on A, then 429 on A; 3 more on B, then 429 on B; C unaffected", realm)
		})
	}
}
