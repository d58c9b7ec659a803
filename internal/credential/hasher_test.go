package credential

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type recorder struct {
	mu    sync.Mutex
	depth int
	max   int
	done  map[string]int
}

func (r *recorder) HashQueueDepth(d int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.depth += d
	if r.depth > r.max {
		r.max = r.depth
	}
}

func (r *recorder) HashDone(alg string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done == nil {
		r.done = map[string]int{}
	}
	r.done[alg]++
}

func (r *recorder) snapshot() (int, int, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := map[string]int{}
	for k, v := range r.done {
		m[k] = v
	}
	return r.depth, r.max, m
}

// At most concurrency hashes run at once; the others queue and are counted.
func TestHasherBoundsConcurrency(t *testing.T) {
	rec := &recorder{}
	h := NewHasher(2, rec)
	var running, peak atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = h.run(context.Background(), "test", func() {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				<-release
				running.Add(-1)
			})
		}()
	}
	waitFor(t, func() bool { d, _, _ := rec.snapshot(); return d == 4 })
	close(release)
	wg.Wait()
	depth, maxDepth, done := rec.snapshot()
	if peak.Load() != 2 || depth != 0 || maxDepth != 4 || done["test"] != 6 {
		t.Fatalf("peak %d, depth %d, max depth %d, done %v", peak.Load(), depth, maxDepth, done)
	}
}

// A request cancelled while waiting gives up with ctx.Err() and leaves the
// queue.
func TestHasherRespectsContext(t *testing.T) {
	rec := &recorder{}
	h := NewHasher(1, rec)
	hold := make(chan struct{})
	started := make(chan struct{})
	go func() { _ = h.run(context.Background(), "hold", func() { close(started); <-hold }) }()
	<-started

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := h.Verify(ctx, "pw", fixedVectors[0].e)
		errc <- err
	}()
	waitFor(t, func() bool { d, _, _ := rec.snapshot(); return d == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify err = %v", err)
	}
	if _, err := h.Hash(ctx, "pw", Params{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash on a cancelled ctx err = %v", err)
	}
	close(hold)
	depth, _, done := rec.snapshot()
	if depth != 0 || done["argon2"] != 0 {
		t.Fatalf("depth %d, done %v", depth, done)
	}
}

func TestHasherReportsAlgorithms(t *testing.T) {
	rec := &recorder{}
	h := NewHasher(0, rec)
	ctx := context.Background()
	for _, v := range fixedVectors {
		if _, err := h.Verify(ctx, v.password, v.e); err != nil {
			t.Fatal(err)
		}
	}
	h.Dummy(ctx, "pw", Params{})
	h.Dummy(ctx, "pw", Params{Algorithm: "no-such"})
	h.Dummy(ctx, "pw", Params{Algorithm: "pbkdf2-sha256", Iterations: 1000})
	_, _ = h.Verify(ctx, "pw", Encoded{SecretData: "{", CredentialData: "{"})
	_, _, done := rec.snapshot()
	want := map[string]int{"argon2": 3, "pbkdf2-sha256": 2, "pbkdf2": 3, "bcrypt": 1}
	for k, v := range want {
		if done[k] != v {
			t.Errorf("HashDone(%q) called %d times, want %d (all: %v)", k, done[k], v, done)
		}
	}
}

func TestNilObserver(t *testing.T) {
	h := NewHasher(1, nil)
	if _, err := h.Hash(context.Background(), "pw", Params{Algorithm: "pbkdf2-sha512", Iterations: 10}); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}
