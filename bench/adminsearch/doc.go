// Package adminsearch benchmarks the admin API's user listing, search and
// count on a realm of 100,000 users (-adminsearch.users to change it),
// through real HTTP on loopback, on SQLite and (when
// LATCHKEY_TEST_POSTGRES_URL is set) PostgreSQL.
//
// The package has no code of its own, only benchmarks; seeding happens
// inside them, so `go test ./...` does not pay for it:
//
//	go test -run '^$' -bench . -count 3 -benchtime 2s ./bench/adminsearch
//
// With -adminsearch.plans=DIR it also writes, per backend, the SQL the
// admin API really sent for each request (logged by a database/sql
// connector wrapped around the real driver, under an admin API handler on
// the seeded database) and its EXPLAIN QUERY PLAN (SQLite) or
// EXPLAIN (ANALYZE, BUFFERS) (PostgreSQL). docs/query-plans.md is written
// from that output; the figures are in docs/BENCHMARKS.md (before
// migration 0008's trigram indexes and counters) and at the top of
// docs/query-plans.md (since).
package adminsearch
