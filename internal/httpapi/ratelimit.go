package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/internal/model"
)

// Limiter holds token buckets by key. Buckets idle for longer than they
// need to refill are dropped, so memory follows the active callers.
// Limits are per process: behind a load balancer each process enforces its
// own share (the docs say so).
type Limiter struct {
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

// NewLimiter makes a limiter; now may be nil (time.Now).
func NewLimiter(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{buckets: map[string]*bucket{}, now: now}
}

// Allow takes one attempt from key's bucket of perMinute attempts a minute
// (bursting up to perMinute); when it is empty it reports how long to wait.
func (l *Limiter) Allow(key string, perMinute int) (bool, time.Duration) {
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

// RealmLimit reads a per-minute limit from a realm attribute.
func RealmLimit(r *model.Realm, attr string, def int) int {
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

// TooManyRequests is a 429 with Retry-After (whole seconds, at least 1).
func TooManyRequests(desc string, wait time.Duration) *Error {
	e := OAuthError(http.StatusTooManyRequests, "too_many_requests", desc)
	e.Header = http.Header{"Retry-After": {retryAfter(wait)}}
	return e
}

// retryAfter is a Retry-After value in whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(d.Seconds()))))
}
