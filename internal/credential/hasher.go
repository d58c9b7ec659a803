package credential

import (
	"context"
	"runtime"
	"time"
)

// Observer receives hashing metrics (ops.Metrics implements it).
type Observer interface {
	// HashQueueDepth gets +1 when a hash starts waiting for a slot and -1
	// when it gets one or gives up.
	HashQueueDepth(delta int)
	// HashDone gets the computing time of each completed hash or
	// verification (not the time spent waiting for a slot).
	HashDone(algorithm string, d time.Duration)
}

// Hasher bounds how many hashes run at once. Hashing is CPU bound and argon2
// takes 7 MiB a time, so a burst of logins queues here instead of exhausting
// memory and starving other requests (Keycloak's argon2 provider does the
// same with a semaphore of availableProcessors permits).
type Hasher struct {
	slots chan struct{}
	obs   Observer
}

// NewHasher returns a Hasher running at most concurrency hashes at once;
// concurrency <= 0 means runtime.GOMAXPROCS(0): the CPUs the process may
// run on at once (a container's CPU limit), since more hashes at once than
// that only hold more memory. obs may be nil.
func NewHasher(concurrency int, obs Observer) *Hasher {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	return &Hasher{slots: make(chan struct{}, concurrency), obs: obs}
}

// run waits for a slot (giving up with ctx.Err() when ctx ends first), runs
// fn and reports it.
func (h *Hasher) run(ctx context.Context, algorithm string, fn func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.slots <- struct{}{}:
	default:
		h.queue(1)
		select {
		case h.slots <- struct{}{}:
			h.queue(-1)
		case <-ctx.Done():
			h.queue(-1)
			return ctx.Err()
		}
	}
	start := time.Now()
	defer func() {
		<-h.slots
		if h.obs != nil {
			h.obs.HashDone(algorithm, time.Since(start))
		}
	}()
	fn()
	return nil
}

func (h *Hasher) queue(delta int) {
	if h.obs != nil {
		h.obs.HashQueueDepth(delta)
	}
}

// Hash makes a new credential for password as p asks (see Params).
func (h *Hasher) Hash(ctx context.Context, password string, p Params) (Encoded, error) {
	algorithm, mk, err := hasherFor(p)
	if err != nil {
		return Encoded{}, err
	}
	var e Encoded
	if rerr := h.run(ctx, algorithm, func() { e, err = mk(password) }); rerr != nil {
		return Encoded{}, rerr
	}
	return e, err
}

// Verify checks password against a stored credential of any supported
// format, in constant time. A wrong password is ok=false with a nil error;
// an unsupported algorithm or unreadable data is an error matching
// ErrUnsupported or ErrMalformed (returned at once, without hashing: call
// Dummy if the caller must not reveal that by timing).
func (h *Hasher) Verify(ctx context.Context, password string, e Encoded) (bool, error) {
	st, err := parse(e)
	if err != nil {
		return false, err
	}
	check, err := verifierFor(st)
	if err != nil {
		return false, err
	}
	var ok bool
	if err := h.run(ctx, st.algorithm, func() { ok = check(password) }); err != nil {
		return false, err
	}
	return ok, nil
}

// Dummy spends the time of one hash made as p asks (the realm's current
// algorithm: what a real user's verification costs once rehashed), for
// unknown users, so that timing does not tell which usernames exist. An
// algorithm that cannot hash falls back to the default.
func (h *Hasher) Dummy(ctx context.Context, password string, p Params) {
	algorithm, mk, err := hasherFor(p)
	if err != nil {
		algorithm, mk, _ = hasherFor(Params{})
	}
	_ = h.run(ctx, algorithm, func() { _, _ = mk(password) })
}
