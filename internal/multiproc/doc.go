// Package multiproc tests several latchkey processes sharing one
// PostgreSQL database, as they would behind a load balancer: the real
// binary, built once, started three times on loopback ports. A user, a
// session, a token or a realm setting changed through one process must be
// seen by the others within a stated bound; rate limits are per process.
// The package holds only tests; they skip when LATCHKEY_TEST_POSTGRES_URL
// is unset. See docs/RELIABILITY.md, "Several processes on one PostgreSQL".
package multiproc
