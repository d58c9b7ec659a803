//go:build linux

package main

import (
	"context"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store/sqlite"
)

// fakeData is a report without measuring anything.
func fakeData() *reportData {
	d := &reportData{Machine: machineInfo(), Started: time.Now(), Finished: time.Now(), PerLevel: 1}
	for _, n := range []string{"argon2id m=7168 KiB t=5 p=1 (one hash)", "argon2id m=19456 KiB t=2 p=1 (OWASP)", "SQLite insert: user",
		"RS256 sign", "ES256 sign", "EdDSA sign", "HS512 sign", "RS256 verify", "HS512 verify"} {
		d.Limits = append(d.Limits, limit{Name: n, Micros: 100, PerCore: 1e4})
	}
	for _, p := range []int{1, 2} {
		pr := procsResult{GOMAXPROCS: p, ReadyEmptyMs: []float64{100}, ReadyExistMs: []float64{10}}
		for _, sc := range scenarios {
			for _, c := range levels(sc) {
				pr.Runs = append(pr.Runs, &result{Scenario: sc, Concurrency: c, OK: 10, PerSecond: float64(10 * c),
					P99ms: float64(c), PerCPUSecond: 50, Errors: map[string]int{}})
			}
		}
		d.Procs = append(d.Procs, pr)
	}
	return d
}

// fullData adds every optional section: OWASP, other keys, a seeded
// realm on both backends and the PostgreSQL runs.
func fullData() *reportData {
	d := fakeData()
	mk := func(sc string, p, c int, perCPU float64, rss int64) *result {
		return &result{Scenario: sc, GOMAXPROCS: p, Concurrency: c, Requests: 100, OK: 100, PerSecond: 50, PerCPUSecond: perCPU,
			P50ms: 1, P99ms: 2, ServerPeakRSS: rss, Seconds: 2, ServerCPU: 1, GeneratorCPU: 0.5, MachineCPU: 3.5, Errors: map[string]int{}}
	}
	d.OWASP = []*result{mk("register-owasp", 1, 16, 45, 90e6), mk("register-owasp", 2, 16, 44, 120e6)}
	d.Keys = []*result{mk("client-credentials/ES256", 1, 4, 2000, 0), mk("client-credentials/EdDSA", 1, 4, 2100, 0)}
	scale := func(backend string, sizes ...int) *scaleBackend {
		sb := &scaleBackend{Backend: backend, GOMAXPROCS: 2, SearchC: 4, RegisterEmpty: mk("register", 2, 4, 50, 0)}
		from := 0
		for _, n := range sizes {
			st := scaleStep{Users: n, SeedFrom: from, SeedSeconds: 1, DBBytes: int64(n) * 1500, ReadyMs: 20, IdleRSS: 30e6,
				PeakRSS: 60e6, SteadyRSS: 50e6, Register: mk("register", 2, 4, 44, 0)}
			for _, k := range searchKinds {
				st.Search = append(st.Search, mk("admin-search/"+k, 2, 4, 100, 50e6))
			}
			sb.Steps, from = append(sb.Steps, st), n
		}
		return sb
	}
	d.Scale = []*scaleBackend{scale("sqlite", 100000, 1000000)}
	d.Postgres = &pgReport{GOMAXPROCS: 2, Scale: scale("postgres", 100000)}
	for _, sc := range pgScenarios {
		for _, c := range pgLevels {
			d.Postgres.Runs = append(d.Postgres.Runs, mk(sc, 2, c, 40, 0))
		}
		two := mk(sc, 1, 16, 40, 0)
		two.PerSecond, two.Servers = 85, 2
		d.Postgres.Horizontal = append(d.Postgres.Horizontal, horizontal{Scenario: sc, One: mk(sc, 1, 16, 40, 0), Two: two})
	}
	return d
}

