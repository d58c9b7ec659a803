package signing_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// counting wraps the real store and counts key loads.
type counting struct {
	store.Store
	loads atomic.Int32
}

func (c *counting) ListKeys(ctx context.Context, realmID string) ([]model.SigningKey, error) {
	c.loads.Add(1)
	return c.Store.ListKeys(ctx, realmID)
}

func TestKeysReloadOnUnknownKid(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1000, 0)
	st := testenv.SQLite(t)
	rl := &model.Realm{Name: "r"}
	if err := st.CreateRealm(ctx, rl); err != nil {
		t.Fatal(err)
	}
	k1, _ := signing.NewKey(rl.ID, "r", signing.RS256, now)
	if err := st.CreateKey(ctx, &k1); err != nil {
		t.Fatal(err)
	}
	src := &counting{Store: st}
	cache := &signing.Keys{Store: src, Now: func() time.Time { return now }}

	if _, err := cache.Get(ctx, rl.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Get(ctx, rl.ID); err != nil || src.loads.Load() != 1 {
		t.Fatalf("second Get reloaded: %d loads", src.loads.Load())
	}

	// Another process rotates a key in and signs with it.
	k2, _ := signing.NewKey(rl.ID, "r", signing.RS256, now)
	k2.Priority = 200
	if err := st.CreateKey(ctx, &k2); err != nil {
		t.Fatal(err)
	}
	all, _ := st.ListKeys(ctx, rl.ID)
	other, _ := signing.NewKeySet(rl.ID, all)
	tok, _ := other.Sign(signing.RS256, []byte(`{}`))

	// Within a second of the last load, an unknown kid does not reload.
	if _, _, err := cache.Verify(ctx, rl.ID, tok, signing.RS256); !errors.Is(err, signing.ErrUnknownKey) {
		t.Fatalf("got %v", err)
	}
	now = now.Add(2 * time.Second)
	if _, _, err := cache.Verify(ctx, rl.ID, tok, signing.RS256); err != nil {
		t.Fatalf("token of a rotated-in key: %v", err)
	}
	if src.loads.Load() != 2 {
		t.Errorf("loads = %d, want 2", src.loads.Load())
	}
	// The TTL bounds staleness; Invalidate drops at once.
	now = now.Add(2 * time.Minute)
	_, _ = cache.Get(ctx, rl.ID)
	cache.Invalidate(rl.ID)
	_, _ = cache.Get(ctx, rl.ID)
	if src.loads.Load() != 4 {
		t.Errorf("loads = %d, want 4", src.loads.Load())
	}
}
