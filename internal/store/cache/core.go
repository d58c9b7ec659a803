package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latchkey/latchkey/internal/model"
)

// Options tune a cache. The zero value is a single-process cache with a
// 30-second TTL.
type Options struct {
	// TTL is how long an entry is served before it is read again. Zero
	// means DefaultTTL.
	TTL time.Duration
	// MaxUsers bounds the per-user entries (role mappings) kept for one
	// realm; past it the realm's user entries are dropped. Zero means
	// DefaultMaxUsers, which bounds them to a few MB a realm: they pay off
	// for service accounts and users who refresh, not for a million users
	// who each log in once a day.
	MaxUsers int
	// Notifier publishes this process's drops to the others. Nil: no other
	// process writes to the database (SQLite), and the cache is on from the
	// start.
	Notifier Notifier
	// OnDrop is told of every realm whose records were dropped ("" for
	// all), so that other caches (signing keys) follow.
	OnDrop func(realmID string)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Defaults for Options.
const (
	DefaultTTL      = 30 * time.Second
	DefaultMaxUsers = 10_000
)

// Notifier tells the other processes on the same database what this one
// dropped.
type Notifier interface {
	Publish(ctx context.Context, msg string) error
}

type entry[T any] struct {
	v  T
	at time.Time
}

// realmData is what the cache holds for one realm.
type realmData struct {
	allClients        *entry[[]model.Client] // ListClients with no filter
	clientsByID       map[string]entry[*model.Client]
	clientsByClientID map[string]entry[*model.Client]
	composites        map[string]entry[[]model.Role]
	serviceAccounts   map[string]entry[*model.User] // by the client's internal id
	users             map[string]entry[*model.User] // by id
	userRoles         map[string]entry[[]model.Role]
	userGroupRoles    map[string]entry[[]model.Role]
}

func newRealmData() *realmData {
	return &realmData{
		clientsByID:       map[string]entry[*model.Client]{},
		clientsByClientID: map[string]entry[*model.Client]{},
		composites:        map[string]entry[[]model.Role]{},
		serviceAccounts:   map[string]entry[*model.User]{},
		users:             map[string]entry[*model.User]{},
		userRoles:         map[string]entry[[]model.Role]{},
		userGroupRoles:    map[string]entry[[]model.Role]{},
	}
}

// core is the state shared by a Store and the transactions it starts.
type core struct {
	opts Options
	// listening is false while a multi-process cache does not hear the
	// others: nothing is served from memory or kept then.
	listening atomic.Bool

	mu sync.Mutex
	// gen counts drops. A read keeps what it loaded only if no drop
	// happened while it was loading, so a read that raced with a write
	// cannot put back what the write just dropped.
	gen          uint64
	realmsByID   map[string]entry[*model.Realm]
	realmsByName map[string]entry[*model.Realm]
	realms       map[string]*realmData

	hits, misses atomic.Uint64
}

func newCore(opts Options) *core {
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.MaxUsers <= 0 {
		opts.MaxUsers = DefaultMaxUsers
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &core{opts: opts}
	c.resetLocked()
	c.listening.Store(opts.Notifier == nil)
	return c
}

func (c *core) resetLocked() {
	c.gen++
	c.realmsByID = map[string]entry[*model.Realm]{}
	c.realmsByName = map[string]entry[*model.Realm]{}
	c.realms = map[string]*realmData{}
}

func (c *core) realmLocked(id string) *realmData {
	d := c.realms[id]
	if d == nil {
		d = newRealmData()
		c.realms[id] = d
	}
	return d
}

// lookup answers from memory when it can, and otherwise loads, keeping a
// copy of what it loaded unless a drop happened meanwhile. find and keep
// run under the lock; clone makes the copies.
func lookup[T any](c *core, find func() (entry[T], bool), load func() (T, error),
	keep func(entry[T]), clone func(T) T) (T, error) {
	on := c.listening.Load()
	var gen uint64
	if on {
		c.mu.Lock()
		e, ok := find()
		if ok && c.opts.Now().Sub(e.at) < c.opts.TTL {
			c.mu.Unlock()
			c.hits.Add(1)
			return clone(e.v), nil
		}
		gen = c.gen
		c.mu.Unlock()
	}
	c.misses.Add(1)
	v, err := load()
	if err != nil || !on {
		return v, err
	}
	kept := entry[T]{v: clone(v), at: c.opts.Now()}
	c.mu.Lock()
	if c.gen == gen && c.listening.Load() {
		keep(kept)
	}
	c.mu.Unlock()
	return v, nil
}

// A drop names what a write may have changed.
type drop struct {
	kind  byte // dropAll, dropRealm or dropUser
	realm string
	user  string
}

const (
	dropAll   = 'A'
	dropRealm = 'R'
	dropUser  = 'U'
)

// apply drops the records named by ds from this process's memory.
func (c *core) apply(ds []drop) {
	if len(ds) == 0 {
		return
	}
	realms := map[string]bool{}
	c.mu.Lock()
	c.gen++
	for _, d := range ds {
		switch d.kind {
		case dropAll:
			c.resetLocked()
			realms[""] = true
		case dropRealm:
			c.dropRealmLocked(d.realm)
			realms[d.realm] = true
		case dropUser:
			if rd := c.realms[d.realm]; rd != nil {
				delete(rd.users, d.user)
				delete(rd.userRoles, d.user)
				delete(rd.userGroupRoles, d.user)
				for k, e := range rd.serviceAccounts {
					if e.v.ID == d.user {
						delete(rd.serviceAccounts, k)
					}
				}
			}
		}
	}
	c.mu.Unlock()
	if c.opts.OnDrop != nil {
		if realms[""] {
			c.opts.OnDrop("")
			return
		}
		for r := range realms {
			c.opts.OnDrop(r)
		}
	}
}

func (c *core) dropRealmLocked(id string) {
	delete(c.realms, id)
	delete(c.realmsByID, id)
	for name, e := range c.realmsByName {
		if e.v.ID == id {
			delete(c.realmsByName, name)
		}
	}
}

// setListening turns a multi-process cache on (empty, since it may have
// missed drops while deaf) or off.
func (c *core) setListening(on bool) {
	c.mu.Lock()
	c.resetLocked()
	c.listening.Store(on)
	c.mu.Unlock()
	if c.opts.OnDrop != nil {
		c.opts.OnDrop("")
	}
}

// capUsers keeps a realm's per-user maps under MaxUsers entries.
func capUsers[T any](c *core, m map[string]entry[T]) {
	if len(m) >= c.opts.MaxUsers {
		clear(m)
	}
}
