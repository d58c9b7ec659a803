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
	for _, n := range []string{"argon2id m=7168 KiB t=5 p=1 (one hash)", "SQLite insert: user", "RS256 sign", "HS512 sign",
		"RS256 verify", "HS512 verify"} {
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
		f, err := os.Open(filepath.Join(dir, "bench", sc+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(f)
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s.svg is not well-formed XML: %v", sc, err)
			}
		}
		f.Close()
	}
}

func TestLimitFor(t *testing.T) {
	d := fakeData()
	for sc, ops := range map[string]float64{"register": 2, "login": 3, "client-credentials": 1, "refresh": 3, "userinfo": 1} {
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
