//go:build linux

package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// scaleBackend is one backend's run on a growing seeded realm: a
// registration run on the (nearly) empty realm, then one step per seed
// size.
type scaleBackend struct {
	Backend       string      `json:"backend"`
	GOMAXPROCS    int         `json:"gomaxprocs"`
	SearchC       int         `json:"searchConcurrency"`
	RegisterEmpty *result     `json:"registerEmpty"`
	EmptyDBBytes  int64       `json:"emptyDbBytes"`
	Steps         []scaleStep `json:"steps"`
}

// scaleStep is the server on a realm of Users seeded users.
type scaleStep struct {
	Users       int     `json:"users"`
	SeedFrom    int     `json:"seedFrom"`
	SeedSeconds float64 `json:"seedSeconds"`
	// DBBytes is the database's size after seeding: SQLite's file and
	// WAL once the store is closed (which checkpoints), PostgreSQL's
	// tables, indexes and TOAST in the schema.
	DBBytes int64   `json:"dbBytes"`
	ReadyMs float64 `json:"readyMs"`
	// IdleRSS is read 1 s after the start on the seeded data; PeakRSS is
	// the highest during the search runs; SteadyRSS 1 s after them.
	IdleRSS   int64     `json:"idleRssBytes"`
	PeakRSS   int64     `json:"searchPeakRssBytes"`
	SteadyRSS int64     `json:"steadyRssBytes"`
	Search    []*result `json:"search"`
	Register  *result   `json:"register"`
}

// scaleRun is what runScale needs to know.
type scaleRun struct {
	bin, dir, realms string
	backend, dbURL   string // dbURL: PostgreSQL, "" for SQLite in dir
	sizes            []int
	procs, searchC   int
	perLevel         time.Duration
}

func (sr scaleRun) extra() []string {
	if sr.dbURL == "" {
		return nil
	}
	return []string{"--db", "postgres", "--db-url", sr.dbURL}
}

func (sr scaleRun) load(s *server, scenario string, c int) config {
	return config{scenario: scenario, base: s.base, realm: "bench", client: "bench-service", secret: "bench-secret",
		userClient: "bench-app", adminClient: "bench-admin", adminSecret: "bench-admin-secret",
		password: "Bench-password-1", concurrency: c, count: 500000, duration: sr.perLevel, pid: s.pid()}
}

