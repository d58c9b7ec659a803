//go:build linux

package main

import (
	"fmt"
	"strings"
)

// mdOWASP writes registration at OWASP's argon2id parameters.
func mdOWASP(b *strings.Builder, d *reportData) {
	if len(d.OWASP) == 0 {
		return
	}
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	lim, parts := limitFor("register-owasp", d.Limits)
	w("### Registration at OWASP's argon2id parameters (m=19456 KiB, t=2, p=1)\n\n")
	w("A server started with `--argon2-memory 19456 --argon2-iterations 2 --argon2-parallelism 1` on a fresh data "+
		"dir, `register` at concurrency %d for %.1f s, once per GOMAXPROCS. Limit: %s/s per core (%s, measured in this "+
		"run). The issue's target is 1.45 × Kratos's %.1f = **%.1f registrations per second per core**; Kratos's "+
		"figures are quoted (see \"Peers\"), not measured by this command.\n\n", owaspC, 2*d.PerLevel, num(lim), parts,
		kratosOWASPPerCore, owaspTarget)
	w("| GOMAXPROCS | c | requests | ok/s | p50 ms | p99 ms | errors | ok per CPU-s | CPU per registration | ratio to limit | ≥ %.1f per core | peak RSS | < 100 MB |\n", owaspTarget)
	w("|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---|\n")
	for _, r := range d.OWASP {
		cpuMs, ratio := "–", "–"
		if r.PerCPUSecond > 0 {
			cpuMs = fmt.Sprintf("%.1f ms", 1000/r.PerCPUSecond)
			if lim > 0 {
				ratio = fmt.Sprintf("%.0f%%", 100*r.PerCPUSecond/lim)
			}
		}
		w("| %d | %d | %d | %s | %.1f | %.1f | %s | %s | %s | %s | %s | %s | %s |\n", r.GOMAXPROCS, r.Concurrency, r.Requests,
			num(r.PerSecond), r.P50ms, r.P99ms, errText(r.Errors), num(r.PerCPUSecond), cpuMs, ratio,
			yesNo(r.PerCPUSecond >= owaspTarget), mb(r.ServerPeakRSS), yesNo(r.ServerPeakRSS > 0 && r.ServerPeakRSS < 100e6))
	}
	w("\nKratos at the same parameters (quoted): %.1f registrations per second per core, %.0f %% of its limit, %.0f ms "+
		"of CPU each; RSS %s under this load, peak %s.\n\n", kratosOWASPPerCore, 100*kratosOWASPShare, kratosOWASPCPUms,
		mb(kratosRSSUnderLoad), mb(kratosPeakRSS))
}

// mdKeys writes client_credentials on ES256 and EdDSA realms.
func mdKeys(b *strings.Builder, d *reportData) {
	if len(d.Keys) == 0 {
		return
	}
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	w("### client_credentials on ES256 and EdDSA realms\n\n")
	w("Realms `bench-es256` and `bench-eddsa` are the bench realm with `defaultSignatureAlgorithm` ES256 or EdDSA "+
		"(imported with it, so they get a key of that type); `bench-service`'s grant at each concurrency for %.1f s. "+
		"The issue's target is %s grants per second per core; the ratio is ok per CPU-second ÷ that target.\n\n", d.PerLevel, count(keysTarget))
	w("| GOMAXPROCS | realm keys | c | ok/s | p50 ms | p99 ms | errors | ok per CPU-s | limit (one signature) | ratio to limit | ratio to %s/s | RS256 realm, ok per CPU-s |\n", count(keysTarget))
	w("|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n")
	for _, r := range d.Keys {
		lim, _ := limitFor(r.Scenario, d.Limits)
		ratio := "–"
		if lim > 0 && r.PerCPUSecond > 0 {
			ratio = fmt.Sprintf("%.0f%%", 100*r.PerCPUSecond/lim)
		}
		rs := "–"
		if x := d.runAt(r.GOMAXPROCS, "client-credentials", r.Concurrency); x != nil {
			rs = num(x.PerCPUSecond)
		}
		w("| %d | %s | %d | %s | %.1f | %.1f | %s | %s | %s/s | %s | %.2f | %s |\n", r.GOMAXPROCS, strings.TrimPrefix(r.Scenario, "client-credentials/"),
			r.Concurrency, num(r.PerSecond), r.P50ms, r.P99ms, errText(r.Errors), num(r.PerCPUSecond), num(lim), ratio,
			r.PerCPUSecond/keysTarget, rs)
	}
	w("\n")
}

