// Package crashtest holds the crash-safety test: it builds the real
// latchkey binary, runs `latchkey start` on SQLite and on PostgreSQL with a
// realm that self-registers users and verifies their email through an SMTP
// server on loopback, creates users through registration and the admin API
// concurrently, kills the process with SIGKILL at random moments, restarts
// it on the same database, and then checks that nothing acknowledged was
// lost, nothing was created twice or half, and every verification mail was
// sent. The package has no code of its own: everything is in its tests.
//
// LATCHKEY_CRASH_KILLS sets the number of kills per backend (default 4)
// and waits out the mail leases of killed runs; LATCHKEY_CRASH_SEED replays
// a run's choices. See docs/RELIABILITY.md, "Crash safety".
package crashtest
