// Package oidc serves the public, per-realm OpenID Connect surface under
// /realms/{realm}: realm info now; discovery, keys and the token service as
// they are built. Each feature file mounts its own routes.
package oidc
