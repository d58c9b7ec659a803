package registration

import (
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/internal/model"
)

// Default limits, in attempts per minute; a realm sets its own with the
// attributes registrationRateLimitPerAddress and
// registrationRateLimitPerRealm ("0" turns one off).
const (
	defaultPerAddress = 10
	defaultPerRealm   = 600
)

// limiter holds token buckets by key. Buckets idle for longer than they
// need to refill are dropped, so memory follows the active callers.
// Limits are per process: behind a load balancer each process enforces its
// own share (docs/registration.md says so).
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	calls   int
	now     func() time.Time
}

type bucket struct {
	lim  *rate.Limiter
	per  int
	seen time.Time
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{buckets: map[string]*bucket{}, now: now}
}

// allow takes one attempt from key's bucket of perMinute attempts a minute
// (bursting up to perMinute); when it is empty it reports how long to wait.
func (l *limiter) allow(key string, perMinute int) (bool, time.Duration) {
	if perMinute <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok || b.per != perMinute {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(float64(perMinute)/60), perMinute), per: perMinute}
		l.buckets[key] = b
	}
	b.seen = now
	if l.calls++; l.calls%1024 == 0 {
		for k, old := range l.buckets {
			if now.Sub(old.seen) > 2*time.Minute {
				delete(l.buckets, k)
			}
		}
	}
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// realmLimit reads a per-minute limit from a realm attribute.
func realmLimit(r *model.Realm, attr string, def int) int {
	v, ok := r.Attributes[attr]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return def
	}
	return n
}

// retryAfter is a Retry-After value in whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(d.Seconds()))))
}
