// Package faulttest runs the real server (App.Serve on a loopback port)
// while its database fails: PostgreSQL behind a TCP proxy the tests
// control (forward, cut every connection, refuse new ones, or accept and
// never answer), and SQLite with another connection holding the write lock
// past busy_timeout. The tests check that requests fail fast with 503 in
// Keycloak's error shape, that readiness turns DOWN, that nothing is half
// written, and that service resumes by itself (docs/RELIABILITY.md,
// "Database loss"). It holds tests only.
package faulttest