// Every section renders from full data, targets are judged from the
// figures (met and missed both show), quoted peer figures are labelled as
// quoted, and every SVG is well-formed.
func TestReportRendersEverySection(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "BENCHMARKS.md")
	if err := writeReport(fullData(), out, filepath.Join(dir, "bench")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	doc := string(b)
	for _, want := range []string{
		"### Admin search on a seeded realm", "| sqlite | 1,000,000 | infix-email |", "| postgres | 100,000 | count |",
		"### Memory, database size and registration at scale", "| 1500 B |", "| 0.88 | **no** |",
		"### Registration at OWASP's argon2id parameters", "≥ 44.2 per core",
		"| 1 | 16 | 100 | 50.0 | 1.0 | 2.0 | 0 | 45.0 | 22.2 ms |",
		"### client_credentials on ES256 and EdDSA realms", "| 1 | ES256 | 4 |",
		"### PostgreSQL", "#### Two latchkey processes on one database", "| 1.70× | yes |", "1.70 (≥ 1.6)",
		"### Peers (quoted figures, not measured by this command)", "ORY Kratos v26.2.0 (quoted)", "| 30.5 |",
		"client_credentials, ES256 realm, ≥ 10,000 per CPU-second (GOMAXPROCS=1, c=4) | 2,000 (0.20) | **no** |",
		"![memory](bench/peers-memory.svg)",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(doc, "Not measured by this run") {
		t.Error("a full run claims a part was not measured")
	}
	svgs, _ := filepath.Glob(filepath.Join(dir, "bench", "*.svg"))
	if len(svgs) != len(scenarios)+2 {
		t.Errorf("%d SVGs: %v", len(svgs), svgs)
	}
	for _, f := range svgs {
		wellFormed(t, f)
	}
	peers, _ := os.ReadFile(filepath.Join(dir, "bench", "peers-memory.svg"))
	if !strings.Contains(string(peers), "Keycloak base per pod (quoted)") || !strings.Contains(string(peers), "not measured by this command") {
		t.Errorf("memory chart does not mark quoted figures:\n%s", peers)
	}
	login, _ := os.ReadFile(filepath.Join(dir, "bench", "login.svg"))
	if !strings.Contains(string(login), "quoted: Keycloak sizing guide 15.0/s per vCPU × 2") {
		t.Error("login plot lacks Keycloak's quoted sizing line")
	}
	// A run without the optional parts says what it left out.
	if err := writeReport(fakeData(), out, filepath.Join(dir, "bench")); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(out)
	if !strings.Contains(string(b), "Not measured by this run: OWASP-parameter registration; ES256/EdDSA realms;") {
		t.Errorf("a main-only report does not list what it left out")
	}
}

func wellFormed(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	for {
		if _, err := dec.Token(); err == io.EOF {
			return
		} else if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", path, err)
		}
	}
}

func TestWriteReportKeepsTheRestOfTheDocument(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "BENCHMARKS.md")
	before := "# Benchmarks\n\n## Hand-written\n\nkept\n"
	if err := os.WriteFile(out, []byte(before+"\n"+beginMark+"\nold\n"+endMark+"\n\n## After\n\nalso kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 { // twice: the second run replaces the first's region
		if err := writeReport(fakeData(), out, filepath.Join(dir, "bench")); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(out)
	doc := string(b)
	for _, want := range []string{before, "## After\n\nalso kept\n", "## Load report", "![register](bench/register.svg)"} {
		if !strings.Contains(doc, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(doc, "\nold\n") || strings.Count(doc, "<!-- report:begin") != 1 {
		t.Errorf("region not replaced exactly once:\n%s", doc)
	}
	for _, sc := range scenarios {
		wellFormed(t, filepath.Join(dir, "bench", sc+".svg"))
	}
}

func TestLimitFor(t *testing.T) {
	d := fakeData()
	for sc, ops := range map[string]float64{"register": 2, "register-owasp": 2, "login": 3, "client-credentials": 1,
		"client-credentials/ES256": 1, "client-credentials/EdDSA": 1, "refresh": 3, "userinfo": 1} {
		got, _ := limitFor(sc, d.Limits)
		if want := 1e6 / (100 * ops); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: limit %v, want %v", sc, got, want)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	for u, ok := range map[string]bool{"http://127.0.0.1:8080": true, "http://localhost:1": true, "http://[::1]:2": true,
		"http://example.com": false, "http://10.0.0.1:80": false} {
		if err := checkLoopback(u); (err == nil) != ok {
			t.Errorf("checkLoopback(%s) = %v", u, err)
		}
	}
}

// The store-insert limit goes through the real store: every call adds a
// user with a credential and the default role, and none collides.
func TestStoreInsertWritesRealUsers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "limits.db")
	insert, err := storeInsert(path)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := insert(); err != nil {
			t.Fatal(err)
		}
	}
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	realm, err := st.GetRealmByName(context.Background(), "limits")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.GetUserByUsername(context.Background(), realm.ID, "user3")
	if err != nil {
		t.Fatal(err)
	}
	creds, err := st.ListCredentials(context.Background(), u.ID)
	if err != nil || len(creds) != 1 {
		t.Fatalf("credentials of user3: %v, %v", creds, err)
	}
}