// mdPostgres writes the PostgreSQL runs.
func mdPostgres(b *strings.Builder, d *reportData) {
	pg := d.Postgres
	if pg == nil {
		return
	}
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	w("### PostgreSQL\n\n")
	w("The server on PostgreSQL (`--db postgres`, a fresh schema of its own on the server `-postgres` or "+
		"`LATCHKEY_TEST_POSTGRES_URL` names, dropped afterwards), the bench realms imported, GOMAXPROCS=%d, %.1f s per "+
		"level. PostgreSQL runs on the same machine and shares its cores with the server and the load generator.\n\n",
		pg.GOMAXPROCS, d.PerLevel)
	w("| scenario | c | requests | ok/s | p50 ms | p90 ms | p99 ms | max ms | errors | ok per server CPU-s | ratio to limit | SQLite, same GOMAXPROCS and c: ok per CPU-s |\n")
	w("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|\n")
	for _, r := range pg.Runs {
		lim, _ := limitFor(r.Scenario, d.Limits)
		ratio := "–"
		if lim > 0 && r.PerCPUSecond > 0 {
			ratio = fmt.Sprintf("%.0f%%", 100*r.PerCPUSecond/lim)
		}
		lite := "–"
		if x := d.runAt(pg.GOMAXPROCS, r.Scenario, r.Concurrency); x != nil {
			lite = num(x.PerCPUSecond)
		}
		w("| %s | %d | %d | %s | %.1f | %.1f | %.1f | %.1f | %s | %s | %s | %s |\n", r.Scenario, r.Concurrency, r.Requests,
			num(r.PerSecond), r.P50ms, r.P90ms, r.P99ms, r.MaxMs, errText(r.Errors), num(r.PerCPUSecond), ratio, lite)
	}
	w("\nOk per server CPU-second counts latchkey's CPU only: on PostgreSQL part of the work (queries, locking, " +
		"commits) moves into the database's processes, which the next table counts separately.\n\n")
	w("#### Two latchkey processes on one database\n\n")
	w("Two `latchkey start-dev --db postgres` processes on the same schema, each at GOMAXPROCS=1, against one such "+
		"process; the load generator's 16 workers are assigned to the processes round-robin (worker w to process w mod "+
		"2), each with its own keep-alive connection. The issue's target is a throughput ratio ≥ %.1f where the CPU "+
		"allows it. The CPU columns split the machine's busy time during each run (from `/proc/stat`, %d cores × the "+
		"run's seconds available): the latchkey processes, the load generator, and the rest, which is PostgreSQL plus "+
		"any neighbour.\n\n", horizontalTarget, d.Machine.NProc)
	w("| scenario | processes | ok/s | p99 ms | errors | latchkey CPU | load generator CPU | PostgreSQL and others | machine busy | ratio two ÷ one |\n")
	w("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|\n")
	for _, h := range pg.Horizontal {
		for i, r := range []*result{h.One, h.Two} {
			if r == nil {
				continue
			}
			ratio := ""
			if i == 1 && h.One != nil && h.One.PerSecond > 0 {
				ratio = fmt.Sprintf("%.2f (%s)", r.PerSecond/h.One.PerSecond, map[bool]string{true: "≥ 1.6", false: "< 1.6"}[r.PerSecond/h.One.PerSecond >= horizontalTarget])
			}
			capacity := float64(d.Machine.NProc) * r.Seconds
			share := func(v float64) string {
				if capacity <= 0 {
					return "–"
				}
				return fmt.Sprintf("%.2f s (%.0f%%)", v, 100*v/capacity)
			}
			w("| %s | %d | %s | %.1f | %s | %s | %s | %s | %s | %s |\n", h.Scenario, max(r.Servers, 1), num(r.PerSecond), r.P99ms,
				errText(r.Errors), share(r.ServerCPU), share(r.GeneratorCPU), share(max(0, r.MachineCPU-r.ServerCPU-r.GeneratorCPU)),
				share(r.MachineCPU), ratio)
		}
	}
	w("\nWith the machine's cores already busy with one process, the database and the load generator, a second " +
		"process can only take CPU time from them: on this machine a ratio near 1 says the cores were the limit, not " +
		"that the processes contend in the database. Read the machine-busy column before the ratio.\n\n")
}

