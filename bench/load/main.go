//go:build linux

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type config struct {
	scenario, base, realm, client, secret, password string
	userClient, adminClient, adminSecret            string
	concurrency, count                              int
	duration                                        time.Duration
	pid                                             int
	jsonOut                                         bool
	// searchKind and seeded choose the admin-search query (searchKinds)
	// and how many users were seeded into the realm (seedPersonAt).
	searchKind string
	seeded     int
	// extraPIDs and extraBases are further server processes: their CPU
	// and RSS add to pid's, and worker w sends to base w mod n (pid's
	// base first): a round-robin over the processes.
	extraPIDs  []int
	extraBases []string
}

// result is one run's figures.
type result struct {
	Scenario      string         `json:"scenario"`
	GOMAXPROCS    int            `json:"gomaxprocs,omitempty"`
	Concurrency   int            `json:"concurrency"`
	Requests      int            `json:"requests"`
	OK            int            `json:"ok"`
	Errors        map[string]int `json:"errors"`
	Seconds       float64        `json:"seconds"`
	PerSecond     float64        `json:"perSecond"`
	P50ms         float64        `json:"p50ms"`
	P90ms         float64        `json:"p90ms"`
	P99ms         float64        `json:"p99ms"`
	MaxMs         float64        `json:"maxMs"`
	ServerCPU     float64        `json:"serverCpuSeconds,omitempty"`
	PerCPUSecond  float64        `json:"okPerServerCpuSecond,omitempty"`
	ServerPeakRSS int64          `json:"serverPeakRssBytes,omitempty"`
	// Servers is how many server processes shared the load.
	Servers int `json:"servers,omitempty"`
	// GeneratorCPU is this load generator's CPU seconds during the run;
	// MachineCPU is the whole machine's busy CPU seconds (/proc/stat), so
	// MachineCPU - ServerCPU - GeneratorCPU is the database and the
	// neighbours.
	GeneratorCPU float64 `json:"generatorCpuSeconds,omitempty"`
	MachineCPU   float64 `json:"machineCpuSeconds,omitempty"`
	// ProfileHashShare is the share of the server's CPU profile samples
	// in argon2 during the run (report runs of register and login at c=4).
	ProfileHashShare float64 `json:"profileHashShare,omitempty"`
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "report":
			os.Exit(reportMain(os.Args[2:]))
		case "smoke":
			os.Exit(smokeMain(os.Args[2:]))
		}
	}
	var c config
	flag.StringVar(&c.scenario, "scenario", "register", strings.Join(scenarios, ", "))
	flag.StringVar(&c.base, "url", "http://127.0.0.1:8080", "server base URL (loopback only)")
	flag.StringVar(&c.realm, "realm", "bench", "realm")
	flag.StringVar(&c.client, "client", "bench-service", "confidential client (client-credentials, introspect)")
	flag.StringVar(&c.secret, "secret", "bench-secret", "its secret")
	flag.StringVar(&c.userClient, "user-client", "bench-app", "public client with direct access grants (login, refresh, userinfo, introspect)")
	flag.StringVar(&c.adminClient, "admin-client", "bench-admin", "client whose service account holds create-users (admin-create)")
	flag.StringVar(&c.adminSecret, "admin-secret", "bench-admin-secret", "its secret")
	flag.StringVar(&c.password, "password", "Bench-password-1", "password of registered users")
	flag.IntVar(&c.concurrency, "c", 4, "concurrent workers")
	flag.IntVar(&c.count, "n", 1000, "requests in all (the run also stops at -d)")
	flag.DurationVar(&c.duration, "d", 60*time.Second, "longest run")
	flag.IntVar(&c.pid, "pid", 0, "server process id, to read its CPU time and RSS from /proc")
	flag.BoolVar(&c.jsonOut, "json", false, "print JSON instead of a table")
	flag.StringVar(&c.searchKind, "kind", "prefix", "admin-search query: "+strings.Join(searchKinds, ", "))
	flag.IntVar(&c.seeded, "seeded", 0, "admin-search: users seeded into the realm by the report's seeder")
	flag.Parse()
	if err := checkLoopback(c.base); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	res, err := run(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	if c.jsonOut {
		_ = json.NewEncoder(os.Stdout).Encode(res)
		return
	}
	printResult(res)
}

