package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Store is a store.Store with a cache in front of its hot reads. Methods it
// does not define pass through to the wrapped store unchanged.
type Store struct {
	store.Store
	c   *core
	tx  *pending // non-nil inside InTx: reads bypass the cache
	own *owner   // the top-level Store's process identity and notifier
}

type owner struct {
	nonce   string
	log     *slog.Logger
	closers []func()
}

// pending collects a transaction's drops until it ends.
type pending struct {
	mu    sync.Mutex
	drops []drop
}

// New wraps inner. With opts.Notifier set, the cache serves nothing until
// Listening(true) (the notifier's listener calls it once it listens).
func New(inner store.Store, opts Options, log *slog.Logger) *Store {
	var b [8]byte
	_, _ = rand.Read(b[:])
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{Store: inner, c: newCore(opts), own: &owner{nonce: hex.EncodeToString(b[:]), log: log}}
}

// Stats reports how many reads were answered from memory and from the
// database.
func (s *Store) Stats() (hits, misses uint64) { return s.c.hits.Load(), s.c.misses.Load() }

// Listening turns the cache on (empty) when the process hears the other
// processes' drops, and off when it stops hearing them.
func (s *Store) Listening(on bool) { s.c.setListening(on) }

// Receive applies a message another process published. Messages this
// process published itself are ignored; a message it cannot read drops
// everything.
func (s *Store) Receive(msg string) {
	nonce, body, _ := strings.Cut(msg, "\n")
	if nonce == s.own.nonce {
		return
	}
	ds, ok := decode(body)
	if !ok {
		ds = []drop{{kind: dropAll}}
	}
	s.c.apply(ds)
}

// InTx runs fn in a transaction of the wrapped store. Reads inside it go
// to the database; its drops are applied when it ends.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	if s.tx != nil {
		return s.Store.InTx(ctx, func(tx store.Store) error {
			return fn(&Store{Store: tx, c: s.c, tx: s.tx, own: s.own})
		})
	}
	p := &pending{}
	err := s.Store.InTx(ctx, func(tx store.Store) error {
		return fn(&Store{Store: tx, c: s.c, tx: p, own: s.own})
	})
	p.mu.Lock()
	ds := p.drops
	p.mu.Unlock()
	s.flush(ctx, ds)
	return err
}

// changed records what a write may have changed: at once outside a
// transaction, at its end inside one.
func (s *Store) changed(ctx context.Context, d drop) {
	if s.tx != nil {
		s.tx.mu.Lock()
		s.tx.drops = append(s.tx.drops, d)
		s.tx.mu.Unlock()
		return
	}
	s.flush(ctx, []drop{d})
}

// flush applies drops here and tells the other processes.
func (s *Store) flush(ctx context.Context, ds []drop) {
	if len(ds) == 0 {
		return
	}
	s.c.apply(ds)
	n := s.c.opts.Notifier
	if n == nil {
		return
	}
	msg := s.own.nonce + "\n" + encode(ds)
	if len(msg) > maxMessage {
		msg = s.own.nonce + "\n" + encode([]drop{{kind: dropAll}})
	}
	// The write has committed whatever happens here; the context may be
	// done (a client that went away) but the others must still hear.
	if err := n.Publish(context.WithoutCancel(ctx), msg); err != nil {
		s.own.log.Error("cache: telling other processes of a change failed; they may serve the old records until the cache TTL",
			"err", err, "ttl", s.c.opts.TTL)
	}
}

// maxMessage stays under PostgreSQL's 8000-byte NOTIFY payload limit.
const maxMessage = 7900

func encode(ds []drop) string {
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteByte(d.kind)
		b.WriteByte('\t')
		b.WriteString(d.realm)
		b.WriteByte('\t')
		b.WriteString(d.user)
	}
	return b.String()
}

func decode(body string) ([]drop, bool) {
	var ds []drop
	for line := range strings.SplitSeq(body, "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 || len(f[0]) != 1 {
			return nil, false
		}
		switch k := f[0][0]; k {
		case dropAll, dropRealm, dropUser:
			ds = append(ds, drop{kind: k, realm: f[1], user: f[2]})
		default:
			return nil, false
		}
	}
	return ds, len(ds) > 0
}

func realmChanged(realmID string) drop { return drop{kind: dropRealm, realm: realmID} }

func userChanged(realmID, userID string) drop {
	return drop{kind: dropUser, realm: realmID, user: userID}
}

func cloneRealm(r *model.Realm) *model.Realm    { return r.Clone() }
func cloneClient(c *model.Client) *model.Client { return c.Clone() }
func cloneUser(u *model.User) *model.User       { return u.Clone() }

var _ store.Store = (*Store)(nil)

// Optimize runs the wrapped store's housekeeping when it has any.
func (s *Store) Optimize(ctx context.Context) error {
	if o, ok := s.Store.(interface{ Optimize(context.Context) error }); ok {
		return o.Optimize(ctx)
	}
	return nil
}

// OnClose registers fn to run when the store closes (a notifier to stop).
func (s *Store) OnClose(fn func()) { s.own.closers = append(s.own.closers, fn) }

// Close stops what OnClose registered, then closes the wrapped store.
func (s *Store) Close() error {
	for _, fn := range s.own.closers {
		fn()
	}
	s.own.closers = nil
	return s.Store.Close()
}

// Serving reports whether reads may be answered from memory: always for a
// single process, only while listening for a multi-process one.
func (s *Store) Serving() bool { return s.c.listening.Load() }

// Unwrap returns the store the cache wraps, for tools that need the
// database itself (benchmarks reaching the SQL pool).
func (s *Store) Unwrap() store.Store { return s.Store }
