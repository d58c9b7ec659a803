//go:build linux

package main

import (
	"fmt"
	"path/filepath"
	"time"
)

// benchLoad is the load of scenario on the bench realm of s.
func benchLoad(s *server, scenario string, c int, d time.Duration) config {
	return config{scenario: scenario, base: s.base, realm: "bench", client: "bench-service", secret: "bench-secret",
		userClient: "bench-app", adminClient: "bench-admin", adminSecret: "bench-admin-secret",
		password: "Bench-password-1", concurrency: c, count: 500000, duration: d, pid: s.pid()}
}

// owaspC is the concurrency of the OWASP registration runs (the issue's).
const owaspC = 16

// runOWASP registers at concurrency 16 on a server started with OWASP's
// argon2id parameters (--argon2-memory 19456 --argon2-iterations 2
// --argon2-parallelism 1), once per GOMAXPROCS.
func runOWASP(bin, tmp, realms string, procs []int, d time.Duration) ([]*result, error) {
	var out []*result
	for _, p := range procs {
		s, err := startServer(bin, filepath.Join(tmp, fmt.Sprintf("owasp-%d", p)), realms, p, owaspArgs...)
		if err != nil {
			return nil, err
		}
		res, err := run(benchLoad(s, "register", owaspC, d))
		s.stop()
		if err != nil {
			return nil, fmt.Errorf("OWASP register at GOMAXPROCS=%d: %w", p, err)
		}
		res.Scenario, res.GOMAXPROCS = "register-owasp", p
		printResult(res)
		out = append(out, res)
	}
	return out, nil
}

// keyRealms are the realms of writeRealms that sign with other keys.
var keyRealms = []struct{ realm, alg string }{{"bench-es256", "ES256"}, {"bench-eddsa", "EdDSA"}}

// runKeys runs client_credentials on the ES256 and EdDSA realms at each
// of levels, once per GOMAXPROCS.
func runKeys(bin, tmp, realms string, procs, levels []int, d time.Duration) ([]*result, error) {
	var out []*result
	for _, p := range procs {
		s, err := startServer(bin, filepath.Join(tmp, fmt.Sprintf("keys-%d", p)), realms, p)
		if err != nil {
			return nil, err
		}
		for _, k := range keyRealms {
			for _, c := range levels {
				cfg := benchLoad(s, "client-credentials", c, d)
				cfg.realm = k.realm
				res, err := run(cfg)
				if err != nil {
					s.stop()
					return nil, fmt.Errorf("client-credentials on %s: %w", k.realm, err)
				}
				res.Scenario, res.GOMAXPROCS = "client-credentials/"+k.alg, p
				printResult(res)
				out = append(out, res)
			}
		}
		s.stop()
	}
	return out, nil
}
