package store

import (
	"context"
	"time"
)

// LoginFailure is one user's brute-force record, Keycloak's
// UserLoginFailure: the failures counted since the last success (or reset),
// how many temporary lockouts they caused, the last failure's time and
// address, and until when logins are refused.
type LoginFailure struct {
	RealmID              string
	UserID               string
	NumFailures          int
	NumTemporaryLockouts int
	// LastFailure is the time of the last failure (millisecond precision;
	// zero when none).
	LastFailure   time.Time
	LastIPFailure string
	// FailedLoginNotBefore is the epoch second before which logins are
	// refused (0: not locked).
	FailedLoginNotBefore int64
}

// LoginFailureStore keeps users' login failures. They live in the database
// so that every process sees the same counts and lockouts.
type LoginFailureStore interface {
	// GetLoginFailure returns a user's record; ErrNotFound when there is
	// none.
	GetLoginFailure(ctx context.Context, realmID, userID string) (*LoginFailure, error)
	// RecordLoginFailure applies update to the user's record (a zero record
	// with RealmID and UserID set when there is none) and stores the
	// result, returning it. Read, update and write are one transaction that
	// loses no concurrent update: concurrent failures all count. update may
	// run more than once (contention is retried), so it must be pure. A
	// user missing from the realm is ErrNotFound.
	RecordLoginFailure(ctx context.Context, realmID, userID string, update func(*LoginFailure)) (*LoginFailure, error)
	// DeleteLoginFailure clears a user's record; a missing one is no error.
	DeleteLoginFailure(ctx context.Context, realmID, userID string) error
	// ListLoginFailures returns a realm's records ordered by user id.
	ListLoginFailures(ctx context.Context, realmID string) ([]LoginFailure, error)
	// DeleteRealmLoginFailures clears every record of a realm and returns
	// how many there were.
	DeleteRealmLoginFailures(ctx context.Context, realmID string) (int, error)
}
