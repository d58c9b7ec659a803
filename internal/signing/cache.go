package signing

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/model"
)

// KeyLister is the part of the store the cache reads.
type KeyLister interface {
	ListKeys(ctx context.Context, realmID string) ([]model.SigningKey, error)
}

// Keys caches realms' parsed key sets. Keys live in the store, shared by
// every process; a set is reloaded after TTL, at once after Invalidate,
// and when a token names a kid the set does not know (a key rotated in by
// another process), at most once a second per realm so that tokens with
// made-up kids cannot turn into a database load.
type Keys struct {
	Store KeyLister
	// TTL bounds how long a process signs with a key set after another
	// process changed it. Zero means one minute.
	TTL time.Duration
	Now func() time.Time

	mu   sync.Mutex
	sets map[string]*cached
}

type cached struct {
	set    *KeySet
	loaded time.Time
}

const minReload = time.Second

func (c *Keys) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Keys) ttl() time.Duration {
	if c.TTL > 0 {
		return c.TTL
	}
	return time.Minute
}

// Get returns the realm's key set.
func (c *Keys) Get(ctx context.Context, realmID string) (*KeySet, error) {
	c.mu.Lock()
	e := c.sets[realmID]
	c.mu.Unlock()
	if e != nil && c.now().Sub(e.loaded) < c.ttl() {
		return e.set, nil
	}
	return c.load(ctx, realmID)
}

func (c *Keys) load(ctx context.Context, realmID string) (*KeySet, error) {
	keys, err := c.Store.ListKeys(ctx, realmID)
	if err != nil {
		return nil, err
	}
	set, err := NewKeySet(realmID, keys)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sets == nil {
		c.sets = map[string]*cached{}
	}
	c.sets[realmID] = &cached{set: set, loaded: c.now()}
	return set, nil
}

// Invalidate drops a realm's cached set (after this process changed its
// keys, or deleted the realm).
func (c *Keys) Invalidate(realmID string) {
	c.mu.Lock()
	delete(c.sets, realmID)
	c.mu.Unlock()
}

// Drop drops a realm's cached set, or every set when realmID is "" (the
// store cache's drops, which come from other processes too).
func (c *Keys) Drop(realmID string) {
	if realmID != "" {
		c.Invalidate(realmID)
		return
	}
	c.mu.Lock()
	clear(c.sets)
	c.mu.Unlock()
}

// Verify checks token against the realm's keys, reloading them once when
// the token names an unknown key.
func (c *Keys) Verify(ctx context.Context, realmID, token string, algs ...string) ([]byte, string, error) {
	set, err := c.Get(ctx, realmID)
	if err != nil {
		return nil, "", err
	}
	payload, alg, err := set.Verify(token, algs...)
	if !errors.Is(err, ErrUnknownKey) {
		return payload, alg, err
	}
	c.mu.Lock()
	e := c.sets[realmID]
	stale := e == nil || c.now().Sub(e.loaded) >= minReload
	c.mu.Unlock()
	if !stale {
		return nil, "", err
	}
	if set, err = c.load(ctx, realmID); err != nil {
		return nil, "", err
	}
	return set.Verify(token, algs...)
}
