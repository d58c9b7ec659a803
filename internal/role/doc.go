// Package role computes effective roles: a user's directly mapped roles
// with every composite expanded, cycles handled. It is the one place that
// answers "what roles does this user hold", for tokens (realm_access,
// resource_access), the admin API's composite views and admin permission
// checks.
package role