// mdPeers writes the quoted peer figures beside this run's.
func mdPeers(b *strings.Builder, d *reportData, svgRel string) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	w("### Peers (quoted figures, not measured by this command)\n\n")
	w("Kratos figures are ORY Kratos v26.2.0 measured on this machine kind, as issue 9 gives them; Keycloak's are its " +
		"sizing guide (`reference/keycloak-oidc-admin.md` section 8: TLS, PostgreSQL, a cluster of pods), which sets a " +
		"scale rather than a like-for-like comparison. The latchkey column is this run.\n\n")
	w("| figure | latchkey (this run) | ORY Kratos v26.2.0 (quoted) | Keycloak guide (quoted) |\n|---|---:|---:|---:|\n")
	if r := bestOWASP(d); r != nil {
		w("| registrations per second per core, OWASP argon2id, c=16 | %s (target %.1f: %s) | %.1f | – |\n",
			num(r.PerCPUSecond), owaspTarget, yesNo(r.PerCPUSecond >= owaspTarget), kratosOWASPPerCore)
		lim, _ := limitFor("register-owasp", d.Limits)
		if lim > 0 {
			w("| share of the argon2id limit at those parameters | %.0f%% | %.0f%% | – |\n", 100*r.PerCPUSecond/lim, 100*kratosOWASPShare)
		}
		w("| CPU per registration | %.1f ms | %.0f ms | – |\n", 1000/r.PerCPUSecond, kratosOWASPCPUms)
		w("| peak RSS under OWASP registration load, c=16 | %s | %s (%s steady) | – |\n", mb(r.ServerPeakRSS), mb(kratosPeakRSS), mb(kratosRSSUnderLoad))
	}
	if idle := idleRSS(d); idle > 0 {
		w("| idle RSS | %s | %s–%s | %s base per pod |\n", mb(idle), mb(kratosIdleRSSLow), mb(kratosIdleRSSHigh), mb(keycloakBaseMemory))
	}
	if len(d.Procs) > 0 {
		w("| ready, empty database | %.0f ms | %d ms + %.1f s migrations | – |\n", median(d.Procs[0].ReadyEmptyMs), kratosReadyMs, kratosMigrationsS)
	}
	if errs, runs := highConcurrencyErrors(d); runs > 0 {
		w("| errors at concurrency ≥ 4 on SQLite | %d in %d runs | hangs (default SQLite) | – |\n", errs, runs)
	}
	if users, r := largestExact(d); r != nil {
		w("| identifier lookup (exact username), p50 | %.1f ms at %s users | %.1f s at %s identities | – |\n",
			r.P50ms, count(users), kratosLookupSeconds, count(kratosLookupIdents))
	}
	for _, sc := range []string{"login", "client-credentials", "refresh"} {
		if r := d.runAt(1, sc, 4); r != nil {
			w("| %s per second per core (vCPU) | %s | – | %s |\n", sc, num(r.PerCPUSecond), num(keycloakPerVCPU[sc]))
		}
	}
	w("\n![registrations per core at OWASP parameters](%s/peers-registration.svg)\n![memory](%s/peers-memory.svg)\n\n", svgRel, svgRel)
}

func bestOWASP(d *reportData) *result {
	for _, r := range d.OWASP {
		if r.GOMAXPROCS == 1 {
			return r
		}
	}
	if len(d.OWASP) > 0 {
		return d.OWASP[0]
	}
	return nil
}

