// Package dbtest gives tests real databases: a migrated SQLite store in a
// temporary directory, and a PostgreSQL store in a schema of its own when
// LATCHKEY_TEST_POSTGRES_URL is set. It imports nothing above the store,
// so the store's own tests do not depend on the rest of the server.
package dbtest
