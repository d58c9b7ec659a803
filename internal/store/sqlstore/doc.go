// Package sqlstore implements store.Store once, on database/sql, for every
// SQL backend latchkey has. The SQLite and PostgreSQL packages only open the
// database, classify their driver's errors and ship their own migrations; the
// queries live here so that both backends behave the same way and the
// conformance suite checks one implementation, not two.
//
// The queries are written in the SQL both dialects share: numbered
// placeholders ($1), ON CONFLICT DO NOTHING, || concatenation, LIKE with an
// explicit ESCAPE. Where a dialect differs, the difference belongs in Dialect,
// never in a rewrite of the SQL text.
package sqlstore
