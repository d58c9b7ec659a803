// Package model holds latchkey's domain entities as plain structs: realms,
// users, credentials, clients, roles and signing keys. It does no I/O and
// imports nothing from the store or HTTP layers, so every other package can
// depend on it without dragging anything else along.
package model
