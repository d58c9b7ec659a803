// Package httpapi is the plumbing every latchkey endpoint shares: an error
// type that keeps the client's message apart from the logged cause, writers
// for Keycloak's two error shapes, JSON helpers, and the middleware (request
// id, panic recovery, access log, metrics) wrapped around every route.
package httpapi
