// Package kcrep holds Keycloak's JSON representations (RealmRepresentation,
// ClientRepresentation, UserRepresentation ...) as latchkey reads and writes
// them: the wire shape, with Keycloak's field names, kept apart from the
// domain structs in internal/model so that the API can follow Keycloak while
// the model follows latchkey's own rules.
//
// Scalars whose absence matters (so that a default can apply) are pointers;
// nil slices, maps and pointers are left out when marshalling, while an
// empty but non-nil slice is written as [] the way Keycloak writes it.
// Sections latchkey does not model yet are kept as json.RawMessage so that
// an import can say what it left aside (see UnmodelledSections).
package kcrep
