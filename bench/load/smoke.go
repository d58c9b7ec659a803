//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// smokeMain runs every scenario briefly at low concurrency against a fresh
// start-dev and fails on any error, never on speed: a CI check that the
// scenarios and the endpoints they drive still work together.
func smokeMain(args []string) int {
	fs := flag.NewFlagSet("smoke", flag.ExitOnError)
	d := fs.Duration("d", 2*time.Second, "time per scenario")
	c := fs.Int("c", 2, "concurrency")
	seed := fs.Int("seed", 2000, "users seeded through the store for admin-search")
	_ = fs.Parse(args)
	if _, err := os.Stat(realmFile); err != nil {
		fmt.Fprintln(os.Stderr, "smoke: run from the repository root:", err)
		return 2
	}
	tmp, err := os.MkdirTemp("", "latchkey-smoke-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	bin, err := buildLatchkey(tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		return 1
	}
	s, err := seededServer(bin, tmp, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		return 1
	}
	defer s.stop()
	failed := 0
	for _, sc := range append(slices.Clone(scenarios), "admin-search") {
		res, err := run(config{scenario: sc, base: s.base, realm: "bench", client: "bench-service", secret: "bench-secret",
			userClient: "bench-app", adminClient: "bench-admin", adminSecret: "bench-admin-secret",
			password: "Bench-password-1", concurrency: *c, count: 20000, duration: *d, pid: s.pid(),
			searchKind: "all", seeded: *seed})
		switch {
		case err != nil:
			fmt.Fprintf(os.Stderr, "smoke: %s: %v\n", sc, err)
			failed++
		case len(res.Errors) > 0 || res.OK == 0:
			printResult(res)
			fmt.Fprintf(os.Stderr, "smoke: %s: %d ok, errors %v\n", sc, res.OK, res.Errors)
			failed++
		default:
			printResult(res)
		}
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "smoke: %d of %d scenarios failed; server log:\n%s\n", failed, len(scenarios)+1, s.log.String())
		return 1
	}
	fmt.Println("smoke: all scenarios ran without errors")
	return 0
}

// seededServer starts a server that imports the bench realms, stops it,
// seeds n users into bench through the store, and starts it again on
// that data.
func seededServer(bin, tmp string, n int) (*server, error) {
	realms, dir := filepath.Join(tmp, "realms"), filepath.Join(tmp, "data")
	if err := writeRealms(realms); err != nil {
		return nil, err
	}
	s, err := startServer(bin, dir, realms, 2)
	if err != nil {
		return nil, err
	}
	s.stop()
	cred, err := seedCredential("Bench-password-1")
	if err != nil {
		return nil, err
	}
	took, err := seedInto(context.Background(), dir, "", "bench", 0, n, cred)
	if err != nil {
		return nil, err
	}
	fmt.Printf("smoke: seeded %d users in %.1f s\n", n, took.Seconds())
	return startServer(bin, dir, "", 2)
}
