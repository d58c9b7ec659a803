// Package adminapi serves Keycloak's admin REST API under /admin/realms:
// Keycloak's representations mapped to latchkey's services, one file per
// resource. Every endpoint goes through one authentication step (a bearer
// token of master or of the realm itself) and names the permission it
// needs, checked as Keycloak's RBAC checks it, plus latchkey's
// least-privilege create-users role.
package adminapi
