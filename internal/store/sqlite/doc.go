// Package sqlite is latchkey's embedded database: the shared sqlstore
// implementation on a SQLite file, through the pure-Go modernc.org/sqlite
// driver so that the binary needs no C toolchain.
//
// SQLite allows one writer at a time, and a writer that finds the file
// locked fails with "database is locked" unless it waits. This package sets
// that up once: pragmas in the DSN so every connection has them (busy_timeout
// first), a writer pool of one connection beginning IMMEDIATE transactions so
// writers queue in Go rather than deadlock on lock upgrades, a separate read
// pool that WAL lets run beside the writer, and SQLITE_BUSY/SQLITE_LOCKED
// classified as retryable for sqlstore's one retry helper.
package sqlite
