// Package sqlitedriver benchmarks three SQLite drivers for database/sql with
// the same schema, pragmas and pool layout latchkey uses:
//
//   - modernc.org/sqlite (pure Go, SQLite translated from C)
//   - github.com/ncruces/go-sqlite3 (pure Go, SQLite built to WASM and translated to Go)
//   - github.com/mattn/go-sqlite3 (cgo)
//
// It is its own module so that the main module never depends on cgo or on the
// drivers that lose. The results and the decision are in
// docs/adr/0001-sqlite-driver.md at the repository root.
//
// mattn and ncruces both register a database/sql driver named "sqlite3" in
// their init functions, which panics when both are linked into one binary.
// The benchmarks open every driver through its connector and never by name,
// so the test binary must be built with ncruces' registration switched off:
//
//	go test -ldflags='-X github.com/ncruces/go-sqlite3/driver.driverName=' -run . -bench .
//
// run.sh does this for you.
package sqlitedriver
