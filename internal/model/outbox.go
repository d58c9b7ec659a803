package model

import "time"

// Outbox message states.
const (
	MessagePending = "pending"
	MessageSent    = "sent"
	MessageFailed  = "failed" // gave up after the last attempt
)

// OutboxMessage is an e-mail written in the same transaction as the change
// that asks for it, and sent later by the outbox worker: a crash between
// commit and send loses no mail, and a claimed message is sent by one
// process only.
type OutboxMessage struct {
	ID      string
	RealmID string
	UserID  string // the recipient user, if any
	Kind    string // "verify-email", "execute-actions", ...
	To      string
	Subject string
	Text    string
	HTML    string

	Status      string
	Attempts    int
	NextAttempt time.Time // not sent before
	// ClaimedUntil is the lease of the worker sending it; another worker
	// may claim it again only after it passes (the first one crashed).
	ClaimedUntil time.Time
	LastError    string
	CreatedAt    time.Time
	SentAt       time.Time
}

// VerificationCode is the short numeric code of a pending email
// verification, stored hashed, one per user: a new one replaces the old.
type VerificationCode struct {
	RealmID   string
	UserID    string
	Email     string // the address it verifies; a changed email voids it
	CodeHash  string
	Attempts  int // wrong attempts so far
	ExpiresAt time.Time
	CreatedAt time.Time
}
