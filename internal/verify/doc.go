// Package verify is email verification that works for browsers and for
// mobile apps: Keycloak-compatible verify-email (and execute-actions)
// action-token links, and latchkey's 6-digit codes that an app submits
// instead of opening a link. Mails are written to the outbox in the
// transaction that asks for them; the outbox worker sends them.
package verify
