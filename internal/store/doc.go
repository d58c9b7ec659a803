// Package store defines the persistence contract of latchkey: one interface
// per aggregate, composed into Store, with sentinel errors that every backend
// maps its own errors to. Services depend on this package only; the SQLite
// and PostgreSQL backends live in subpackages and are chosen in internal/app.
//
// Rules every backend follows (the conformance suite in storetest checks them):
//   - Uniqueness is enforced by the database (unique indexes), never by a
//     check-then-insert; a violation is ErrConflict.
//   - A missing row is ErrNotFound, including rows of another realm.
//   - Usernames and emails are stored lower-cased; look-ups by them are
//     case-insensitive.
//   - Times are stored with millisecond precision and returned in UTC.
//   - Every write runs in a transaction, retried on transient contention
//     (SQLITE_BUSY, serialization failures) by the one helper behind InTx.
//   - Create methods assign a random UUID (version 7: time-ordered, 74
//     random bits; never use an id as a secret) when the ID is empty, and
//     set CreatedAt (Session.Started, Event.Time) to now when it is zero,
//     writing both back into the struct.
//   - Methods that take ids of other rows (role ids in GrantUserRoles,
//     AddComposites, client ids in a Session) answer ErrNotFound when any of
//     them is not in the realm, and write nothing.
//   - Slices and maps come back empty rather than nil only where noted;
//     callers must not rely on either.
//   - Deleting a row deletes what hangs off it: a user's credentials and
//     role mappings, a role's composite links and mappings, a client's roles,
//     a realm's everything.
package store
