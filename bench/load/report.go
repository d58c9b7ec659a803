//go:build linux

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

const realmFile = "bench/load/realm-bench.json"

// reportData is everything one report run measured.
type reportData struct {
	Machine   machine       `json:"machine"`
	Quick     bool          `json:"quick"`
	PerLevel  float64       `json:"secondsPerLevel"`
	Limits    []limit       `json:"limits"`
	Procs     []procsResult `json:"gomaxprocs"`
	Started   time.Time     `json:"started"`
	Finished  time.Time     `json:"finished"`
	LoadStart string        `json:"loadAverageAtStart"`
	LoadEnd   string        `json:"loadAverageAtEnd"`
	// Scale is the seeded-realm runs: admin search, RSS and database size
	// at each seed size, registration there against the empty realm.
	Scale []*scaleBackend `json:"scale,omitempty"`
	// OWASP is registration at OWASP's argon2id parameters, one run per
	// GOMAXPROCS (scenario register-owasp).
	OWASP []*result `json:"owasp,omitempty"`
	// Keys is client_credentials on realms signing with ES256 and EdDSA
	// (scenarios client-credentials/ES256, .../EdDSA).
	Keys []*result `json:"keys,omitempty"`
	// Postgres is the runs with the server on PostgreSQL.
	Postgres *pgReport `json:"postgres,omitempty"`
}

type machine struct {
	NProc     int    `json:"nproc"`
	CPU       string `json:"cpu"`
	MemoryMiB int64  `json:"memoryMiB"`
	Go        string `json:"go"`
	OS        string `json:"os"`
}

// procsResult is one server's figures at one GOMAXPROCS.
type procsResult struct {
	GOMAXPROCS     int       `json:"gomaxprocs"`
	ReadyEmptyMs   []float64 `json:"readyEmptyMs"`
	ReadyExistMs   []float64 `json:"readyExistingMs"`
	IdleRSS        int64     `json:"idleRssBytes"`
	RSSAfterImport int64     `json:"rssAfterImportBytes"`
	Runs           []*result `json:"runs"`
}

// levels is the concurrency levels of a scenario.
func levels(scenario string) []int {
	if scenario == "register" {
		return []int{1, 4, 16, 64}
	}
	return []int{1, 4, 16}
}

func reportMain(args []string) int {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	out := fs.String("out", "docs/BENCHMARKS.md", "Markdown file whose report region is (re)written")
	quick := fs.Bool("quick", false, "short runs (1.5 s per level, shorter limit rounds)")
	procsFlag := fs.String("procs", "1,2", "GOMAXPROCS values of the server runs")
	from := fs.String("from", "", "re-render the report from a report.json instead of measuring")
	usersFlag := fs.String("users", "", "seed sizes of the admin-search realm, ascending (default 100000,1000000; -quick 20000)")
	pgURL := fs.String("postgres", os.Getenv("LATCHKEY_TEST_POSTGRES_URL"), "PostgreSQL URL: also run on PostgreSQL, in a fresh schema dropped afterwards (default $LATCHKEY_TEST_POSTGRES_URL)")
	pgUsers := fs.Int("pg-users", 0, "seed size of the PostgreSQL admin-search realm (default 100000; -quick 20000; 0 with -postgres none: skip)")
	sections := fs.String("sections", "main,scale,owasp,keys,postgres", "parts to measure (all by default; fewer for trying the command out): "+
		"main (scenarios per GOMAXPROCS), scale (seeded realm), owasp, keys (ES256/EdDSA), postgres")
	_ = fs.Parse(args)
	svgDir := filepath.Join(filepath.Dir(*out), "bench")
	if *from != "" {
		var d reportData
		b, err := os.ReadFile(*from)
		if err == nil {
			err = json.Unmarshal(b, &d)
		}
		if err == nil {
			err = writeReport(&d, *out, svgDir)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			return 1
		}
		return 0
	}
	if _, err := os.Stat(realmFile); err != nil {
		fmt.Fprintln(os.Stderr, "report: run from the repository root:", err)
		return 2
	}
	var procs []int
	for _, p := range strings.Split(*procsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "report: bad -procs", *procsFlag)
			return 2
		}
		procs = append(procs, n)
	}
	o := reportOptions{quick: *quick, procs: procs, pgURL: *pgURL, pgUsers: *pgUsers, sections: map[string]bool{}}
	for _, s := range strings.Split(*sections, ",") {
		o.sections[strings.TrimSpace(s)] = true
	}
	if *usersFlag == "" {
		*usersFlag = "100000,1000000"
		if *quick {
			*usersFlag = "20000"
		}
	}
	if o.pgUsers == 0 {
		o.pgUsers = 100000
		if *quick {
			o.pgUsers = 20000
		}
	}
	for _, u := range strings.Split(*usersFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(u))
		if err != nil || n < 1 || (len(o.users) > 0 && n <= o.users[len(o.users)-1]) {
			fmt.Fprintln(os.Stderr, "report: bad -users (ascending positive sizes)", *usersFlag)
			return 2
		}
		o.users = append(o.users, n)
	}
	d, err := runReport(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		return 1
	}
	if err := writeReport(d, *out, svgDir); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		return 1
	}
	fmt.Println("wrote", *out, "and", svgDir)
	return 0
}

