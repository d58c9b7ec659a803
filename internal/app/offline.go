package app

import (
	"context"
	"log/slog"
	"path/filepath"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/credential"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/store"
)

// Offline is the database and the realm service without the HTTP server:
// what the export and import commands work with.
type Offline struct {
	Store  store.Store
	Realms *realm.Service
}

// OpenOffline opens (and migrates) the store cfg names, as the server
// does, and builds the realm service on it. It creates no realm.
func OpenOffline(ctx context.Context, cfg config.Config, log *slog.Logger) (*Offline, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// The same layers as the server's: secrets sealed with the same key,
	// and, on PostgreSQL, running servers told of every change.
	a := &App{cfg: cfg, log: log, store: st}
	if err := a.layerStore(ctx); err != nil {
		return nil, err
	}
	st = a.store
	passwords := &password.Service{
		Store:         st,
		Hasher:        credential.NewHasher(0, nil),
		PolicyOptions: policy.Options{BlacklistDir: filepath.Join(cfg.DataDir, "password-blacklists")},
		Argon2:        argon2Params(cfg),
		Log:           log,
	}
	return &Offline{Store: st, Realms: &realm.Service{Store: st, Log: log, Passwords: passwords}}, nil
}

// Close releases the store.
func (o *Offline) Close() error { return o.Store.Close() }

// argon2Params are the server's argon2 options (--argon2-memory ...) as
// the password service takes them; 0 keeps each default.
func argon2Params(cfg config.Config) credential.Argon2Params {
	return credential.Argon2Params{MemoryKiB: uint32(cfg.Argon2MemoryKiB), Iterations: uint32(cfg.Argon2Iterations),
		Parallelism: uint8(cfg.Argon2Parallelism)}
}
