//go:build linux

package main

import (
	"fmt"
	"strings"
)

// mdScale writes the seeded-realm sections: admin search per query kind,
// then memory, database size and registration at each size.
func mdScale(b *strings.Builder, d *reportData) {
	scales := d.scales()
	if len(scales) == 0 {
		return
	}
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	w("### Admin search on a seeded realm\n\n")
	w("The realm `bench` is seeded through latchkey's own store (`internal/store/sqlite` or `postgres`, `InTx` "+
		"batches of %d users, each written by `user.Insert`: the user, a password credential and the default role, as "+
		"a registration writes them), with one argon2id hash computed once and reused for every user. The server is "+
		"stopped while the store seeds and started again on the seeded data; sizes grow in one data directory (the "+
		"next size adds users to the previous one). Users are `first.last<n>` with an e-mail address on one of five "+
		"domains (`bench/load/seed.go`); every search term is built from a seeded user picked by a hash of the request "+
		"number, and an answer listing no user (or a count below the seeded users) counts as an error. Requests carry "+
		"the `bench-admin` service account's token (`view-users`).\n\n", seedBatch)
	for _, kind := range searchKinds {
		w("- `%s`: %s\n", kind, searchKindDoc[kind])
	}
	w("\n| backend | users | query | c | requests | ok/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU-s |\n")
	w("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|\n")
	for _, sb := range scales {
		for _, st := range sb.Steps {
			for _, r := range st.Search {
				w("| %s | %s | %s | %d | %d | %s | %.1f | %.1f | %.1f | %.1f | %s | %.2f |\n", sb.Backend, count(st.Users),
					strings.TrimPrefix(r.Scenario, "admin-search/"), r.Concurrency, r.Requests, num(r.PerSecond),
					r.P50ms, r.P90ms, r.P99ms, r.MaxMs, errText(r.Errors), r.ServerCPU)
			}
		}
	}
	w("\nEach kind runs for %.1f s with a closed loop per worker at GOMAXPROCS=%d; a request still running at the "+
		"end is waited for, so a kind slower than the level has few requests and its percentiles are coarse.\n\n",
		d.PerLevel, scales[0].GOMAXPROCS)

	w("### Memory, database size and registration at scale\n\n")
	w("| backend | users | seeding | database | per user | ready | RSS idle | RSS peak (search) | RSS steady | " +
		"register ok per CPU-s | on the empty realm | ratio | within 10 %% |\n")
	w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, sb := range scales {
		empty := 0.0
		if sb.RegisterEmpty != nil {
			empty = sb.RegisterEmpty.PerCPUSecond
		}
		for _, st := range sb.Steps {
			seeded := st.Users - st.SeedFrom
			rate := "–"
			if st.SeedSeconds > 0 {
				rate = fmt.Sprintf("%s users in %.1f s (%s/s)", count(seeded), st.SeedSeconds, num(float64(seeded)/st.SeedSeconds))
			}
			reg, ratio, met := "–", "–", "–"
			if st.Register != nil && st.Register.PerCPUSecond > 0 {
				reg = num(st.Register.PerCPUSecond)
				if empty > 0 {
					r := st.Register.PerCPUSecond / empty
					ratio, met = fmt.Sprintf("%.2f", r), yesNo(r >= 0.9)
				}
			}
			w("| %s | %s | %s | %s | %s | %.0f ms | %s | %s | %s | %s | %s | %s | %s |\n", sb.Backend, count(st.Users), rate,
				mb(st.DBBytes), perUser(st.DBBytes, st.Users), st.ReadyMs, mb(st.IdleRSS), mb(st.PeakRSS), mb(st.SteadyRSS),
				reg, num(empty), ratio, met)
		}
	}
	w("\nDatabase: SQLite's `latchkey.db` plus its `-wal` and `-shm` files after the seeding store closed (which " +
		"checkpoints); PostgreSQL's tables with their indexes and TOAST in the run's schema (`pg_total_relation_size`). " +
		"Per user = the whole database ÷ the seeded users (the realm's clients, keys and roles included, a few hundred " +
		"kB). RSS idle is read 1 s after the server started on the seeded data; peak is the highest 50 ms sample during " +
		"the search runs; steady is 1 s after them. Registration runs at concurrency 4 for the level's time, first on " +
		"the realm before seeding, then on each seeded size, on the same server build and GOMAXPROCS; the ratio is ok " +
		"per server CPU-second at the size ÷ on the empty realm (the issue's target: within 10 %%, ratio ≥ 0.90).\n\n")
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// count writes 1000000 as 1,000,000.
func count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func perUser(bytes int64, users int) string {
	if users <= 0 || bytes <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f B", float64(bytes)/float64(users))
}

// scales is every seeded-realm run: SQLite's, then PostgreSQL's.
func (d *reportData) scales() []*scaleBackend {
	out := append([]*scaleBackend(nil), d.Scale...)
	if d.Postgres != nil && d.Postgres.Scale != nil {
		out = append(out, d.Postgres.Scale)
	}
	return out
}
