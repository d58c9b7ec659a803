package crashtest_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store/dbtest"
)

// Environment of the longer form.
const (
	// killsEnv sets the number of SIGKILLs per backend (default
	// defaultKills, the bounded form CI runs).
	killsEnv = "LATCHKEY_CRASH_KILLS"
	// seedEnv replays a run's choices (which users, when to kill); the
	// timing of a real process makes a replay close, not identical.
	seedEnv      = "LATCHKEY_CRASH_SEED"
	defaultKills = 4
)

// TestCrashSafety kills `latchkey start` with SIGKILL at random moments
// under concurrent registrations and admin creations, restarts it on the
// same database each time, and then checks every promise about the users
// and the verification mails (see check).
func TestCrashSafety(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		crashRun(t, "sqlite", filepath.Join(t.TempDir(), "latchkey.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		crashRun(t, "postgres", dbtest.PostgresURL(t))
	})
}

// crashConfig is one backend's run.
type crashConfig struct {
	db, dbURL string
	kills     int
	long      bool // the longer form: also wait out the leases of mails a kill interrupted
	seed      uint64
}

func crashRun(t *testing.T, db, dbURL string) {
	cfg := crashConfig{db: db, dbURL: dbURL, kills: defaultKills, seed: uint64(time.Now().UnixNano())}
	if v := os.Getenv(killsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", killsEnv, v)
		}
		cfg.kills, cfg.long = n, true
	}
	if v := os.Getenv(seedEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: want a number", seedEnv, v)
		}
		cfg.seed = n
	}
	t.Logf("%s: %d kills, seed %d (%s=%d replays the choices)", db, cfg.kills, cfg.seed, seedEnv, cfg.seed)

	sk := startSink(t)
	p := newProcess(t, db, dbURL, writeRealm(t, sk))
	l := newLedger(cfg.seed)
	rnd := rand.New(rand.NewPCG(cfg.seed, 1))

	ctx, stopLoad := context.WithCancel(context.Background())
	defer stopLoad()
	workers := load(ctx, p, l, 3, 2)
	underLoad, early, beforeReady := 0, 0, 0
	for i := range cfg.kills {
		p.start()
		// Every fifth kill, the first among them, lands anywhere in the
		// first 400 ms of a run: in the migrations, the bootstrap of the
		// master realm or the realm import on a first start, or just
		// after the server is ready. The others kill a ready server
		// after 150 ms to 1.2 s of load.
		if i%5 == 0 {
			time.Sleep(time.Duration(rnd.Int64N(int64(400 * time.Millisecond))))
			early++
		} else {
			p.waitReady()
			time.Sleep(150*time.Millisecond + time.Duration(rnd.Int64N(int64(1050*time.Millisecond))))
			underLoad++
		}
		if p.exited() {
			t.Fatalf("latchkey run %d exited on its own\n%s", p.runs, p.tail())
		}
		p.kill()
		if !p.logged("latchkey ready") {
			beforeReady++
		}
	}
	p.start()
	p.waitReady()
	time.Sleep(300 * time.Millisecond) // some load on the last run too
	stopLoad()
	workers.Wait()
	retried := retryUnknown(t, p, l)
	t.Logf("%s: survived %d kills (%d under load, %d in the first 400 ms of a run, %d of them before it was ready), "+
		"%d attempts, %d unknown outcomes retried", db, cfg.kills, underLoad, early, beforeReady, len(l.snapshot())-retried, retried)

	check(t, p, l, sk, cfg)
	checkLogs(t, p, db)
}

// checkLogs fails on a panic in any run's log and shows the runs' error
// lines, which a kill may explain but a reader should see.
func checkLogs(t *testing.T, p *process, db string) {
	logs := p.logs()
	if i := strings.Index(logs, "panic:"); i >= 0 {
		t.Errorf("a run panicked:\n%.2000s", logs[i:])
	}
	var errs []string
	for line := range strings.Lines(logs) {
		if strings.Contains(line, "level=ERROR") {
			errs = append(errs, line)
		}
	}
	t.Logf("%s: %d runs, %d error lines in their logs", db, p.runs, len(errs))
	for _, line := range errs[:min(len(errs), 10)] {
		t.Logf("  %s", strings.TrimSpace(line))
	}
}

// retryUnknown sends again, as a client would, every attempt whose answer
// was lost to a kill, and returns how many.
func retryUnknown(t *testing.T, p *process, l *ledger) int {
	t.Helper()
	token, r := tokenFor(context.Background(), p.base, realmName, url.Values{"grant_type": {"client_credentials"},
		"client_id": {serviceClient}, "client_secret": {serviceSecret}})
	if token == "" {
		t.Fatalf("client_credentials after the last restart: %d %s %v", r.Status, r.Body, r.Err)
	}
	var unknown []*attempt
	for _, a := range l.snapshot() {
		if a.Status == statusUnknown {
			unknown = append(unknown, a)
		}
	}
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, a := range unknown {
		b := l.retry(a)
		b.Run = p.runs
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			send(context.Background(), p.base, b, token)
		})
	}
	wg.Wait()
	return len(unknown)
}

// writeRealm writes the realm imported at every start: registration on,
// email verification on through the sink, no registration rate limits
// (the load comes from one address), a public client for the password
// grant, and a confidential client whose service account may create users.
func writeRealm(t *testing.T, sk *sink) string {
	t.Helper()
	realm := map[string]any{
		"realm":                 realmName,
		"enabled":               true,
		"registrationAllowed":   true,
		"verifyEmail":           true,
		"loginWithEmailAllowed": true,
		"passwordPolicy":        "length(8) and digits(1) and notUsername",
		"smtpServer":            sk.settings(),
		"attributes": map[string]string{
			"registrationRateLimitPerAddress": "0",
			"registrationRateLimitPerRealm":   "0",
		},
		"clients": []map[string]any{
			{"clientId": "mobile-app", "publicClient": true, "directAccessGrantsEnabled": true,
				"standardFlowEnabled": false},
			{"clientId": serviceClient, "publicClient": false, "secret": serviceSecret,
				"serviceAccountsEnabled": true, "standardFlowEnabled": false, "directAccessGrantsEnabled": false},
		},
		"users": []map[string]any{
			{"username": "service-account-" + serviceClient, "enabled": true, "serviceAccountClientId": serviceClient,
				"clientRoles": map[string][]string{"realm-management": {"create-users"}}},
		},
	}
	b, err := json.MarshalIndent(realm, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "realm-shop.json")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}
