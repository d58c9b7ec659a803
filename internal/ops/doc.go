// Package ops serves what operators and orchestrators read: /health/live,
// /health/ready (which asks the database) and /metrics in Prometheus format,
// from a registry owned by the server rather than the global one, so that
// tests can run several servers in one process.
package ops
