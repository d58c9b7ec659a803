// Package user is the one user-creation core: every path that makes a user
// (admin API, self-registration, realm import, bootstrap) writes it through
// Insert, so normalisation, uniqueness, default roles and credentials are
// handled in one place.
package user
