package testenv

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Bootstrap admin of test servers.
const (
	AdminUser     = "admin"
	AdminPassword = "admin-pw"
)

// Server is the whole latchkey app behind a real HTTP listener on
// loopback, on a store of the test's own.
type Server struct {
	URL   string
	App   *app.App
	Store store.Store
	t     testing.TB
}

// NewServer starts latchkey in start-dev mode on SQLite in a temporary
// directory. Options change the configuration before start.
func NewServer(t testing.TB, opts ...func(*config.Config)) *Server {
	t.Helper()
	cfg := config.Default(config.Dev)
	cfg.DataDir = t.TempDir()
	cfg.BootstrapAdminUsername = AdminUser
	cfg.BootstrapAdminPassword = AdminPassword
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.New(context.Background(), cfg, Logger(t))
	if err != nil {
		t.Fatalf("start latchkey: %v", err)
	}
	hs := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		hs.Close()
		_ = a.Close()
	})
	return &Server{URL: hs.URL, App: a, Store: a.Store(), t: t}
}

// OnPostgres configures a server on a PostgreSQL schema of the test's own
// (skipping the test when PostgresEnv is unset).
func OnPostgres(t testing.TB) func(*config.Config) {
	url := PostgresURL(t)
	return func(c *config.Config) {
		c.DB = config.DBPostgres
		c.DBURL = url
	}
}

// EachServer runs fn on a server on every backend.
func EachServer(t *testing.T, fn func(t *testing.T, s *Server)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, NewServer(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, NewServer(t, OnPostgres(t))) })
}

// ImportRealm creates a realm from Keycloak RealmRepresentation JSON, the
// way --import-realm does.
func (s *Server) ImportRealm(realmJSON string) *model.Realm {
	s.t.Helper()
	var rep kcrep.RealmRepresentation
	if err := json.Unmarshal([]byte(realmJSON), &rep); err != nil {
		s.t.Fatalf("realm JSON: %v", err)
	}
	r, err := s.App.Realms().Import(context.Background(), &rep)
	if err != nil {
		s.t.Fatalf("import realm %s: %v", rep.Realm, err)
	}
	return r
}

// Realm loads a realm by name.
func (s *Server) Realm(name string) *model.Realm {
	s.t.Helper()
	r, err := s.Store.GetRealmByName(context.Background(), name)
	if err != nil {
		s.t.Fatalf("realm %s: %v", name, err)
	}
	return r
}
