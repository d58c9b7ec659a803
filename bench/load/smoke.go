//go:build linux

package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// smokeMain runs every scenario briefly at low concurrency against a fresh
// start-dev and fails on any error, never on speed: a CI check that the
// scenarios and the endpoints they drive still work together.
func smokeMain(args []string) int {
	fs := flag.NewFlagSet("smoke", flag.ExitOnError)
	d := fs.Duration("d", 2*time.Second, "time per scenario")
	c := fs.Int("c", 2, "concurrency")
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
	s, err := startServer(bin, filepath.Join(tmp, "data"), realmFile, 2)
	if err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		return 1
	}
	defer s.stop()
	failed := 0
	for _, sc := range scenarios {
		res, err := run(config{scenario: sc, base: s.base, realm: "bench", client: "bench-service", secret: "bench-secret",
			userClient: "bench-app", adminClient: "bench-admin", adminSecret: "bench-admin-secret",
			password: "Bench-password-1", concurrency: *c, count: 20000, duration: *d, pid: s.pid()})
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
		fmt.Fprintf(os.Stderr, "smoke: %d of %d scenarios failed; server log:\n%s\n", failed, len(scenarios), s.log.String())
		return 1
	}
	fmt.Println("smoke: all scenarios ran without errors")
	return 0
}
