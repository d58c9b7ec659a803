// Package realm creates, changes and deletes realms with everything Keycloak
// gives a realm: default settings, the built-in clients (account,
// account-console, admin-cli, broker, realm-management,
// security-admin-console) and roles, default-roles-{realm}, signing keys,
// and the {realm}-realm admin client in master. The admin API and realm
// import both go through it, so a realm looks the same however it was made.
package realm
