// Package testenv gives tests real infrastructure instead of mocks: a
// migrated SQLite store in a temporary directory, and a PostgreSQL store in
// a schema of its own when LATCHKEY_TEST_POSTGRES_URL is set.
package testenv
