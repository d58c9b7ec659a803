// Command load drives a running latchkey with a bounded, loopback-only
// load and reports throughput, latency percentiles, errors by status, and
// the server's CPU seconds and peak RSS (read from /proc), so per-core
// figures can be derived: requests per CPU-second is requests per second
// per core.
//
//	go run ./bench/load -scenario register -url http://127.0.0.1:8080 -realm bench -c 16 -n 2000 -pid $PID
//
// Two subcommands start their own server (a fresh start-dev on loopback):
//
//	go run ./bench/load report [-out docs/BENCHMARKS.md] [-quick] [-procs 1,2] [-users 100000,1000000]
//	    [-postgres URL] [-pg-users 100000] [-sections main,scale,owasp,keys,postgres] [-from docs/bench/report.json]
//	go run ./bench/load smoke [-d 2s] [-c 2] [-seed 2000]
//
// report measures the limits (argon2id, signatures, an insert) and every
// scenario at GOMAXPROCS 1 and 2 in one run, then admin search, memory,
// database size and registration on a realm seeded through the store
// (seed.go: one precomputed hash, InTx batches), and rewrites the marked
// region of docs/BENCHMARKS.md and docs/bench/*.svg; smoke seeds a small
// realm, runs each scenario (admin-search included) for a few seconds and
// exits non-zero on any error (never on speed). Linux only: server
// figures come from /proc.
package main
