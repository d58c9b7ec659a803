package store

import "errors"

var (
	// ErrNotFound means the requested row does not exist (in that realm).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a unique constraint refused the write: the same
	// username, email, client id, role name or realm name already exists.
	ErrConflict = errors.New("store: conflict")
	// ErrSchemaTooNew means the database was migrated by a newer latchkey
	// than this binary; running on it could corrupt data.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this binary")
	// ErrUnavailable means the database could not be reached.
	ErrUnavailable = errors.New("store: database unavailable")
)