// printResult prints one run as a line of the short table.
func printResult(res *result) {
	fmt.Printf("%-18s c=%-3d %6d req %6d ok %8.1f/s  p50 %7.1fms p90 %7.1fms p99 %7.1fms max %7.1fms",
		res.Scenario, res.Concurrency, res.Requests, res.OK, res.PerSecond, res.P50ms, res.P90ms, res.P99ms, res.MaxMs)
	if res.ServerCPU > 0 {
		fmt.Printf("  server %.2f CPU-s, %.1f ok/CPU-s, peak RSS %.1f MB", res.ServerCPU, res.PerCPUSecond, float64(res.ServerPeakRSS)/1e6)
	}
	if len(res.Errors) > 0 {
		fmt.Printf("  errors %v", res.Errors)
	}
	fmt.Println()
}

// checkLoopback refuses any target that is not this machine.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	switch h := u.Hostname(); {
	case h == "localhost", strings.HasPrefix(h, "127."), h == "::1":
		return nil
	}
	return fmt.Errorf("refusing to load %s: only loopback targets are allowed", base)
}

func run(c config) (*result, error) {
	if err := checkLoopback(c.base); err != nil {
		return nil, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.concurrency * 2, DisableCompression: true},
		Timeout: 60 * time.Second}
	defer client.CloseIdleConnections()
	var workers []func(int) (requestFn, error)
	for _, base := range append([]string{c.base}, c.extraBases...) {
		if err := checkLoopback(base); err != nil {
			return nil, err
		}
		cb := c
		cb.base = base
		worker, err := scenario(cb, client)
		if err != nil {
			return nil, err
		}
		workers = append(workers, worker)
	}
	dos := make([]requestFn, c.concurrency)
	for w := range dos {
		var err error
		if dos[w], err = workers[w%len(workers)](w); err != nil {
			return nil, err
		}
	}
	pids := append([]int{c.pid}, c.extraPIDs...)
	var next atomic.Int64
	var mu sync.Mutex
	lat := make([]time.Duration, 0, c.count)
	errs := map[string]int{}
	ok := 0
	deadline := time.Now().Add(c.duration)
	cpu0, gen0, mach0 := procsCPU(pids), cpuTime(), machineCPU()
	stopRSS := watchRSS(pids)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < c.concurrency; w++ {
		do := dos[w]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(c.count) || time.Now().After(deadline) {
					return
				}
				t0 := time.Now()
				status, err := do(int(i))
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				switch {
				case errors.Is(err, errInactive):
					errs["inactive"]++
				case errors.Is(err, errEmpty):
					errs["empty"]++
				case err != nil && status == 0:
					errs["transport"]++
				case err != nil:
					errs[fmt.Sprint(status, " undecodable")]++
				case status >= 200 && status < 300:
					ok++
				default:
					errs[fmt.Sprint(status)]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	peak := stopRSS()
	name := c.scenario
	if c.scenario == "admin-search" {
		name += "/" + c.searchKind
	}
	res := &result{Scenario: name, Concurrency: c.concurrency, Requests: len(lat), OK: ok, Errors: errs,
		Seconds: elapsed.Seconds(), PerSecond: float64(ok) / elapsed.Seconds(), ServerPeakRSS: peak, Servers: len(pids),
		GeneratorCPU: (cpuTime() - gen0).Seconds(), MachineCPU: machineCPU() - mach0}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	res.P50ms, res.P90ms, res.P99ms, res.MaxMs = pct(0.50), pct(0.90), pct(0.99), pct(1)
	if c.pid > 0 {
		res.ServerCPU = procsCPU(pids) - cpu0
		if res.ServerCPU > 0 {
			res.PerCPUSecond = float64(ok) / res.ServerCPU
		}
	}
	return res, nil
}
