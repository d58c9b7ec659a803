// Package export moves realms between latchkey and Keycloak in Keycloak's
// export layout: it writes realms as "kc.sh export" does (one file, or a
// directory of <realm>-realm.json and <realm>-users-<n>.json files) and reads
// such exports back, users with their password hashes included.
//
// Both directions stream users: an export pages through the store and
// encodes one user at a time; an import reads users files element by element
// and writes them in batches, one transaction each, after the realm itself.
// An import that fails part-way removes the realm it created, so nothing is
// left half-imported.
package export
