// Package postgres is latchkey's shared database: the sqlstore
// implementation on PostgreSQL, through pgx's database/sql adapter, so that
// any number of latchkey processes can serve the same realms.
//
// What is PostgreSQL-specific lives here: connecting, mapping SQLSTATEs to
// the store's meanings (23505 to a conflict, 40001 and 40P01 to a retry,
// lost connections to store.ErrUnavailable), and migrations taken under an
// advisory lock so that processes starting together do not race.
package postgres