func idleRSS(d *reportData) int64 {
	if len(d.Procs) == 0 {
		return 0
	}
	return d.Procs[0].IdleRSS
}

func highConcurrencyErrors(d *reportData) (errs, runs int) {
	for _, pr := range d.Procs {
		for _, r := range pr.Runs {
			if r.Concurrency >= 4 {
				runs++
				for _, n := range r.Errors {
					errs += n
				}
			}
		}
	}
	return errs, runs
}

// largestExact is the exact-username search at the largest SQLite seed.
func largestExact(d *reportData) (int, *result) {
	for _, sb := range d.Scale {
		if sb.Backend != "sqlite" || len(sb.Steps) == 0 {
			continue
		}
		st := sb.Steps[len(sb.Steps)-1]
		for _, r := range st.Search {
			if r.Scenario == "admin-search/exact" {
				return st.Users, r
			}
		}
	}
	return 0, nil
}

// peerCharts are the bar charts of the peers section, by file name.
func peerCharts(d *reportData) map[string]string {
	caption := "Grey hatched bars are quoted figures (issue 9: ORY Kratos v26.2.0; Keycloak's sizing guide), not measured by this command."
	var reg []bar
	lim, _ := limitFor("register-owasp", d.Limits)
	for _, r := range d.OWASP {
		reg = append(reg, bar{fmt.Sprintf("latchkey, GOMAXPROCS=%d, c=%d", r.GOMAXPROCS, r.Concurrency), r.PerCPUSecond, barMeasured,
			num(r.PerCPUSecond) + " ok per CPU-s"})
	}
	if lim > 0 {
		reg = append(reg, bar{"limit: one hash + one insert (this run)", lim, barLimit, num(lim) + "/s"})
	}
	reg = append(reg, bar{"target: 1.45 × Kratos", owaspTarget, barTarget, fmt.Sprintf("%.1f/s", owaspTarget)},
		bar{"ORY Kratos v26.2.0 (quoted)", kratosOWASPPerCore, barQuoted, fmt.Sprintf("%.1f/s, %.0f%% of its limit (quoted)", kratosOWASPPerCore, 100*kratosOWASPShare)})
	var memBars []bar
	if idle := idleRSS(d); idle > 0 {
		memBars = append(memBars, bar{"latchkey idle", float64(idle), barMeasured, mb(idle)})
	}
	if r := bestOWASP(d); r != nil {
		memBars = append(memBars, bar{"latchkey peak, OWASP registration c=16", float64(r.ServerPeakRSS), barMeasured, mb(r.ServerPeakRSS)})
	}
	for _, sb := range d.Scale {
		if len(sb.Steps) > 0 {
			st := sb.Steps[len(sb.Steps)-1]
			memBars = append(memBars, bar{fmt.Sprintf("latchkey, %s users, search peak (%s)", count(st.Users), sb.Backend),
				float64(st.PeakRSS), barMeasured, mb(st.PeakRSS)})
		}
	}
	memBars = append(memBars, bar{"target under OWASP registration load", 100e6, barTarget, "< 100 MB"},
		bar{"Kratos idle (quoted)", kratosIdleRSSHigh, barQuoted, mb(kratosIdleRSSLow) + "–" + mb(kratosIdleRSSHigh)},
		bar{"Kratos, OWASP registration c=16 (quoted)", kratosRSSUnderLoad, barQuoted, mb(kratosRSSUnderLoad)},
		bar{"Kratos peak, same load (quoted)", kratosPeakRSS, barQuoted, mb(kratosPeakRSS)},
		bar{"Keycloak base per pod (quoted)", keycloakBaseMemory, barQuoted, mb(keycloakBaseMemory)})
	return map[string]string{
		"peers-registration.svg": barChart("Registrations per second per core, argon2id m=19456 KiB t=2 p=1", caption, reg),
		"peers-memory.svg":       barChart("Resident memory (RSS)", caption, memBars),
	}
}
