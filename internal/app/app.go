package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/latchkey/latchkey/internal/adminapi"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/credential"
	"github.com/latchkey/latchkey/internal/eventlog"
	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/mail"
	"github.com/latchkey/latchkey/internal/oidc"
	"github.com/latchkey/latchkey/internal/ops"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/registration"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/cache"
	"github.com/latchkey/latchkey/internal/store/postgres"
	"github.com/latchkey/latchkey/internal/store/sealed"
	"github.com/latchkey/latchkey/internal/store/sqlite"
	"github.com/latchkey/latchkey/internal/verify"
)

// App is a configured server, ready to serve.
type App struct {
	cfg       config.Config
	log       *slog.Logger
	store     store.Store
	metrics   *ops.Metrics
	keys      *signing.Keys
	passwords *password.Service
	realms    *realm.Service
	handler   http.Handler

	mailTemplates *mail.Templates
	outbox        *mail.Outbox
}

// New opens the store, bootstraps the master realm on a first start,
// imports realms and wires the handlers. A configuration problem found on
// the way (a first start without a bootstrap password under start) is a
// *config.Error.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, store: st, metrics: ops.NewMetrics()}
	if o, ok := st.(interface{ ObserveErrors(func(kind string)) }); ok {
		o.ObserveErrors(a.metrics.StoreError)
	}
	if err := a.layerStore(ctx); err != nil {
		return nil, err
	}
	st = a.store
	a.passwords = &password.Service{
		Store:         st,
		Hasher:        credential.NewHasher(0, a.metrics),
		PolicyOptions: policy.Options{BlacklistDir: filepath.Join(cfg.DataDir, "password-blacklists")},
		Argon2:        argon2Params(cfg),
		Log:           log,
	}
	a.realms = &realm.Service{Store: st, Log: log, Passwords: a.passwords}
	if err := a.bootstrap(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	if err := a.setupMail(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	a.handler = a.routes()
	return a, nil
}

// layerStore puts sealing and the cache over a.store, as the server and
// the offline commands both need them, and makes the signing-key cache
// the store cache's drops reach. It closes the store when it fails.
func (a *App) layerStore(ctx context.Context) error {
	st, err := a.withSealing(ctx, a.store)
	if err != nil {
		_ = a.store.Close()
		return err
	}
	a.keys = &signing.Keys{Store: st}
	if a.cfg.CacheTTL > 0 {
		if st, err = a.withCache(st); err != nil {
			_ = a.store.Close()
			return err
		}
	}
	a.store = st
	return nil
}

// withSealing seals client secrets and SMTP passwords at rest with the
// configured key (on SQLite, a key file made in the data directory), after
// sealing what is still in clear and checking that the key opens what is
// sealed. On PostgreSQL without a key it leaves them in clear, and refuses
// to start on a database that holds sealed values.
func (a *App) withSealing(ctx context.Context, st store.Store) (store.Store, error) {
	path, create := a.cfg.SecretsKeyFile, false
	if path == "" {
		if a.cfg.DB == config.DBPostgres {
			if err := sealed.CheckNone(ctx, st); err != nil {
				return nil, err
			}
			if a.cfg.Mode == config.Prod {
				a.log.Warn("client secrets and SMTP passwords are stored in clear in the database: " +
					"give every process the same --secrets-key-file to encrypt them")
			}
			return st, nil
		}
		if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		path, create = filepath.Join(a.cfg.DataDir, "secrets.key"), true
	}
	key, err := sealed.LoadKeyFile(path, create)
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	ss, err := sealed.New(st, key)
	if err != nil {
		return nil, err
	}
	n, err := ss.SealAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("secrets key %s: %w", path, err)
	}
	if n > 0 {
		a.log.Info("encrypted secrets stored in clear", "count", n)
	}
	return ss, nil
}

// withCache puts the in-memory cache in front of st; on PostgreSQL the
// processes sharing the database tell each other what they changed.
func (a *App) withCache(st store.Store) (store.Store, error) {
	opts := cache.Options{TTL: a.cfg.CacheTTL, OnDrop: a.keys.Drop}
	var n *cache.PostgresNotifier
	if a.cfg.DB == config.DBPostgres {
		pc, err := postgres.ConnConfig(a.cfg.DBURL)
		if err != nil {
			return nil, err
		}
		n = cache.NewPostgresNotifier(pc, a.log)
		opts.Notifier = n
	}
	cs := cache.New(st, opts, a.log)
	if n != nil {
		n.Start(cs)
		cs.OnClose(n.Close)
	}
	return cs, nil
}

func openStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	if cfg.DB == config.DBPostgres {
		st, err := postgres.Open(ctx, cfg.DBURL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		return st, nil
	}
	if cfg.DBURL == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
	}
	st, err := sqlite.Open(ctx, cfg.SQLitePath(), sqlite.WithDurableCommits(cfg.SQLiteDurable))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", cfg.SQLitePath(), err)
	}
	return st, nil
}

func (a *App) bootstrap(ctx context.Context) error {
	realms := a.realms
	exists, err := realms.MasterExists(ctx)
	if err != nil {
		return err
	}
	if !exists {
		if err := a.cfg.FirstStartProblem(); err != nil {
			return err
		}
		password := a.cfg.BootstrapAdminPassword
		if password == "" {
			password = "admin"
			a.log.Warn("no bootstrap admin password given: the master realm's admin password is \"admin\"; "+
				"set LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD before anyone else can reach this server",
				"username", a.cfg.BootstrapAdminUsername)
		}
		created, err := realms.EnsureMaster(ctx, a.cfg.BootstrapAdminUsername, password)
		if err != nil {
			return fmt.Errorf("create master realm: %w", err)
		}
		if created {
			a.log.Info("created master realm and bootstrap admin", "username", a.cfg.BootstrapAdminUsername)
		}
	}
	if a.cfg.ImportRealm != "" {
		if err := importRealms(ctx, realms, a.log, a.cfg.ImportRealm); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	(&ops.Health{DB: a.store, Metrics: a.metrics}).Mount(mux)
	events := &eventlog.Recorder{Store: a.store, Counter: a.metrics, Log: a.log}
	tokens := &oidc.Handler{Store: a.store, Keys: a.keys, Passwords: a.passwords, Log: a.log,
		Hostname: a.cfg.Hostname, Events: events, ProxyHeaders: a.cfg.ProxyHeaders}
	tokens.Mount(mux)
	verifier := &verify.Service{Store: a.store, Keys: a.keys, Templates: a.mailTemplates, Outbox: a.outbox,
		Events: events, Log: a.log, Hostname: a.cfg.Hostname, ProxyHeaders: a.cfg.ProxyHeaders}
	verifier.Routes(mux)
	a.outbox.GaveUp = verifier.DeliveryFailed
	(&registration.Handler{Store: a.store, Passwords: a.passwords, Events: events, Logins: tokens,
		Verify: verifier, Metrics: a.metrics, Log: a.log, Hostname: a.cfg.Hostname,
		ProxyHeaders: a.cfg.ProxyHeaders}).Mount(mux)
	(&adminapi.Handler{Store: a.store, Keys: a.keys, Realms: a.realms, Passwords: a.passwords,
		Verify: verifier, Log: a.log, Hostname: a.cfg.Hostname}).Mount(mux)
	return httpapi.Wrap(mux, a.log, a.metrics)
}

// Handler is the server's root handler, for tests and embedding.
func (a *App) Handler() http.Handler { return a.handler }

// Store is the open store, for tests.
func (a *App) Store() store.Store { return a.store }

// Serve answers on ln until ctx ends, then stops accepting, lets in-flight
// requests finish within the shutdown timeout, and closes the store.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: a.cfg.ReadHeaderTimeout,
		ReadTimeout:       a.cfg.ReadTimeout,
		WriteTimeout:      a.cfg.WriteTimeout,
		IdleTimeout:       a.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	if a.cfg.PprofAddr != "" {
		stopPprof, err := a.startPprof(a.cfg.PprofAddr)
		if err != nil {
			_ = ln.Close()
			_ = a.store.Close()
			return fmt.Errorf("--debug-pprof-addr: %w", err)
		}
		defer stopPprof()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	workers, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorkers()
	go a.sweepSessions(workers)
	stopOutbox := a.startOutbox(workers)
	select {
	case err := <-errc:
		stopOutbox()
		_ = a.store.Close()
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down", "timeout", a.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		a.log.Warn("in-flight requests did not finish in time; closing them")
		_ = srv.Close()
		err = nil
	}
	stopOutbox()
	if cerr := a.store.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close releases the store of an App that is not serving.
func (a *App) Close() error { return a.store.Close() }

// Run builds the app, listens on the configured address and serves until
// ctx ends.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	start := time.Now()
	a, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.HTTPHost, strconv.Itoa(cfg.HTTPPort)))
	if err != nil {
		_ = a.Close()
		return err
	}
	log.Info("latchkey ready", "address", ln.Addr().String(), "db", cfg.DB,
		"startup_ms", time.Since(start).Milliseconds())
	return a.Serve(ctx, ln)
}

// Realms is the realm service, for tests and embedding.
func (a *App) Realms() *realm.Service { return a.realms }