// runScale registers on the empty realm, then for each size seeds the
// realm up to it through the store (server stopped), starts the server on
// it, runs every admin-search kind, reads the RSS and registers again.
func runScale(ctx context.Context, sr scaleRun) (*scaleBackend, error) {
	out := &scaleBackend{Backend: sr.backend, GOMAXPROCS: sr.procs, SearchC: sr.searchC}
	s, err := startServer(sr.bin, sr.dir, sr.realms, sr.procs, sr.extra()...)
	if err != nil {
		return nil, err
	}
	out.RegisterEmpty, err = run(sr.load(s, "register", 4))
	s.stop()
	if err != nil {
		return nil, fmt.Errorf("%s: register on the empty realm: %w", sr.backend, err)
	}
	printResult(out.RegisterEmpty)
	if out.EmptyDBBytes, err = dbSize(ctx, sr.dir, sr.dbURL); err != nil {
		return nil, err
	}
	cred, err := seedCredential("Bench-password-1")
	if err != nil {
		return nil, err
	}
	seeded := 0
	for _, n := range sr.sizes {
		if n <= seeded {
			continue
		}
		st := scaleStep{Users: n, SeedFrom: seeded}
		took, err := seedInto(ctx, sr.dir, sr.dbURL, "bench", seeded, n, cred)
		if err != nil {
			return nil, err
		}
		seeded, st.SeedSeconds = n, took.Seconds()
		if st.DBBytes, err = dbSize(ctx, sr.dir, sr.dbURL); err != nil {
			return nil, err
		}
		fmt.Printf("%s: seeded users %d..%d in %.1f s; database %.1f MB (%.0f bytes per user)\n", sr.backend, st.SeedFrom, n,
			st.SeedSeconds, float64(st.DBBytes)/1e6, float64(st.DBBytes)/float64(n))
		s, err := startServer(sr.bin, sr.dir, "", sr.procs, sr.extra()...)
		if err != nil {
			return nil, err
		}
		st.ReadyMs = ms(s.ready)
		time.Sleep(time.Second)
		st.IdleRSS = procRSS(s.pid())
		// One administrator at a time (c=1, what the targets are judged
		// at), then sr.searchC at once.
		for _, conc := range []int{1, sr.searchC} {
			for _, kind := range searchKinds {
				c := sr.load(s, "admin-search", conc)
				c.searchKind, c.seeded = kind, n
				res, err := run(c)
				if err != nil {
					s.stop()
					return nil, fmt.Errorf("%s at %d users: admin-search %s c=%d: %w", sr.backend, n, kind, conc, err)
				}
				res.GOMAXPROCS = sr.procs
				printResult(res)
				st.Search = append(st.Search, res)
				st.PeakRSS = max(st.PeakRSS, res.ServerPeakRSS)
			}
		}
		time.Sleep(time.Second)
		st.SteadyRSS = procRSS(s.pid())
		st.Register, err = run(sr.load(s, "register", 4))
		s.stop()
		if err != nil {
			return nil, fmt.Errorf("%s at %d users: register: %w", sr.backend, n, err)
		}
		st.Register.GOMAXPROCS = sr.procs
		printResult(st.Register)
		fmt.Printf("%s at %d users: ready %.0f ms, RSS idle %.1f MB, search peak %.1f MB, steady %.1f MB\n", sr.backend, n,
			st.ReadyMs, float64(st.IdleRSS)/1e6, float64(st.PeakRSS)/1e6, float64(st.SteadyRSS)/1e6)
		out.Steps = append(out.Steps, st)
	}
	return out, nil
}

// dbSize is the database's size: SQLite's file plus its WAL (and shared
// memory index) in dir, or the relations of dbURL's schema on PostgreSQL.
func dbSize(ctx context.Context, dir, dbURL string) (int64, error) {
	if dbURL == "" {
		var n int64
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if fi, err := os.Stat(filepath.Join(dir, "latchkey.db"+suffix)); err == nil {
				n += fi.Size()
			}
		}
		return n, nil
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return 0, err
	}
	schema := u.Query().Get("search_path")
	db, err := openPG(dbURL)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	err = db.QueryRowContext(ctx, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`, schema).Scan(&n)
	return n, err
}

// newPGSchema creates an empty schema on the PostgreSQL server of base and
// returns a URL whose connections use it, and a function dropping it.
func newPGSchema(ctx context.Context, base string) (string, func(), error) {
	db, err := openPG(base)
	if err != nil {
		return "", nil, err
	}
	schema := fmt.Sprintf("lk_bench_%d", time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("creating schema: %w", err)
	}
	drop := func() {
		if _, err := db.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			fmt.Fprintf(os.Stderr, "dropping schema %s: %v\n", schema, err)
		}
		db.Close()
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// openPG opens a database/sql pool on a PostgreSQL URL (pgx).
func openPG(dbURL string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return nil, err
	}
	return stdlib.OpenDB(*cfg), nil
}

// writeRealms writes the bench realm and two copies that sign with ES256
// and EdDSA (bench-es256, bench-eddsa) into dir, for --import-realm.
func writeRealms(dir string) error {
	b, err := os.ReadFile(realmFile)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bench.json"), b, 0o644); err != nil {
		return err
	}
	for name, alg := range map[string]string{"bench-es256": "ES256", "bench-eddsa": "EdDSA"} {
		var rep map[string]any
		if err := json.Unmarshal(b, &rep); err != nil {
			return err
		}
		rep["realm"], rep["defaultSignatureAlgorithm"] = name, alg
		if err := writeJSON(filepath.Join(dir, name+".json"), rep); err != nil {
			return err
		}
	}
	return nil
}
