//go:build linux

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"
)

// pgScenarios are the scenarios run with the server on PostgreSQL.
var pgScenarios = []string{"register", "login", "client-credentials", "refresh"}

// pgLevels are their concurrency levels.
var pgLevels = []int{4, 16}

// pgReport is everything measured with the server on PostgreSQL.
type pgReport struct {
	GOMAXPROCS int           `json:"gomaxprocs"`
	Runs       []*result     `json:"runs"`
	Horizontal []horizontal  `json:"horizontal"`
	Scale      *scaleBackend `json:"scale,omitempty"`
}

// horizontal is one scenario against one latchkey process and against
// two processes on the same database, workers assigned round-robin; every
// process runs with GOMAXPROCS=1.
type horizontal struct {
	Scenario string  `json:"scenario"`
	One      *result `json:"one"`
	Two      *result `json:"two"`
}

// runPostgres runs the main scenarios on a server using a fresh schema of
// base, then one against two processes on that schema, then the seeded
// realm (in another fresh schema). Schemas are dropped afterwards.
func runPostgres(ctx context.Context, bin, tmp, realms, base string, procs int, d time.Duration, users int) (*pgReport, error) {
	out := &pgReport{GOMAXPROCS: procs}
	dbURL, drop, err := newPGSchema(ctx, base)
	if err != nil {
		return nil, err
	}
	defer drop()
	pg := []string{"--db", "postgres", "--db-url", dbURL}
	s, err := startServer(bin, filepath.Join(tmp, "pg-main"), realms, procs, pg...)
	if err != nil {
		return nil, err
	}
	for _, sc := range pgScenarios {
		for _, c := range pgLevels {
			res, err := run(benchLoad(s, sc, c, d))
			if err != nil {
				s.stop()
				return nil, fmt.Errorf("postgres %s c=%d: %w", sc, c, err)
			}
			res.GOMAXPROCS = procs
			printResult(res)
			out.Runs = append(out.Runs, res)
		}
	}
	s.stop()

	s1, err := startServer(bin, filepath.Join(tmp, "pg-1"), "", 1, pg...)
	if err != nil {
		return nil, err
	}
	defer s1.stop()
	for _, sc := range pgScenarios {
		one, err := run(benchLoad(s1, sc, 16, d))
		if err != nil {
			return nil, fmt.Errorf("postgres one process %s: %w", sc, err)
		}
		one.GOMAXPROCS = 1
		printResult(one)
		out.Horizontal = append(out.Horizontal, horizontal{Scenario: sc, One: one})
	}
	s2, err := startServer(bin, filepath.Join(tmp, "pg-2"), "", 1, pg...)
	if err != nil {
		return nil, err
	}
	defer s2.stop()
	for i, sc := range pgScenarios {
		cfg := benchLoad(s1, sc, 16, d)
		cfg.extraBases, cfg.extraPIDs = []string{s2.base}, []int{s2.pid()}
		two, err := run(cfg)
		if err != nil {
			return nil, fmt.Errorf("postgres two processes %s: %w", sc, err)
		}
		two.GOMAXPROCS = 1
		printResult(two)
		out.Horizontal[i].Two = two
	}
	s1.stop()
	s2.stop()

	scaleURL, dropScale, err := newPGSchema(ctx, base)
	if err != nil {
		return nil, err
	}
	defer dropScale()
	out.Scale, err = runScale(ctx, scaleRun{bin: bin, dir: filepath.Join(tmp, "pg-scale"), realms: realms, backend: "postgres",
		dbURL: scaleURL, sizes: []int{users}, procs: procs, searchC: 4, perLevel: d})
	if err != nil {
		return nil, err
	}
	return out, nil
}
