// Package cache keeps the store's hot and rarely written records in
// memory: realms, clients (and a realm's whole client listing), role
// composites, users by id, users' role mappings and service-account users,
// the reads behind every token a grant issues or checks.
//
// Store wraps a store.Store. Reads outside a transaction are answered from
// memory when they can be; reads inside InTx always go to the database, so
// that a read-modify-write never works from a copy. Every write that can
// change a cached record drops the records it touches after it returns (a
// transaction's writes after it commits), and a generation counter keeps a
// read that raced with such a write from putting an old copy back. Callers
// get deep copies, never the cached value.
//
// Several processes on one PostgreSQL database learn of each other's
// writes through LISTEN/NOTIFY (Notifier): a process that wrote publishes
// what it dropped, the others drop the same. While a process is not
// listening (before the first LISTEN, after the connection is lost), its
// cache answers nothing from memory; when it listens again it starts
// empty. Entries also expire after a TTL, which bounds staleness should a
// process die between its commit and its notification.
//
// SQLite databases are served by one process (docs/RELIABILITY.md), so no
// notifier is needed there.
package cache