// reportOptions are the report's flags.
type reportOptions struct {
	quick   bool
	procs   []int
	users   []int  // admin-search seed sizes, ascending
	pgURL   string // "" = no PostgreSQL runs
	pgUsers int
	// sections are the parts to measure (the limits always are).
	sections map[string]bool
}

func runReport(o reportOptions) (*reportData, error) {
	quick, procs := o.quick, o.procs
	d := &reportData{Machine: machineInfo(), Quick: quick, Started: time.Now().UTC(), LoadStart: loadavg()}
	perLevel, rounds, roundTime, starts := 5*time.Second, 5, time.Second, 5
	if quick {
		perLevel, rounds, roundTime, starts = 1500*time.Millisecond, 3, 300*time.Millisecond, 3
	}
	d.PerLevel = perLevel.Seconds()
	tmp, err := os.MkdirTemp("", "latchkey-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin, err := buildLatchkey(tmp)
	if err != nil {
		return nil, err
	}
	if d.Limits, err = measureLimits(tmp, rounds, roundTime); err != nil {
		return nil, err
	}
	realms := filepath.Join(tmp, "realms")
	if err := writeRealms(realms); err != nil {
		return nil, err
	}
	top := slices.Max(procs)
	for _, p := range procs {
		if !o.sections["main"] {
			break
		}
		pr := procsResult{GOMAXPROCS: p}
		// Start-up: on an empty data dir (keys generated, schema created),
		// then again on the data dir the last start left behind.
		var dir string
		for i := 0; i < starts; i++ {
			dir = filepath.Join(tmp, fmt.Sprintf("startup-%d-%d", p, i))
			s, err := startServer(bin, dir, "", p)
			if err != nil {
				return nil, err
			}
			pr.ReadyEmptyMs = append(pr.ReadyEmptyMs, ms(s.ready))
			s.stop()
		}
		for i := 0; i < starts; i++ {
			s, err := startServer(bin, dir, "", p)
			if err != nil {
				return nil, err
			}
			pr.ReadyExistMs = append(pr.ReadyExistMs, ms(s.ready))
			if i == starts-1 {
				time.Sleep(time.Second)
				pr.IdleRSS = procRSS(s.pid())
			}
			s.stop()
		}
		pport, err := freePort()
		if err != nil {
			return nil, err
		}
		pprofAddr := fmt.Sprintf("127.0.0.1:%d", pport)
		s, err := startServer(bin, filepath.Join(tmp, fmt.Sprintf("load-%d", p)), realms, p, "--debug-pprof-addr", pprofAddr)
		if err != nil {
			return nil, err
		}
		pr.RSSAfterImport = procRSS(s.pid())
		fmt.Printf("GOMAXPROCS=%d: ready %.0f ms (empty), %.0f ms (existing); idle RSS %.1f MB\n",
			p, median(pr.ReadyEmptyMs), median(pr.ReadyExistMs), float64(pr.IdleRSS)/1e6)
		for _, sc := range scenarios {
			for _, c := range levels(sc) {
				// For the hash-bound scenarios at c=4, a CPU profile of the
				// server during the run says how much of its CPU hashing took.
				var share chan float64
				if (sc == "register" || sc == "login") && c == 4 && perLevel >= 4*time.Second {
					share = make(chan float64, 1)
					go func() {
						v, err := profileHashShare(pprofAddr, int(perLevel/time.Second)-2)
						if err != nil {
							fmt.Fprintln(os.Stderr, "profile:", err)
						}
						share <- v
					}()
				}
				res, err := run(config{scenario: sc, base: s.base, realm: "bench", client: "bench-service", secret: "bench-secret",
					userClient: "bench-app", adminClient: "bench-admin", adminSecret: "bench-admin-secret",
					password: "Bench-password-1", concurrency: c, count: 500000, duration: perLevel, pid: s.pid()})
				if err != nil {
					s.stop()
					return nil, fmt.Errorf("GOMAXPROCS=%d %s c=%d: %w", p, sc, c, err)
				}
				if share != nil {
					res.ProfileHashShare = <-share
				}
				res.GOMAXPROCS = p
				printResult(res)
				pr.Runs = append(pr.Runs, res)
			}
		}
		s.stop()
		d.Procs = append(d.Procs, pr)
	}
	ctx := context.Background()
	if o.sections["scale"] {
		sc, err := runScale(ctx, scaleRun{bin: bin, dir: filepath.Join(tmp, "scale-sqlite"), realms: realms, backend: "sqlite",
			sizes: o.users, procs: top, searchC: 4, perLevel: perLevel})
		if err != nil {
			return nil, err
		}
		d.Scale = append(d.Scale, sc)
	}
	if o.sections["owasp"] {
		if d.OWASP, err = runOWASP(bin, tmp, realms, procs, 2*perLevel); err != nil {
			return nil, err
		}
	}
	if o.sections["postgres"] && o.pgURL != "" {
		if d.Postgres, err = runPostgres(ctx, bin, tmp, realms, o.pgURL, top, perLevel, o.pgUsers); err != nil {
			return nil, err
		}
	}
	if o.sections["keys"] {
		lv := levels("client-credentials")
		if quick {
			lv = []int{4}
		}
		if d.Keys, err = runKeys(bin, tmp, realms, procs, lv, perLevel); err != nil {
			return nil, err
		}
	}
	d.Finished, d.LoadEnd = time.Now().UTC(), loadavg()
	return d, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func machineInfo() machine {
	m := machine{NProc: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, CPU: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				m.MemoryMiB = kb / 1024
			}
		}
	}
	return m
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// limitFor is a scenario's per-core limit: the sum of the costs of the
// operations one request cannot avoid, and how the sum is made.
func limitFor(sc string, ls []limit) (perCore float64, parts string) {
	us := map[string]float64{}
	for _, l := range ls {
		us[strings.Fields(l.Name)[0]+" "+strings.Fields(l.Name)[1]] = l.Micros
	}
	hash, insert, owasp := us["argon2id m=7168"], us["SQLite insert:"], us["argon2id m=19456"]
	var sum float64
	switch sc {
	case "register":
		sum, parts = hash+insert, "one argon2id hash + one insert"
	case "register-owasp":
		sum, parts = owasp+insert, "one argon2id hash at OWASP's parameters + one insert"
	case "admin-create":
		sum, parts = hash+insert+us["RS256 verify"], "one hash + one insert + one RS256 verify (admin token)"
	case "login":
		sum, parts = hash+us["RS256 sign"]+us["HS512 sign"], "one hash + one RS256 sign + one HS512 sign (refresh token)"
	case "client-credentials":
		sum, parts = us["RS256 sign"], "one RS256 sign"
	case "client-credentials/ES256":
		sum, parts = us["ES256 sign"], "one ES256 sign"
	case "client-credentials/EdDSA":
		sum, parts = us["EdDSA sign"], "one EdDSA sign"
	case "refresh":
		sum, parts = us["HS512 verify"]+us["RS256 sign"]+us["HS512 sign"], "one HS512 verify + one RS256 sign + one HS512 sign"
	case "userinfo", "introspect":
		sum, parts = us["RS256 verify"], "one RS256 verify"
	}
	if sum <= 0 {
		return 0, parts
	}
	return 1e6 / sum, parts
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
